"""Integrity check of a store: does the folder still keep the store's promises?

:func:`check` opens the store **read-only** (so it sees, and does not sweep, what a killed
process left behind) and verifies, in order:

* ``catalog`` — the catalog opens and is at this alpr-audit's schema version;
* ``files`` — every Parquet file ``table_files`` registers exists, is readable and holds the
  recorded row count (read from the file's footer);
* ``orphans`` — no unregistered Parquet file under ``tables/`` and nothing in ``.staging/``
  (both are what a killed ingest leaves; the next writable open removes them);
* ``ledger`` — for every source ``rows_read = rows_loaded + rows_rejected + rows_duplicate``,
  the ``rejects`` table holds exactly ``rows_rejected`` rows of it, and the normalised tables
  hold exactly ``rows_loaded`` rows of it; no table row names a source the ledger lacks;
* ``references`` — findings name existing runs, evidence names existing findings and sources,
  audit runs hold the number of findings they recorded, request items and communications
  name existing requests;
* ``secret`` — the pseudonym key, when present, is 32 bytes readable by its owner only.

Every problem is a :class:`Problem` (check, what, where); the store is sound when there is
none. Checks after a failed ``catalog`` check are skipped (nothing else can be read).
"""

from __future__ import annotations

import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from alpr_audit.core import sql
from alpr_audit.core.cells import install_macros
from alpr_audit.core.errors import AlprAuditError, StoreError
from alpr_audit.core.fetch import one_row
from alpr_audit.core.privacy import KEY_FILE
from alpr_audit.core.schema import INGEST_TABLES, PARQUET_TABLES, SCHEMA_VERSION
from alpr_audit.store import layout
from alpr_audit.store.store import CATALOG_FILE, Store

CHECKS = ("catalog", "files", "orphans", "ledger", "references", "secret")


@dataclass
class Problem:
    """One thing wrong with a store."""

    check: str
    message: str
    where: str | None = None


@dataclass
class IntegrityReport:
    """What :func:`check` found."""

    store: str
    schema_version: int | None = None
    sources: int = 0
    files: int = 0
    checks: dict[str, str] = field(default_factory=dict)  # check → "ok" / "failed" / "skipped"
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "ok": self.ok, "schema_version": self.schema_version,
                "sources": self.sources, "files": self.files, "checks": self.checks,
                "problems": [asdict(p) for p in self.problems]}


def check(root: str | Path) -> IntegrityReport:
    """Check the store at ``root`` without changing it; see the module docstring."""
    root = Path(root).expanduser().resolve()
    report = IntegrityReport(store=str(root))
    if not (root / CATALOG_FILE).exists():
        report.problems.append(Problem("catalog", f"no {CATALOG_FILE} in the store folder",
                                       str(root)))
        report.checks = {c: "failed" if c == "catalog" else "skipped" for c in CHECKS}
        return report
    try:
        store = _open(root)
    except AlprAuditError as exc:
        report.problems.append(Problem("catalog", exc.message, exc.path))
        report.checks = {c: "failed" if c == "catalog" else "skipped" for c in CHECKS}
        return report
    with store:
        report.schema_version = store.schema_version()
        report.checks["catalog"] = "ok"
        for name, fn in (("files", _files), ("orphans", _orphans), ("ledger", _ledger),
                         ("references", _references), ("secret", _secret)):
            before = len(report.problems)
            try:
                fn(store, report)
            except duckdb.Error as exc:  # a damaged table is a finding, not a crash
                report.problems.append(Problem(name, f"cannot be checked: {exc}".splitlines()[0]))
            report.checks[name] = "ok" if len(report.problems) == before else "failed"
    if report.schema_version != SCHEMA_VERSION:  # read-only open already refuses; keep honest
        report.problems.append(Problem("catalog", f"schema version {report.schema_version}, "
                                       f"expected {SCHEMA_VERSION}"))
    return report


def _open(root: Path) -> Store:
    """The store read-only, its views built over the registered files that can be read (the
    ``files`` check names the others; :meth:`Store.open` would refuse to build the views)."""
    catalog = root / CATALOG_FILE
    try:
        con = duckdb.connect(str(catalog), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"the store catalog {catalog} is unreadable: {exc}".splitlines()[0],
                         path=str(catalog)) from exc
    store = Store(root, con, read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        store._check_version()
        install_macros(con)
        for table in PARQUET_TABLES:
            files = [f for f in store.table_files(table.name) if _readable(con, f)]
            cols = ", ".join(f'CAST(NULL AS {c.type}) AS {sql.identifier(c.name)}' for c in table.columns)
            body = (layout.view_body(table.name, table.column_names, files, root) if files
                    else f"SELECT {cols} WHERE false")
            con.execute(f'CREATE OR REPLACE TEMP VIEW {sql.identifier(table.name)} AS {body}')
    except (AlprAuditError, duckdb.Error) as exc:
        con.close()
        if isinstance(exc, AlprAuditError):
            raise
        raise StoreError(f"the store catalog {catalog} is unreadable: {exc}".splitlines()[0],
                         path=str(catalog)) from exc
    return store


def _readable(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    try:
        one_row(con.execute("SELECT count(*) FROM parquet_file_metadata(?)", [str(path)]))
    except duckdb.Error:
        return False
    return True


def _rows(store: Store, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
    return store.con.execute(sql, params or []).fetchall()


def _files(store: Store, report: IntegrityReport) -> None:
    registered = _rows(store, "SELECT table_name, relpath, rows FROM table_files ORDER BY relpath")
    report.files = len(registered)
    present = []
    for table, rel, _rows_expected in registered:
        path = store.root / rel
        if not path.is_file():
            report.problems.append(Problem("files", f"registered {table} file is missing", rel))
        else:
            present.append(path)
    if not present:
        return
    counts: dict[str, int] = {}
    for path in present:  # one by one, so a damaged file is named and the others still count
        try:
            n = one_row(store.con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)",
                                          [str(path)]))[0]
            counts[path.relative_to(store.root).as_posix()] = int(n or 0)
        except duckdb.Error as exc:
            report.problems.append(Problem("files", "not a readable Parquet file: "
                                           + str(exc).splitlines()[0],
                                           path.relative_to(store.root).as_posix()))
    for table, rel, expected in registered:
        if rel in counts and counts[rel] != expected:
            report.problems.append(Problem(
                "files", f"{table} file holds {counts[rel]:,} rows, the catalog recorded "
                f"{expected:,}", rel))


def _orphans(store: Store, report: IntegrityReport) -> None:
    registered = {r[0] for r in _rows(store, "SELECT relpath FROM table_files")}
    tables = store.root / "tables"
    if tables.exists():
        for path in sorted(tables.rglob("*.parquet")):
            rel = path.relative_to(store.root).as_posix()
            if rel not in registered:
                report.problems.append(Problem(
                    "orphans", "Parquet file no catalog row names (left by an interrupted "
                    "write; any write command removes it)", rel))
    staging = store.staging_dir
    if staging.exists() and any(staging.iterdir()):
        left = sorted(p.name for p in staging.iterdir())
        report.problems.append(Problem(
            "orphans", f"staging files of an interrupted ingest: {', '.join(left[:5])}"
            + (" …" if len(left) > 5 else ""), ".staging"))


def _ledger(store: Store, report: IntegrityReport) -> None:
    sources = _rows(store, "SELECT source_id, rows_read, rows_loaded, rows_rejected, "
                    "rows_duplicate FROM sources ORDER BY source_id")
    report.sources = len(sources)
    rejects = dict(_rows(store, "SELECT source_id, count(*) FROM rejects GROUP BY 1"))
    loaded: dict[str, int] = {}
    for table in INGEST_TABLES:
        for sid, n in _rows(store, f'SELECT source_id, count(*) FROM {sql.identifier(table.name)} GROUP BY 1'):
            loaded[sid] = loaded.get(sid, 0) + n
    known = set()
    for sid, read, ok, rej, dup in sources:
        known.add(sid)
        read, ok, rej, dup = (int(v or 0) for v in (read, ok, rej, dup))
        if read != ok + rej + dup:
            report.problems.append(Problem(
                "ledger", f"rows_read {read:,} ≠ loaded {ok:,} + rejected {rej:,} + "
                f"duplicate {dup:,}", f"source {sid}"))
        if rejects.get(sid, 0) != rej:
            report.problems.append(Problem(
                "ledger", f"rejects holds {rejects.get(sid, 0):,} rows, the ledger says "
                f"{rej:,}", f"source {sid}"))
        if loaded.get(sid, 0) != ok:
            report.problems.append(Problem(
                "ledger", f"the tables hold {loaded.get(sid, 0):,} rows, the ledger says "
                f"{ok:,} loaded", f"source {sid}"))
    for sid in sorted(set(loaded) - known):
        report.problems.append(Problem("ledger", f"{loaded[sid]:,} table rows name a source "
                                       "the ledger does not hold", f"source {sid}"))
    for sid in sorted(set(rejects) - known):
        report.problems.append(Problem("ledger", f"{rejects[sid]:,} rejects name a source the "
                                       "ledger does not hold", f"source {sid}"))


_REFERENCES = (
    ("findings name an audit run that does not exist",
     "SELECT DISTINCT f.run_id FROM findings f ANTI JOIN audit_runs r USING (run_id)"),
    ("evidence names a finding that does not exist",
     "SELECT DISTINCT e.finding_id FROM evidence e ANTI JOIN findings f USING (finding_id)"),
    ("evidence names a source that does not exist",
     "SELECT DISTINCT e.source_id FROM evidence e WHERE e.source_id IS NOT NULL "
     "AND e.source_id NOT IN (SELECT source_id FROM sources)"),
    ("search purposes name a source that does not exist",
     "SELECT DISTINCT p.source_id FROM search_purposes p WHERE p.source_id IS NOT NULL "
     "AND p.source_id NOT IN (SELECT source_id FROM sources)"),
    ("an audit run holds another number of findings than it recorded",
     "SELECT r.run_id FROM audit_runs r LEFT JOIN (SELECT run_id, count(*) n FROM findings "
     "GROUP BY 1) f USING (run_id) WHERE r.findings IS NOT NULL "
     "AND coalesce(f.n, 0) <> r.findings"),
    ("request items name a request that does not exist",
     "SELECT DISTINCT i.request_id FROM request_items i ANTI JOIN requests r USING (request_id)"),
    ("communications name a request that does not exist",
     "SELECT DISTINCT c.request_id FROM communications c ANTI JOIN requests r "
     "USING (request_id)"),
)


def _references(store: Store, report: IntegrityReport) -> None:
    for message, query in _REFERENCES:
        bad = [str(r[0]) for r in _rows(store, query)]
        if bad:
            report.problems.append(Problem("references", f"{message} ({len(bad)})",
                                           ", ".join(sorted(bad)[:5])))


def _secret(store: Store, report: IntegrityReport) -> None:
    path = store.root / KEY_FILE
    if not path.exists():
        return  # created on first use by a publishing command
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        report.problems.append(Problem("secret", f"pseudonym key is readable by others "
                                       f"(mode {mode:o}); run chmod 600 on it", KEY_FILE))
    if path.stat().st_size != 32:
        report.problems.append(Problem("secret", "pseudonym key is not 32 bytes", KEY_FILE))
