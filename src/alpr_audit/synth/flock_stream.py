"""The synthetic audit stream: which records exist, when, and which are duplicated or bad.

A log is an :class:`AuditStream`: ``n`` base records at global indices ``i0 .. i0+n-1``,
spread in time order over ``[start, end)``. Every choice is a function of ``(seed, i)`` only,
so cutting one stream into several files (by a time window) yields byte-identical rows
wherever the files overlap, and counts can be derived in SQL without writing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alpr_audit.synth._duck import connect, epoch_s, iso_utc, mix

LOG_KINDS = ("org", "network")
TIME_FRAME_STYLES = ("two_line", "one_line", "mixed")


@dataclass(frozen=True)


class AuditStream:
    """One continuous synthetic audit log; files are time windows of it."""

    seed: int
    n: int  # base records; a duplicated record counts once here
    start_s: int  # UTC epoch seconds
    end_s: int
    log_kind: str = "network"
    publisher: str = "Mapleton CA PD"
    i0: int = 0
    id_repeat_rate: float = 0.006
    duplicate_rows: int = 0
    bad_rows: int = 0
    time_frame_style: str = "mixed"

    def check(self) -> None:
        """Raise ValueError for arguments the generator cannot honour exactly."""
        if self.n < 0:
            raise ValueError("rows must be >= duplicate_rows >= 0")
        if self.end_s <= self.start_s:
            raise ValueError("end must be after start")
        if self.log_kind not in LOG_KINDS:
            raise ValueError(f"log_kind must be one of {LOG_KINDS}")
        if self.time_frame_style not in TIME_FRAME_STYLES:
            raise ValueError(f"time_frame_style must be one of {TIME_FRAME_STYLES}")
        # Duplicates are drawn from even local indices, bad rows from odd ones (never both).
        if not 0 <= self.duplicate_rows <= (self.n + 1) // 2:
            raise ValueError("duplicate_rows must be between 0 and about half the rows")
        if not 0 <= self.bad_rows <= self.n // 2:
            raise ValueError("bad_rows must be between 0 and half the rows")
        if not 0.0 <= self.id_repeat_rate < 1.0:
            raise ValueError("id_repeat_rate must be in [0, 1)")
        # Cells are quoted but never escaped (cheaper SQL), so no value may hold a quote.
        if '"' in self.publisher:
            raise ValueError("publisher must not contain a double quote")


def _sel(k: str, count: int, m: int, off: int) -> str:
    """SQL: is ``k`` (0..m-1) one of ``count`` evenly spread picks (exactly ``count`` of them)."""
    if count == 0 or m == 0:
        return "false"
    q = f"(({k} + {off}) % {m})"
    return f"((({q} + 1) * {count}) // {m} > ({q} * {count}) // {m})"


def _index_bounds(s: AuditStream, window: tuple[int, int] | None) -> tuple[int, int]:
    """Local index range that can hold timestamps in ``window`` (exact filter is in SQL)."""
    if window is None:
        return 0, s.n
    span = s.end_s - s.start_s
    lo = max(0, (window[0] - s.start_s) * s.n // span - 1)
    hi = min(s.n, -(-(window[1] - s.start_s) * s.n // span) + 1)
    return lo, max(lo, hi)


def base_sql(s: AuditStream, window: tuple[int, int] | None = None) -> str:
    """SQL of (i, j, ts_s, is_dup, is_bad) for the stream, optionally cut to a time window."""
    span = s.end_s - s.start_s
    lo, hi = _index_bounds(s, window)
    where = f"WHERE ts_s >= {window[0]} AND ts_s < {window[1]}" if window else ""
    me, mo = (s.n + 1) // 2, s.n // 2
    dup = _sel("j // 2", s.duplicate_rows, me, mix(s.seed, 1) % max(me, 1))
    bad = _sel("j // 2", s.bad_rows, mo, mix(s.seed, 2) % max(mo, 1))
    n = max(s.n, 1)
    # ts = start + floor((j + u) * span / n): strictly ordered buckets, jittered inside.
    return f"""
    SELECT i, j, ts_s,
           (j % 2 = 0 AND {dup}) AS is_dup,
           (j % 2 = 1 AND {bad}) AS is_bad
    FROM (
      SELECT i, i - {s.i0} AS j,
             {s.start_s} + floor(((i - {s.i0}) + uu(i, 't')) * {span}.0 / {n})::BIGINT AS ts_s
      FROM range({s.i0 + lo}, {s.i0 + hi}) r(i)
    ) {where}
    """


def stream_stats(
    s: AuditStream,
    window: tuple[int, int] | None = None,
    prior: Sequence[tuple[int, int]] = (),
    *,
    keyed_by_id: bool = True,
) -> dict[str, Any]:
    """Counts for the records of ``s`` inside ``window``, from the generation rules alone.

    ``prior`` are windows of the same stream ingested before this one: their records are
    already loaded. With ``keyed_by_id`` the de-duplication key (ID, time, org, type) is unique
    per base record, so every extra copy is a duplicate; without IDs, identical rows inside one
    file are separate records and only rows seen in a prior (same-layout) file are duplicates.
    """
    s.check()
    con = connect(s.seed)
    seen = " OR ".join(f"(ts_s >= {a} AND ts_s < {b})" for a, b in prior) or "false"
    copies = "(1 + is_dup::INTEGER)"
    fresh_records = "1" if keyed_by_id else copies
    row = con.execute(
        f"""
        SELECT count(*)::BIGINT, coalesce(sum({copies}), 0)::BIGINT,
               coalesce(sum(CASE WHEN is_bad THEN {copies} ELSE 0 END), 0)::BIGINT,
               coalesce(sum(CASE WHEN NOT is_bad AND NOT ({seen}) THEN {fresh_records} ELSE 0 END),
                        0)::BIGINT,
               coalesce(sum(is_dup::INTEGER), 0)::BIGINT,
               min(ts_s) FILTER (WHERE NOT is_bad), max(ts_s) FILTER (WHERE NOT is_bad)
        FROM ({base_sql(s, window)})
        """
    ).fetchone()
    con.close()
    assert row is not None
    base, rows, rejected, loaded, dups, first, last = row
    return {
        "base_records": base,
        "rows_read": rows,
        "rows_rejected": rejected,
        "rows_duplicate": rows - rejected - loaded,
        "rows_loaded": loaded,
        "duplicate_rows": dups,
        "first_search": iso_utc(first),
        "last_search": iso_utc(last),
        "first_s": first,
        "last_s": last,
    }


def make_stream(
    rows: int,
    *,
    seed: int,
    log_kind: str,
    start: datetime,
    end: datetime | None,
    publisher: str,
    id_repeat_rate: float = 0.006,
    duplicate_rows: int = 0,
    bad_rows: int = 0,
    time_frame_style: str = "mixed",
    i0: int = 0,
) -> AuditStream:
    """An :class:`AuditStream` from user-facing arguments (``rows`` includes duplicates)."""
    end = end if end is not None else start + timedelta(days=30)
    s = AuditStream(
        seed=seed,
        n=rows - duplicate_rows,
        start_s=epoch_s(start),
        end_s=epoch_s(end),
        log_kind=log_kind,
        publisher=publisher,
        i0=i0,
        id_repeat_rate=id_repeat_rate,
        duplicate_rows=duplicate_rows,
        bad_rows=bad_rows,
        time_frame_style=time_frame_style,
    )
    s.check()
    return s
