"""How the large tables lie on disk: partitioned by agency and month, with Parquet statistics.

``detections``, ``hits`` and ``searches`` grow with an agency's whole network (billions of reads
a month nationwide). Their files are written Hive-style::

    tables/<table>/<agency column>=<agency id>/_month=<YYYY-MM>/<source_id>_<n>.parquet

one folder per agency and calendar month (UTC) of the row's time, rows sorted by time inside
each file, so that

* an agency filter prunes whole files: the view reads the folders' key as a Hive partition,
  and DuckDB drops files whose agency does not match before opening them (``EXPLAIN
  ANALYZE`` shows ``Scanning Files: k/N``);
* a period filter skips row groups: each file covers one month and its Parquet min/max
  statistics on the time column are tight, so DuckDB and Spark skip what lies outside.

The agency column and ``_month`` are also written inside every file (Spark reads the files by
their list, without Hive discovery; ``_month`` is ignored by both views). A NULL agency or time
lands in a ``…=NULL`` folder. Files of the older flat layout (``tables/<table>/<source>.parquet``)
stay readable next to partitioned ones; ``alpr-audit store compact`` rewrites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alpr_audit.core import sql

#: the partition month column written into partitioned files (not a table column)
MONTH = "_month"
#: rows per Parquet row group: small enough that statistics skip, large enough to scan fast
ROW_GROUP_SIZE = 122_880


@dataclass(frozen=True)
class Partitioning:
    """A partitioned table: its agency column and the time column that decides the month."""

    agency: str
    time: str


PARTITIONED: dict[str, Partitioning] = {
    "detections": Partitioning("agency_id", "seen_at"),
    "hits": Partitioning("agency_id", "hit_at"),
    "searches": Partitioning("publisher_agency_id", "searched_at"),
}


def is_partitioned_file(relpath: str) -> bool:
    """Whether a registered file lies in the partitioned layout (``…/_month=…/``)."""
    return f"/{MONTH}=" in relpath


def partitioned_copy(select_sql: str, table: str, out_dir: Path, prefix: str) -> str:
    """``COPY`` writing the rows of ``select_sql`` (the table's columns) under ``out_dir``
    partitioned by agency and month, sorted by time; file names start with ``prefix``."""
    p = PARTITIONED[table]
    return f"""COPY (
        SELECT *, strftime("{p.time}", '%Y-%m') AS {MONTH} FROM ({select_sql}) _rows
        ORDER BY "{p.agency}", "{p.time}"
      ) TO {sql.path(out_dir)} (FORMAT parquet, COMPRESSION zstd,
        PARTITION_BY ("{p.agency}", {MONTH}), WRITE_PARTITION_COLUMNS true,
        FILENAME_PATTERN '{prefix}_{{i}}', ROW_GROUP_SIZE {ROW_GROUP_SIZE},
        OVERWRITE_OR_IGNORE true)"""


def written_files(con: object, out_dir: Path) -> list[tuple[Path, int]]:
    """The Parquet files a partitioned ``COPY`` wrote under ``out_dir``, with their row counts
    (from the footers, not by reading the rows)."""
    files = sorted(out_dir.rglob("*.parquet"))
    if not files:
        return []
    rows = dict(con.execute(  # type: ignore[attr-defined]
        f"SELECT file_name, sum(num_rows) FROM parquet_file_metadata({sql.paths(files)}) GROUP BY 1"
    ).fetchall())
    return [(f, int(rows.get(str(f), 0))) for f in files]


def view_body(table: str, columns: list[str], files: list[Path], root: Path) -> str:
    """The SELECT of a table's view over its registered files: partitioned files read as Hive
    partitions (so agency filters prune files), flat files as they are."""
    cols = ", ".join(sql.identifier(c) for c in columns)
    parted = [f for f in files if is_partitioned_file(f.relative_to(root).as_posix())]
    flat = [f for f in files if f not in set(parted)]
    parts = []
    if flat:
        parts.append(f"SELECT {cols} FROM read_parquet({sql.paths(flat)}, union_by_name = true)")
    if parted:
        key = PARTITIONED[table].agency if table in PARTITIONED else None
        types = f"{{'{key}': VARCHAR, '{MONTH}': VARCHAR}}" if key else f"{{'{MONTH}': VARCHAR}}"
        parts.append(f"SELECT {cols} FROM read_parquet({sql.paths(parted)}, union_by_name = true, "
                     f"hive_partitioning = true, hive_types = {types})")
    return " UNION ALL ".join(parts)
