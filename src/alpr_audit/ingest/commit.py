"""From a filled ``stage`` table to a committed source: de-duplicate, write, commit.

Row accounting (invariant 1): every staged row is exactly one of

* **rejected** — ``_reject`` is set; kept in ``rejects`` with locator, raw text and reason;
* **duplicate** — its natural key is already in the store for the same publisher and log
  kind, or (for records with a vendor id) earlier in the same file;
* **loaded** — written to the table's Parquet file.

so ``rows_read = rows_loaded + rows_rejected + rows_duplicate`` holds by construction and is
checked before anything is committed.

An importer may stage several tables (a portal page holds a snapshot, sharing lists and a
search log): each staged table ``stage_<name>`` is de-duplicated and written on its own, and
the source's counts are the sums.

Natural keys (documented in docs/formats.md): records with a vendor id are keyed by
(publisher, log kind, id, search time, searching org, search type) — ids alone repeat for
~0.6 % of Flock rows that are distinct searches; portal rows by (publisher, log kind, id);
records without an id by all their cells plus their occurrence number inside the file, so two
identical rows in one file stay two searches while the same pair in an overlapping re-release
is recognised.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from alpr_audit.agencies import registry as agency_registry
from alpr_audit.core import sql
from alpr_audit.core.errors import StoreError
from alpr_audit.core.fetch import one_row
from alpr_audit.core.rejects import reject_code_sql
from alpr_audit.core.schema import TABLES, Table
from alpr_audit.ingest.base import PUBLISHER, StageResult, stage_name
from alpr_audit.store import Store, layout


@dataclass
class Counts:
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    by_table: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, table: str, read: int, loaded: int, rejected: int) -> None:
        dup = read - rejected - loaded
        if dup < 0:  # pragma: no cover - guards the accounting identity
            raise StoreError(f"row accounting failed for table {table}: "
                             f"{read} read, {loaded} loaded, {rejected} rejected")
        self.rows_read += read
        self.rows_loaded += loaded
        self.rows_rejected += rejected
        self.rows_duplicate += dup
        self.by_table[table] = {"read": read, "loaded": loaded, "rejected": rejected,
                                "duplicate": dup}


def _stage_columns(store: Store, stage: str) -> set[str]:
    return {r[0] for r in store.con.execute(f"DESCRIBE {stage}").fetchall()}


def _prepare_agencies(store: Store, result: StageResult) -> tuple[list[Any], str | None]:
    """Parse every written agency name the stages hold; map them in TEMP ``_agency_map``."""
    names: set[str] = set()
    hints: dict[str, str] = {}
    for name in result.tables:
        table, stage = TABLES[name], stage_name(name)
        cols = _stage_columns(store, stage)
        for raw_col, _ in table.agency_refs:
            if raw_col not in cols:
                continue
            names.update(r[0] for r in store.con.execute(
                f'SELECT DISTINCT {sql.identifier(raw_col)} FROM {stage} WHERE _reject IS NULL '
                f'AND {sql.identifier(raw_col)} IS NOT NULL').fetchall())
            if "flags" in cols:  # a source's own State column, kept as a 'state:XX' flag
                hints.update(store.con.execute(
                    f"""SELECT DISTINCT "{raw_col}", substr(f, 7) FROM (
                        SELECT "{raw_col}", unnest(flags) AS f FROM {stage}
                        WHERE _reject IS NULL) WHERE starts_with(f, 'state:')""").fetchall())
    publisher = result.publisher_name
    parsed = agency_registry.parse_names(sorted(names) + ([publisher] if publisher else []),
                                         hints)
    parsed = agency_registry.join_near_duplicates(store.con, parsed)
    store.con.execute("CREATE OR REPLACE TEMP TABLE _agency_map (raw VARCHAR, agency_id VARCHAR)")
    rows = [(n, parsed[n].agency_id) for n in names if n in parsed]
    if rows:
        _insert_map(store, rows)
    publisher_id = parsed[publisher].agency_id if publisher in parsed else None
    return list(parsed.values()), publisher_id


def _insert_map(store: Store, rows: list[tuple[str, str]]) -> None:
    store.con.register("_map_rows", pa.table({"raw": [r[0] for r in rows],
                                              "agency_id": [r[1] for r in rows]}))
    try:
        store.con.execute("INSERT INTO _agency_map SELECT * FROM _map_rows")
    finally:
        store.con.unregister("_map_rows")


def _constant(value: str | None, publisher_id: str | None) -> str:
    return sql.nullable(publisher_id) if value is PUBLISHER else sql.nullable(value)


def _write_table(store: Store, table: Table, staged: Path, source_id: str,
                 result: StageResult, publisher_id: str | None) -> int:
    """Write the loaded rows of ``stage_<table>`` to ``staged``; return how many."""
    con = store.con
    stage = stage_name(table.name)
    have = _stage_columns(store, stage)
    verify = [c for c in table.verify if c in have]
    # Ranks only for keys that occur more than once: most files have few or none.
    partition = ", ".join(["_kb"] + [sql.identifier(c) for c in verify])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ranks AS
        SELECT rowid AS _row, row_number() OVER (PARTITION BY {partition} ORDER BY rowid) AS rk
        FROM {stage}
        WHERE _reject IS NULL AND _kb IN (
            SELECT _kb FROM {stage} WHERE _reject IS NULL GROUP BY _kb HAVING count(*) > 1)""")

    exprs: dict[str, str] = {
        "source_id": sql.nullable(source_id),
        "locator": f"coalesce(s._locator, 'row ' || (s.rowid + {result.locator_base}))",
        table.publisher: sql.nullable(publisher_id),
        "natural_key": "CASE WHEN s._has_id THEN s._kb ELSE hash(s._kb, coalesce(r.rk, 1)) END",
        "occurrence": "CAST(CASE WHEN s._has_id THEN 1 ELSE coalesce(r.rk, 1) END AS INTEGER)",
    }
    if "log_kind" in table.column_names and "log_kind" not in have:
        exprs["log_kind"] = sql.nullable(result.log_kind)
    joins = []
    for i, (raw_col, id_col) in enumerate(table.agency_refs):
        default = _constant(result.constants.get(id_col), publisher_id)
        if raw_col in have:
            joins.append(f'LEFT JOIN _agency_map m{i} ON s.{sql.identifier(raw_col)} = m{i}.raw')
            exprs[id_col] = f"coalesce(m{i}.agency_id, {default})"
        else:
            exprs[id_col] = default
    select = []
    for col in table.columns:
        if col.name in exprs:
            e = exprs[col.name]
        elif col.name in have:
            e = f's.{sql.identifier(col.name)}'
        elif col.name in result.constants:
            e = _constant(result.constants[col.name], publisher_id)
        else:
            e = "NULL"
        select.append(f'CAST({e} AS {col.type}) AS {sql.identifier(col.name)}')

    existing = ""
    candidates = _files_in_scope(store, table, publisher_id)
    if candidates:
        same = [f'e.{sql.identifier(c)} IS NOT DISTINCT FROM k.{sql.identifier(c)}' for c in (*table.scope, *verify)]
        existing = (f"AND NOT EXISTS (SELECT 1 FROM {_read_files(candidates)} e WHERE "
                    + " AND ".join(same + ["e.natural_key = k.natural_key",
                                           "e.occurrence = k.occurrence"]) + ")")
    rows = f"""SELECT * FROM (
        SELECT {", ".join(select)}
        FROM {stage} s
        LEFT JOIN _ranks r ON s.rowid = r._row
        {" ".join(joins)}
        WHERE s._reject IS NULL AND NOT (s._has_id AND coalesce(r.rk, 1) > 1)
      ) k WHERE true {existing}"""
    if table.name in layout.PARTITIONED:  # a folder of agency/month files (store/layout.py)
        copy = layout.partitioned_copy(rows, table.name, staged, source_id)
    else:
        copy = f"""COPY ({rows}) TO {sql.path(staged)}
                  (FORMAT parquet, COMPRESSION snappy)"""
    row = con.execute(copy).fetchone()
    return int(row[0]) if row else 0


def _files_in_scope(store: Store, table: Table, publisher_id: str | None) -> list[Path]:
    """The registered files of ``table`` that can hold rows of this publisher.

    Every table's de-duplication scope starts with its publisher column, so rows of other
    publishers never match. Reading only this publisher's files keeps the cost of committing
    one file flat however many other agencies the store holds (a pile of portal captures of
    a hundred agencies used to re-read every earlier capture for each new one).
    """
    if publisher_id is None or table.scope[:1] != (table.publisher,):
        return store.table_files(table.name)
    rows = store.con.execute(
        """SELECT f.relpath FROM table_files f LEFT JOIN sources s USING (source_id)
           WHERE f.table_name = ? AND (s.publisher_agency_id = ? OR contains(f.relpath, ?)
                                       OR (s.source_id IS NULL AND f.relpath NOT LIKE '%=%'))
           ORDER BY f.relpath""",
        [table.name, publisher_id, f"/{table.publisher}={publisher_id}/"]).fetchall()
    return [store.root / r[0] for r in rows]


def _read_files(files: list[Path]) -> str:
    """A FROM item reading ``files`` (older files lack new columns: union by name)."""
    return f"read_parquet({sql.paths(files)}, union_by_name = true)"


def finalize(
    store: Store,
    *,
    source_id: str,
    sha256: str,
    path: Path,
    format_id: str,
    result: StageResult,
    run_id: str,
    details: dict[str, Any],
) -> Counts:
    """De-duplicate and write the staged tables, then commit the source atomically."""
    con = store.con
    counts = Counts()
    written: list[tuple[str, Path, int]] = []  # (table, final path, rows)
    try:
        parsed, publisher_id = _prepare_agencies(store, result)
        store.staging_dir.mkdir(parents=True, exist_ok=True)
        for name in result.tables:
            stage = stage_name(name)
            read, rejected = one_row(con.execute(f"SELECT count(*), count(_reject) FROM {stage}"))
            staged = store.staging_dir / f"{source_id}.{name}.parquet"
            loaded = _write_table(store, TABLES[name], staged, source_id, result, publisher_id)
            counts.add(name, read, loaded, rejected)
            if loaded and staged.is_dir():  # partitioned: one file per agency and month
                for part, n in layout.written_files(con, staged):
                    final = store.table_dir(name) / part.relative_to(staged)
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(part, final)  # invisible until the catalog names it below
                    written.append((name, final, n))
            elif loaded:
                final = store.table_dir(name) / f"{source_id}.parquet"
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, final)  # invisible until the catalog names it below
                written.append((name, final, loaded))
            if staged.is_dir():
                shutil.rmtree(staged, ignore_errors=True)
            else:
                staged.unlink(missing_ok=True)
        if len(result.tables) > 1:
            details = {**details, "tables": counts.by_table}
        with store.transaction() as tx:
            tx.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ingested', ?, ?, ?, ?)",
                [source_id, str(path), sha256, format_id, publisher_id, result.log_kind,
                 counts.rows_read, counts.rows_loaded, counts.rows_rejected,
                 counts.rows_duplicate, datetime.now(UTC).replace(tzinfo=None), run_id,
                 path.stat().st_size, json.dumps(details, default=str)],
            )
            for name in result.tables:
                tx.execute(
                    f"""INSERT INTO rejects (source_id, locator, raw, reason, code)
                    SELECT {sql.nullable(source_id)},
                        coalesce(_locator, 'row ' || (rowid + {result.locator_base})),
                        _raw, _reject,
                        {reject_code_sql('_reject')}
                    FROM {stage_name(name)} WHERE _reject IS NOT NULL ORDER BY rowid""")
            agency_registry.upsert(tx, parsed)
            for name, final, loaded in written:
                tx.execute("INSERT INTO table_files VALUES (?, ?, ?, ?)",
                           [name, source_id, final.relative_to(store.root).as_posix(), loaded])
    except BaseException:
        for _, final, _ in written:
            final.unlink(missing_ok=True)
        raise
    finally:
        drop_stages(store, result.tables)
    store.refresh_views()
    return counts


def drop_stages(store: Store, tables: tuple[str, ...] | list[str]) -> None:
    """Drop the TEMP tables of one file's ingest."""
    for tmp in [*(stage_name(t) for t in tables), "_ranks", "_agency_map"]:
        store.con.execute(f"DROP TABLE IF EXISTS {tmp}")
