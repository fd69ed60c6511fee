"""DuckDB plumbing shared by the synthetic writers: seeded hash macros and a streaming writer.

Randomness comes only from ``hash(seed, i, 'what')``: DuckDB's ``random()`` cannot be seeded
per query in a reproducible way across threads, a hash of the row index can.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

Progress = Callable[[int, int], None]

#: Rows per Arrow batch when streaming lines to disk; bounds memory (~30 MB of text).
BATCH_ROWS = 100_000


def connect(seed: int) -> duckdb.DuckDBPyConnection:
    """A private in-memory connection with the seeded macros ``hh`` and ``uu``.

    ``hh(i, 'what')`` is a UBIGINT hash, ``uu(i, 'what')`` a uniform double in [0, 1).
    """
    con = duckdb.connect(":memory:")
    # Row order of the output must not depend on thread scheduling.
    con.execute("SET preserve_insertion_order = true")
    seed_lit = f"{int(seed)}::BIGINT"
    con.execute(f"CREATE MACRO hh(i, k) AS hash({seed_lit}, i, k)")
    # 53 high bits -> an exactly representable double in [0, 1).
    con.execute(f"CREATE MACRO uu(i, k) AS (hash({seed_lit}, i, k) >> 11)::DOUBLE / 9007199254740992.0")
    return con


def mix(seed: int, salt: int) -> int:
    """A deterministic 64-bit mix (splitmix64) for Python-side choices such as offsets."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + salt * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB) % (1 << 64)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % (1 << 64)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % (1 << 64)
    return z ^ (z >> 31)


def sql_uuid(i_expr: str, what: str) -> str:
    """SQL for a UUID-v4-shaped string derived from the hash of (seed, i_expr, what)."""
    return sql_uuid_of(f"hh({i_expr}, '{what}1')", f"hh({i_expr}, '{what}2')")


def sql_uuid_of(a: str, b: str) -> str:
    """SQL for a UUID-v4-shaped string from two UBIGINT expressions (best: plain columns)."""
    return (
        f"printf('%08x-%04x-4%03x-%04x-%012x', {a} >> 32, ({a} >> 16) & 65535, {a} & 4095, "
        f"32768 | (({b} >> 48) & 16383), {b} & 281474976710655)"
    )


def write_lines(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    path: Path,
    header: bytes,
    *,
    total: int,
    progress: Progress | None = None,
) -> int:
    """Stream a one-column query of finished lines (terminators included) to ``path``.

    The text goes straight from Arrow buffers to the file, so no per-row Python work is done.
    Returns the number of lines written (excluding the header).
    """
    done = 0
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    with open(path, "wb") as fh:
        fh.write(header)
        for batch in reader:
            arr = batch.column(0)
            if arr.null_count:
                raise ValueError("synthetic line query produced NULL lines")
            # A StringArray keeps all values back to back in its data buffer: write that slice.
            fmt, width = ("<q", 8) if pa.types.is_large_string(arr.type) else ("<i", 4)
            offsets = arr.buffers()[1]
            lo = struct.unpack_from(fmt, offsets, width * arr.offset)[0]
            hi = struct.unpack_from(fmt, offsets, width * (arr.offset + len(arr)))[0]
            fh.write(memoryview(arr.buffers()[2])[lo:hi])
            done += len(arr)
            if progress is not None:
                progress(done, total)
    if progress is not None and done == 0:
        progress(0, total)
    return done


def epoch_s(value: datetime) -> int:
    """Whole UTC epoch seconds; naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def iso_utc(seconds: float | None) -> str | None:
    """ISO 8601 text of UTC epoch seconds (keeps milliseconds when present)."""
    if seconds is None:
        return None
    ts = datetime.fromtimestamp(seconds, tz=UTC)
    return ts.isoformat(timespec="milliseconds" if seconds % 1 else "seconds")
