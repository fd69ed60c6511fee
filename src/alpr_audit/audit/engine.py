"""The audit run: label purposes, run every rule of a pack, write findings and evidence.

A run reads the store through Ibis (one query layer for DuckDB and Spark), writes each rule's
evidence to a staging Parquet file, groups evidence into findings, and commits everything in
one catalog transaction: the run record, its findings, its evidence file and the new
``search_purposes`` (which replaces the previous run's). A killed run leaves nothing: its
files sit in ``.staging`` or unregistered under ``tables/`` and are removed on the next open.
"""

from __future__ import annotations

import json
import secrets
import shutil
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from alpr_audit.audit import backends
from alpr_audit.audit.packs import DEFAULT_PACK, Pack, load_pack
from alpr_audit.audit.reasons import load_terms, purpose_table
from alpr_audit.audit.rules import all_rules
from alpr_audit.audit.rules.base import EVIDENCE_COLUMNS, Rule, RuleContext
from alpr_audit.core import sql
from alpr_audit.core.errors import AlprAuditError, UsageError
from alpr_audit.core.fetch import one_row
from alpr_audit.core.records import FINDING_COLUMNS, SEVERITIES, Finding
from alpr_audit.store.store import Store

#: Latest instant in the data, per table: the default ``as_of``.
_AS_OF_SQL = """SELECT max(t) FROM (
  SELECT max(searched_at) AS t FROM searches UNION ALL SELECT max(seen_at) FROM detections
  UNION ALL SELECT max(hit_at) FROM hits UNION ALL SELECT max("at") FROM hotlist_events
  UNION ALL SELECT max(last_login) FROM users
  UNION ALL SELECT max(captured_on)::TIMESTAMP FROM portal_snapshots)"""


@dataclass
class AuditError(AlprAuditError):
    """A rule could not run (a bug or an engine failure), with the rule named."""

    kind: str = "audit"


@dataclass
class AuditResult:
    """What a run produced; ``findings`` in report order."""

    run_id: str
    pack: Pack
    as_of: datetime
    findings: list[Finding]
    rules_run: list[str]
    not_applicable: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    evidence_rows: int = 0
    #: wall seconds per phase and per rule, for the report and the benchmark
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``audit --json`` object of the CLI contract."""
        return {
            "run_id": self.run_id, "pack": self.pack.name,
            "as_of": self.as_of.isoformat(),
            "findings": [f.to_json() for f in self.findings],
        }


def default_as_of(store: Store) -> datetime:
    """The latest timestamp in the data (UTC), or now when the store is empty."""
    found = one_row(store.con.execute(_AS_OF_SQL))[0]
    return found if found is not None else datetime.now(UTC).replace(tzinfo=None)


def select_rules(pack: Pack, only: list[str] | None = None) -> list[Rule]:
    """The pack's rules, narrowed to ids matching any pattern of ``only`` (``purpose.*``)."""
    import fnmatch

    rules = [r for r in all_rules() if pack.name in r.packs and pack.selects(r.id)]
    if only:
        rules = [r for r in rules if any(fnmatch.fnmatchcase(r.id, p) for p in only)]
        if not rules:
            raise UsageError(f"no rule of pack {pack.name} matches {', '.join(only)}",
                             hint="list the rules with: alpr-audit audit --list-rules")
    return rules


class _Formatter(string.Formatter):
    """str.format that leaves unknown placeholders visible instead of raising."""

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        return kwargs.get(key, "{" + str(key) + "}") if isinstance(key, str) else ""


def run_audit(
    store: Store,
    *,
    pack: str = DEFAULT_PACK,
    settings_file: Path | None = None,
    as_of: datetime | None = None,
    only: list[str] | None = None,
    terms_file: Path | None = None,
    on_rule: Callable[[str, int, int], None] | None = None,
    engine: str = "duckdb",
) -> AuditResult:
    """Run the pack's rules over ``store`` and commit the findings; returns the result."""
    if store.read_only:
        raise UsageError("the store is open read-only", hint="audit writes findings; open it writable")
    started = time.perf_counter()
    loaded = load_pack(pack, settings_file)
    rules = select_rules(loaded, only)
    as_of = as_of or default_as_of(store)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
    work = store.staging_dir / f"audit-{run_id}"
    work.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    try:
        backend = backends.connect(store, engine)
        t0 = time.perf_counter()
        purposes = _write_purposes(backend, work, run_id, load_terms(terms_file))
        timings["purposes"] = round(time.perf_counter() - t0, 2)
        # a TEMP view (never stored in the catalog) over this run's labels
        ctx = RuleContext(backend=backend, settings=loaded.settings, as_of=as_of,
                          pack=loaded.name, home_state=loaded.home_state,
                          derived={"search_purposes": _derived(store, backend, engine, purposes)})
        files, not_applicable = _run_rules(ctx, rules, work, on_rule, timings)
        t0 = time.perf_counter()
        findings, n_evidence = _collect(store, loaded, rules, run_id, files, work)
        timings["collect"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        _commit(store, loaded, run_id, as_of, rules, findings, work, purposes, engine,
                 not_applicable, timings)
        timings["commit"] = round(time.perf_counter() - t0, 2)
    finally:
        store.con.execute("DROP VIEW IF EXISTS _run_search_purposes")
        shutil.rmtree(work, ignore_errors=True)
    return AuditResult(run_id, loaded, as_of, findings, [r.id for r in rules], not_applicable,
                       round(time.perf_counter() - started, 2), n_evidence, timings)


def _write_purposes(backend: Any, work: Path, run_id: str, terms: Any) -> Path:
    """Label every search. Reasons repeat a lot in real logs (a few thousand distinct texts
    in millions of searches), so each distinct reason is classified once and joined back."""
    s = backend.table("searches").select("source_id", "locator", "reason")
    distinct = s.select("reason").distinct()
    labels = purpose_table(distinct, terms=terms).select(
        "reason", label="purpose_label", matched="purpose_matched")
    # NULL reasons do not meet in a join: they get the classifier's NULL answer directly
    null_label = purpose_table(ibis.memtable({"reason": [None]}, schema={"reason": "string"}),
                               terms=terms)
    joined = s.left_join(labels, s.reason == labels.reason)
    labelled = joined.select(
        "source_id", "locator",
        label=ibis.ifelse(joined.reason.isnull(), _first(backend, null_label, "purpose_label"),
                          joined.label),
        matched=ibis.ifelse(joined.reason.isnull(), _first(backend, null_label, "purpose_matched"),
                            joined.matched),
        run_id=ibis.literal(run_id))
    path = work / "search_purposes.parquet"
    backend.to_parquet(labelled, str(path))
    return path


def _derived(store: Store, backend: Any, engine: str, path: Path) -> Any:
    """A table over a Parquet output of this run, visible to the rules' engine."""
    if engine == "duckdb":  # a TEMP view: never stored in the catalog
        store.con.execute("CREATE OR REPLACE TEMP VIEW _run_search_purposes AS "
                          f"SELECT * FROM read_parquet({sql.path(Path(backends.parquet_glob(str(path))))})")
        return backend.table("_run_search_purposes")
    return backend.read_parquet(str(path), table_name="_run_search_purposes")


def _first(backend: Any, t: Any, column: str) -> Any:
    """The one value of ``column`` in the one-row table ``t``, as a literal."""
    value = backend.to_pyarrow(t.select(column))[column][0].as_py()
    return ibis.literal(value, type="string")


def _run_rules(ctx: RuleContext, rules: list[Rule], work: Path,
               on_rule: Callable[[str, int, int], None] | None,
               timings: dict[str, float]) -> tuple[list[tuple[Rule, Path]], dict[str, str]]:
    files: list[tuple[Rule, Path]] = []
    not_applicable: dict[str, str] = {}
    for i, rule in enumerate(rules):
        if on_rule:
            on_rule(rule.id, i, len(rules))
        t0 = time.perf_counter()
        try:
            expr = rule.query(ctx)
            if expr is None:
                not_applicable[rule.id] = "no " + " or ".join(rule.needs or ("data",)) + " in the store"
                continue
            expr = expr.select(*EVIDENCE_COLUMNS).cast(EVIDENCE_COLUMNS)
            path = work / f"evidence-{i:03d}.parquet"
            ctx.backend.to_parquet(expr, str(path))
        except AlprAuditError:
            raise
        except Exception as exc:  # a rule bug must name the rule, not surface as a traceback
            raise AuditError(f"rule {rule.id} failed: {type(exc).__name__}: {exc}",
                             hint="re-run with --debug and report it; --rules can skip it") from exc
        files.append((rule, path))
        timings[rule.id] = round(time.perf_counter() - t0, 2)
    return files, not_applicable


def _collect(store: Store, pack: Pack, rules: list[Rule], run_id: str,
             files: list[tuple[Rule, Path]], work: Path) -> tuple[list[Finding], int]:
    """Group evidence into findings and write the run's single evidence file."""
    con = store.con
    parts = [f"SELECT {sql.string(r.id)} AS rule_id, * FROM read_parquet({sql.path(Path(backends.parquet_glob(str(path))))})"
             for r, path in files]
    if not parts:
        parts = ["SELECT NULL::VARCHAR AS rule_id, " + ", ".join(
            f"NULL::{'TIMESTAMP' if t == 'timestamp' else 'VARCHAR'} AS {c}"
            for c, t in EVIDENCE_COLUMNS.items()) + " WHERE false"]
    con.execute("CREATE OR REPLACE TEMP VIEW _audit_ev AS " + " UNION ALL ".join(parts))
    # one finding per (rule, agency, subject); its id is hashed once per group, not per row
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _audit_groups AS
        SELECT substr(sha256({sql.string(run_id)} || '|' || rule_id || '|' || coalesce(agency_id, '') ||
               '|' || coalesce(subject, '')), 1, 16) AS finding_id, *
        FROM (SELECT rule_id, agency_id, subject, count(*) AS n, min("at") AS first_at,
                     max("at") AS last_at FROM _audit_ev GROUP BY ALL)""")
    out = work / "evidence.parquet"
    con.execute(f"""COPY (SELECT {sql.string(run_id)} AS run_id, g.finding_id, e.rule_id, e.agency_id,
        e.subject, e.table_name, e.source_id, e.locator, e."at", e.note
        FROM _audit_ev e JOIN _audit_groups g ON e.rule_id = g.rule_id
         AND e.agency_id IS NOT DISTINCT FROM g.agency_id AND e.subject IS NOT DISTINCT FROM g.subject)
        TO {sql.path(out)} (FORMAT parquet)""")
    groups = store.query("SELECT * FROM _audit_groups")
    notes: dict[str, list[str]] = {}
    for row in con.execute("""SELECT finding_id, note FROM (
            SELECT g.finding_id, e.note, count(*) AS c FROM _audit_ev e JOIN _audit_groups g
              ON e.rule_id = g.rule_id AND e.agency_id IS NOT DISTINCT FROM g.agency_id
             AND e.subject IS NOT DISTINCT FROM g.subject
            WHERE e.note IS NOT NULL GROUP BY ALL)
            QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY c DESC, note) <= 3
            ORDER BY finding_id, c DESC, note""").fetchall():
        notes.setdefault(row[0], []).append(row[1])
    names = dict(con.execute("SELECT agency_id, name FROM agencies").fetchall())
    by_id = {r.id: r for r in rules}
    order = {r.id: i for i, r in enumerate(rules)}
    findings = [_finding(pack, by_id[g["rule_id"]], g, names, notes.get(g["finding_id"], []),
                         run_id) for g in groups]
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), order[f.rule_id],
                                 f.agency or "", -f.evidence_count, f.subject or ""))
    total = sum(g["n"] for g in groups)
    con.execute("DROP VIEW _audit_ev")
    con.execute("DROP TABLE _audit_groups")
    return findings, total


def _finding(pack: Pack, rule: Rule, g: dict[str, Any], names: dict[str, str],
             notes: list[str], run_id: str) -> Finding:
    severity = pack.severity.get(rule.id, rule.severity)
    if severity not in SEVERITIES:
        raise UsageError(f"unknown severity {severity!r} for {rule.id}",
                         hint=f"severities: {', '.join(SEVERITIES)}")
    agency = names.get(g["agency_id"], g["agency_id"])
    subject = g["subject"]
    subject_name = names.get(subject, subject) if rule.subject_kind == "agency" else subject
    values = {**pack.settings, "agency": agency or "the agency", "subject": subject,
              "subject_name": subject_name, "count": f"{g['n']:,}",
              "first": g["first_at"], "last": g["last_at"], "notes": "; ".join(notes) or "—",
              "home_state": pack.home_state or "the agency's state"}
    return Finding(
        finding_id=g["finding_id"], run_id=run_id, rule_id=rule.id, severity=severity,
        agency_id=g["agency_id"], agency=agency, subject=subject, subject_name=subject_name,
        subject_kind=rule.subject_kind, evidence_count=int(g["n"]), first_at=g["first_at"],
        last_at=g["last_at"], citation=pack.citations.get(rule.id, rule.citation),
        title=rule.title, message=_Formatter().format(rule.explanation, **values),
        notes=tuple(notes))


def _commit(store: Store, pack: Pack, run_id: str, as_of: datetime, rules: list[Rule],
            findings: list[Finding], work: Path, purposes: Path, engine: str,
            not_applicable: dict[str, str], timings: dict[str, float]) -> None:
    started_at = datetime.strptime(run_id[:15], "%Y%m%dT%H%M%S")
    ev_rel = f"tables/evidence/{run_id}.parquet"
    sp_rel = f"tables/search_purposes/{run_id}.parquet"
    (store.root / sp_rel).parent.mkdir(parents=True, exist_ok=True)
    (store.root / ev_rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(work / "evidence.parquet", store.root / ev_rel)  # unregistered until the commit
    if purposes.is_dir():  # Spark wrote a folder of parts: one file, like every other table
        store.con.execute(f"COPY (SELECT * FROM read_parquet({sql.path(purposes / '*.parquet')})) "
                          f"TO {sql.path(store.root / sp_rel)} (FORMAT parquet)")
    else:
        shutil.move(purposes, store.root / sp_rel)
    con = store.con
    old = [r[0] for r in con.execute(
        "SELECT relpath FROM table_files WHERE table_name = 'search_purposes'").fetchall()]
    n_ev = one_row(con.execute(f"SELECT count(*) FROM read_parquet({sql.path(store.root / ev_rel)})"))[0]
    n_sp = one_row(con.execute(f"SELECT count(*) FROM read_parquet({sql.path(store.root / sp_rel)})"))[0]
    settings = {k: {"value": v, "from": pack.origin.get(k, "default")}
                for k, v in pack.settings.items()}
    cols = FINDING_COLUMNS
    with store.transaction() as tx:
        tx.execute("INSERT INTO audit_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            run_id, pack.name, started_at, datetime.now(UTC).replace(tzinfo=None), as_of, engine,
            json.dumps(settings), [r.id for r in rules], len(findings),
            json.dumps(not_applicable), json.dumps(timings)])
        if findings:  # one Arrow insert: executemany costs a round trip per finding
            batch = pa.Table.from_pylist([f.to_row() for f in findings])
            tx.register("_new_findings", batch)
            tx.execute(f"INSERT INTO findings ({', '.join(cols)}) SELECT {', '.join(cols)} "
                       "FROM _new_findings")
            tx.unregister("_new_findings")
        tx.execute("DELETE FROM table_files WHERE table_name = 'search_purposes'")
        tx.execute("INSERT INTO table_files VALUES ('evidence', ?, ?, ?)", [run_id, ev_rel, n_ev])
        tx.execute("INSERT INTO table_files VALUES ('search_purposes', ?, ?, ?)", [run_id, sp_rel, n_sp])
    for rel in old:  # the previous run's labels; an orphan anyway if this fails
        (store.root / rel).unlink(missing_ok=True)
    store.refresh_views()
