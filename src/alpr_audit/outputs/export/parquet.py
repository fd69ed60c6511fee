"""``alpr-audit export parquet``: the normalised tables as Parquet files, one per table, for
Spark, DuckDB, pandas and R users.

Personal columns are replaced by the store's keyed pseudonyms unless the operator releases
them (``--release names|plates|user_ids|emails|case_numbers``, the same fields ``respond``
releases): the same value keeps the same pseudonym, so counts and joins still work. Free
text (reasons, filters, notes) has plate-shaped text replaced unless plates are released;
message bodies of request threads and rejected rows' raw text are not exported at all.
Paths are cut to file names. Each pseudonym is computed inside DuckDB while the file is
written (``privacy_sql``), so ten million searches never pass through Python.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpr_audit import __version__
from alpr_audit.core import sql
from alpr_audit.core.errors import UsageError
from alpr_audit.core.fetch import one_row
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.core.privacy_sql import clear_pseudo_state, fill_pseudo_map, pseudo_expr
from alpr_audit.core.schema import SCHEMA_VERSION, TABLES
from alpr_audit.outputs.atomic import MARKER, atomic_dir, marker
from alpr_audit.store import Store

RELEASE_FIELDS = ("names", "plates", "user_ids", "emails", "case_numbers")
#: plate-shaped words in free text (California and common US formats)
PLATE_TEXT = (r"\b([0-9][A-Z]{3}[0-9]{3}|[A-Z]{3}[0-9]{3,4}|[0-9]{3}[A-Z]{3}"
              r"|[0-9][A-Z]{2}[0-9]{4}|[0-9][A-Z][0-9]{5})\b")

#: table → column → (pseudonym kind, the --release field that publishes it as written)
PERSONAL: dict[str, dict[str, tuple[str, str]]] = {
    "searches": {"user_ref": ("user", "user_ids"), "plate_query": ("plate", "plates"),
                 "case_number": ("case", "case_numbers")},
    "hotlist_events": {"user_ref": ("user", "user_ids"), "plate_query": ("plate", "plates"),
                       "case_number": ("case", "case_numbers")},
    "users": {"user_ref": ("user", "user_ids"), "display_name": ("person", "names"),
              "email": ("email", "emails"), "phone": ("phone", "names")},
    "communications": {"sender": ("person", "names")},
}
#: free text that may quote a plate
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "searches": ("reason", "filters", "text_prompt"),
    "hotlist_events": ("reason", "details", "hotlist_name"),
    "evidence": ("note",),
    "findings": ("message",),
}
#: never exported: whole raw rows, message bodies (they name requesters), the key itself
WITHHELD: dict[str, tuple[str, ...]] = {
    "communications": ("text",),
    "sources": ("details",),
}
SKIPPED_TABLES = {"rejects": "raw rows of any kind; see alpr-audit rejects"}
PATH_COLUMNS = {"sources": "path", "requests": "source_path"}

#: What :mod:`alpr_audit.outputs.atomic` calls a Parquet export
KIND = "parquet-export"


@dataclass
class ParquetExport:
    """What ``export parquet`` wrote."""

    dir: str
    tables: dict[str, int] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"dir": self.dir, "tables": self.tables, "released": self.released}


def _select(store: Store, table: str, pz: Pseudonymizer, release: set[str],
            overrides: dict[str, str] | None = None) -> str:
    """The SELECT list of ``table`` with personal columns treated (``overrides``: column →
    SQL taking the place of the column's own treatment)."""
    cols = [c.name for c in TABLES[table].columns]
    personal = PERSONAL.get(table, {})
    frm = f'FROM {sql.identifier(table)} WHERE true'
    out = []
    for c in cols:
        q = sql.identifier(c)
        if c in WITHHELD.get(table, ()):
            continue
        if overrides and c in overrides:
            out.append(f"{overrides[c]} AS {q}")
        elif c in personal and personal[c][1] not in release:
            kind = personal[c][0]
            fill_pseudo_map(store.con, pz, kind, q, frm)
            out.append(f"{pseudo_expr(pz, kind, q)} AS {q}")
        elif c in FREE_TEXT.get(table, ()) and "plates" not in release:
            out.append(f"regexp_replace({q}, {sql.string(PLATE_TEXT)}, '[plate]', 'gi') AS {q}")
        elif c == PATH_COLUMNS.get(table):
            out.append(f"regexp_extract({q}, '[^/\\\\]*$') AS {q}")
        else:
            out.append(q)
    return ", ".join(out)


def _subject_select(store: Store, table: str, pz: Pseudonymizer, release: set[str]) -> str:
    """``findings`` and ``evidence``: the subject is a user id when the finding is about a
    user (``details.subject_kind``), else an agency id or a field name; a user's id is
    replaced in the subject and wherever the message or note repeats it."""
    if "user_ids" in release:
        return _select(store, table, pz, release)
    kind = ("json_extract_string(t.details, '$.subject_kind')" if table == "findings" else
            "(SELECT json_extract_string(f.details, '$.subject_kind') FROM findings f "
            "WHERE f.finding_id = t.finding_id LIMIT 1)")
    fill_pseudo_map(store.con, pz, "user", "subject", f'FROM {sql.identifier(table)} t WHERE {kind} = \'user\'')
    token = pseudo_expr(pz, "user", "subject")
    text = "message" if table == "findings" else "note"
    scrubbed = (f"regexp_replace({text}, {sql.string(PLATE_TEXT)}, '[plate]', 'gi')"
                if "plates" not in release else text)
    user = f"{kind} = 'user' AND subject IS NOT NULL AND length(trim(subject)) >= 2"
    return _select(store, table, pz, release, {
        "subject": f"CASE WHEN {kind} = 'user' THEN {token} ELSE subject END",
        text: f"CASE WHEN {user} THEN replace({scrubbed}, subject, {token}) ELSE {scrubbed} END",
    })


def export_parquet(store: Store, out: Path, release: set[str] | frozenset[str] = frozenset()
                   ) -> ParquetExport:
    """Write every normalised table as ``out/<table>.parquet`` plus ``manifest.json``."""
    unknown = set(release) - set(RELEASE_FIELDS)
    if unknown:
        raise UsageError(f"cannot release {', '.join(sorted(unknown))}",
                         hint=f"release one of: {', '.join(RELEASE_FIELDS)}")
    pz = Pseudonymizer(store_key(store.root))
    result = ParquetExport(str(out), released=sorted(release))
    try:
        with atomic_dir(Path(out), KIND) as tmp:
            for table in TABLES:
                if table in SKIPPED_TABLES:
                    continue
                if table in ("findings", "evidence"):
                    cols = _subject_select(store, table, pz, set(release))
                else:
                    cols = _select(store, table, pz, set(release))
                path = tmp / f"{table}.parquet"
                store.con.execute(f'COPY (SELECT {cols} FROM {sql.identifier(table)} t) TO '
                                  f"{sql.path(path)} (FORMAT parquet, COMPRESSION zstd)")
                result.tables[table] = one_row(store.con.execute(
                    f"SELECT count(*) FROM read_parquet({sql.path(path)})"))[0]
            manifest = {
                **marker(KIND),
                "generator": f"alpr-audit {__version__}", "schema_version": SCHEMA_VERSION,
                "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "tables": result.tables, "released": result.released,
                "pseudonymised": {t: sorted(c for c, (_, f) in cols.items() if f not in release)
                                  for t, cols in PERSONAL.items()},
                "withheld": {t: list(c) for t, c in WITHHELD.items()} | {
                    t: "whole table: " + why for t, why in SKIPPED_TABLES.items()},
                "columns": {t: {c.name: c.doc for c in TABLES[t].columns} for t in result.tables},
            }
            (tmp / MARKER).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    finally:
        try:
            clear_pseudo_state(store.con)
        except Exception:  # noqa: BLE001 - nothing was set
            pass
    return result
