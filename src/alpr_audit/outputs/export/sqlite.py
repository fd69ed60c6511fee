"""``alpr-audit export sqlite``: aggregates and findings as one SQLite file for Datasette.

Only public-safe data goes in: the agency registry, the ledger (file names, not paths), the
latest audit run's findings (subjects pseudonymised, as the audit report shows them), the
public named reports, sharing relationships, counts and portal snapshots. No row-level
search, no user, no plate. Text is formula-neutralised (Datasette offers every table as CSV,
and CSV opens in spreadsheets). A ``<name>.metadata.json`` beside the file gives Datasette
titles, descriptions, column notes, licence and source: ``datasette FILE -m <name>.metadata.json``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import sqlite_utils

from alpr_audit import __version__
from alpr_audit.core import sql
from alpr_audit.core.errors import UsageError
from alpr_audit.core.schema import TABLES
from alpr_audit.outputs.atomic import atomic_file
from alpr_audit.outputs.audit_report.data import Privacy, load_findings, load_run
from alpr_audit.outputs.safe import safe_cell
from alpr_audit.reports.registry import REPORTS, run_report
from alpr_audit.store import Store

#: reports quoting text users typed (a reason may hold a plate or a name) stay out
FREE_TEXT_REPORTS = frozenset({"searches-by-reason"})
LICENSE = "Public records; findings by alpr-audit. Personal data pseudonymised."


@dataclass
class SqliteExport:
    """What ``export sqlite`` wrote."""

    path: str
    metadata_path: str
    tables: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "metadata": self.metadata_path, "tables": self.tables}


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return safe_cell(value)


def _clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _cell(v) for k, v in r.items()} for r in rows]


def _tables(store: Store) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """table name → (rows, Datasette metadata of the table)."""
    out: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
    doc = {t: {c.name: c.doc for c in TABLES[t].columns} for t in TABLES}

    out["agencies"] = (store.query(
        "SELECT agency_id, name, state, level, is_federal, is_private, deactivated, aliases "
        "FROM agencies ORDER BY agency_id"),
        {"title": "Agencies", "description": TABLES["agencies"].doc, "columns": doc["agencies"]})
    sources = store.query(
        "SELECT source_id, path, sha256, format, publisher_agency_id, log_kind, rows_read, "
        "rows_loaded, rows_rejected, rows_duplicate, ingested_at FROM sources ORDER BY source_id")
    for r in sources:
        r["file"] = PurePath(r.pop("path") or "").name
    out["sources"] = (sources, {"title": "Source files",
                                "description": "Every ingested file with its hash and row "
                                "accounting (rows read = loaded + rejected + duplicate).",
                                "columns": doc["sources"] | {"file": "the file's name"}})
    try:
        run = load_run(store, None)
    except UsageError:
        run = None
    findings: list[dict[str, Any]] = []
    if run is not None:
        findings = [f.to_record() for f in load_findings(store, run, Privacy(store, raw=False))]
    out["findings"] = (findings, {
        "title": "Audit findings",
        "description": "Findings of the latest audit run, with legal citations; a user a "
        "finding is about appears as a keyed pseudonym (user-…).",
        "columns": doc["findings"] | {"agency": "the agency's name",
                                      "subject_kind": "agency, user, field or text"}})
    out["audit_runs"] = (store.query(
        "SELECT run_id, pack, started_at, finished_at, as_of, engine, findings FROM audit_runs "
        "ORDER BY started_at"), {"title": "Audit runs", "description": TABLES["audit_runs"].doc})
    out["sharing"] = (store.query("""
        SELECT s.publisher_agency_id, s.direction, s.data_kind, s.partner_agency_id,
               coalesce(p.name, s.partner_name_raw) AS partner, p.state AS partner_state,
               p.level AS partner_level, p.is_federal AS partner_is_federal,
               p.is_private AS partner_is_private, s.status,
               min(s.observed_on) AS first_observed, max(s.observed_on) AS last_observed,
               count(*) AS observations
        FROM sharing s LEFT JOIN agencies p ON p.agency_id = s.partner_agency_id
        GROUP BY ALL ORDER BY ALL"""),
        {"title": "Sharing relationships", "description": "Who shares ALPR data with whom, "
         "as the agencies' own sharing lists say, with the partner's state and level."})
    for name in ("detection_counts", "portal_snapshots", "external_access_counts"):
        cols = [c for c in TABLES[name].column_names if c not in ("natural_key", "occurrence")]
        out[name] = (store.query(f'SELECT {", ".join(cols)} FROM {sql.identifier(name)} ORDER BY ALL'),
                     {"title": name.replace("_", " ").capitalize(),
                      "description": TABLES[name].doc, "columns": doc[name]})
    for rep in REPORTS.values():
        if rep.name in FREE_TEXT_REPORTS:
            continue
        try:
            rows = run_report(store, rep.name)
        except UsageError:  # needs an audit run (purpose labels) the store does not have
            continue
        out["report_" + rep.name.replace("-", "_")] = (
            rows, {"title": rep.title, "description": rep.description})
    return out


def export_sqlite(store: Store, out: Path) -> SqliteExport:
    """Write the SQLite file ``out`` and its metadata JSON beside it, atomically."""
    out = Path(out)
    if out.suffix.lower() not in (".db", ".sqlite", ".sqlite3"):
        raise UsageError(f"{out.name} does not end in .db, .sqlite or .sqlite3", path=str(out),
                         hint="name the file like alpr.db (Datasette serves .db files)")
    tables = _tables(store)
    result = SqliteExport(str(out), str(out.with_name(out.stem + ".metadata.json")))
    meta_tables: dict[str, Any] = {}
    with atomic_file(out) as tmp:
        db = sqlite_utils.Database(tmp)
        pks = {"agencies": "agency_id", "sources": "source_id", "findings": "finding_id",
               "audit_runs": "run_id"}
        for name, (rows, meta) in tables.items():
            if rows:
                db.table(name).insert_all(_clean(rows), pk=pks.get(name), alter=True)
            result.tables[name] = len(rows)
            meta_tables[name] = meta
        if db["findings"].exists() and db["agencies"].exists():
            db.table("findings").add_foreign_key("agency_id", "agencies", "agency_id")
        for name in ("findings", "sharing"):
            if db[name].exists() and "agency_id" in db[name].columns_dict:
                db.table(name).create_index(["agency_id"], if_not_exists=True)
        db.conn.commit()
        db.close()
        metadata = {
            "title": "ALPR audit",
            "description": "Automated license plate reader records audited against the law "
            f"and the agencies' own policies (alpr-audit {__version__}). Exported "
            f"{dt.datetime.now(dt.UTC).date().isoformat()}.",
            "license": LICENSE,
            "source": "Agencies' public records, ingested by alpr-audit",
            "databases": {out.stem: {"tables": meta_tables}},
        }
        with atomic_file(Path(result.metadata_path)) as mtmp:
            mtmp.write_text(json.dumps(metadata, indent=1, default=str) + "\n", encoding="utf-8")
    return result
