"""Compaction: merge the small files of the partitioned tables, atomically.

Every ingested file adds one Parquet file per agency and month it touches, so a year of daily
exports leaves hundreds of small files per partition, and reads slow down with the file count.
:func:`compact` rewrites, per partitioned table, the files of every partition that holds more
than one file (and every file of the older flat layout) into one file per agency and month.

Atomic like an ingest (docs/index.md, invariant 3): the new files are written under ``.staging``
and moved into ``tables/`` unregistered (invisible); one catalog transaction then swaps the
registrations, and only after it commits are the old files deleted. A kill before the commit
leaves the old files in force (the new ones are swept on the next writable open); a kill after
it leaves old files that no row names, swept the same way. Rows keep their ``source_id`` and
``locator`` (provenance lives in the rows); the merged file is registered with source_id
``compacted``, so per-file row counts of ``table_files`` are per source only until compaction.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from alpr_audit.core import sql
from alpr_audit.core.errors import UsageError
from alpr_audit.core.fetch import one_row
from alpr_audit.store import layout
from alpr_audit.store.store import Store

COMPACTED = "compacted"


@dataclass
class TableCompaction:
    """What compaction did to one table."""

    table: str
    files_before: int
    files_after: int
    files_merged: int
    rows: int

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class CompactResult:
    tables: list[TableCompaction] = field(default_factory=list)

    def to_json(self) -> list[dict[str, object]]:
        return [t.to_json() for t in self.tables]


def _to_merge(store: Store, table: str) -> list[str]:
    """Registered files of ``table`` to merge: flat ones, and those sharing a partition."""
    rels = [r[0] for r in store.con.execute(
        "SELECT relpath FROM table_files WHERE table_name = ? ORDER BY relpath", [table]).fetchall()]
    by_part: dict[str, list[str]] = defaultdict(list)
    flat = []
    for rel in rels:
        if layout.is_partitioned_file(rel):
            by_part[rel.rsplit("/", 1)[0]].append(rel)
        else:
            flat.append(rel)
    crowded = [r for files in by_part.values() if len(files) > 1 for r in files]
    if not flat and not crowded:
        return []
    return flat + crowded


def compact(store: Store, tables: list[str] | None = None) -> CompactResult:
    """Merge small files of the partitioned tables (all of them, or ``tables``)."""
    if store.read_only:
        raise UsageError("the store is open read-only", hint="compact rewrites files; open it writable")
    names = tables or list(layout.PARTITIONED)
    unknown = [t for t in names if t not in layout.PARTITIONED]
    if unknown:
        raise UsageError(f"not a partitioned table: {', '.join(unknown)}",
                         hint="partitioned tables: " + ", ".join(layout.PARTITIONED))
    result = CompactResult()
    for table in names:
        result.tables.append(_compact_table(store, table))
    return result


def _compact_table(store: Store, table: str) -> TableCompaction:
    from alpr_audit.core.schema import TABLES

    before = len(store.table_files(table))
    merge = _to_merge(store, table)
    if not merge:
        return TableCompaction(table, before, before, 0, 0)
    cols = ", ".join(sql.identifier(c) for c in TABLES[table].column_names)
    select = f"SELECT {cols} FROM read_parquet({sql.paths(store.root / r for r in merge)}, union_by_name = true)"
    token = secrets.token_hex(4)
    out = store.staging_dir / f"compact-{table}-{token}"
    out.parent.mkdir(parents=True, exist_ok=True)
    moved: list[tuple[Path, int]] = []
    try:
        store.con.execute(layout.partitioned_copy(select, table, out, f"c{token}"))
        for part, n in layout.written_files(store.con, out):
            final = store.table_dir(table) / part.relative_to(out)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, final)  # invisible until registered
            moved.append((final, n))
        rows_old = one_row(store.con.execute(
            "SELECT coalesce(sum(rows), 0) FROM table_files WHERE table_name = ? AND relpath IN "
            "(SELECT unnest(?))", [table, merge]))[0]
        rows_new = sum(n for _, n in moved)
        if rows_new != rows_old:  # pragma: no cover - guards invariant 1
            raise UsageError(f"compaction of {table} would change the row count "
                             f"({rows_old} → {rows_new}); nothing was changed",
                             hint="report this as a bug")
        with store.transaction() as tx:
            tx.execute("DELETE FROM table_files WHERE table_name = ? AND relpath IN "
                       "(SELECT unnest(?))", [table, merge])
            for final, n in moved:
                tx.execute("INSERT INTO table_files VALUES (?, ?, ?, ?)",
                           [table, COMPACTED, final.relative_to(store.root).as_posix(), n])
    except BaseException:
        for final, _ in moved:
            final.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(out, ignore_errors=True)
    for rel in merge:  # committed: the old files are no longer part of the table
        (store.root / rel).unlink(missing_ok=True)
    store.refresh_views()
    return TableCompaction(table, before, len(store.table_files(table)), len(merge), rows_new)
