"""Synthetic Flock Organization / Network audit export CSVs, generated in DuckDB SQL.

Rows never pass through Python: DuckDB formats whole lines and the Arrow buffers are written
to disk batch by batch, so 10^7-10^8 records need seconds to minutes and bounded memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from alpr_audit.synth._duck import Progress, connect, write_lines
from alpr_audit.synth.flock_cells import rows_sql
from alpr_audit.synth.flock_stream import AuditStream, make_stream, stream_stats

_BASE = [
    "ID", "Name", "Org Name", "Total Networks Searched", "Time Frame", "License Plate", "Reason",
    "Case #", "Filters", "Search Time", "Search Type",
]  # fmt: skip

#: Header lists as Flock writes them, by the month the layout was first seen.
AUDIT_VARIANTS: dict[str, list[str]] = {
    "2025-08": [*_BASE, "Text Prompt", "Moderation"],
    "2025-10": [*_BASE, "Text Prompt"],  # Moderation gone (Sep 2025)
    "2025-11": [*_BASE, "Offense Type"],  # Text Prompt gone (Oct 2025), Offense Type new
    "2026-02": [*_BASE[:4], "Total Devices Searched", *_BASE[4:], "Offense Type"],
    "no-id": [*_BASE[1:], "Text Prompt"],
    "split-date": [*_BASE[:9], "Search Date", "Search Time", "Search Type", "Text Prompt", "Moderation"],
}


def variant_columns(variant: str) -> list[str]:
    """Cell keys for a variant, in header order (resolves the split-date Search Time)."""
    if variant not in AUDIT_VARIANTS:
        raise ValueError(f"unknown audit variant {variant!r}; known: {sorted(AUDIT_VARIANTS)}")
    cols = AUDIT_VARIANTS[variant]
    split = "Search Date" in cols
    return [("Search Time@split" if split and c == "Search Time" else c) for c in cols]


def spaced_headers(headers: Sequence[str]) -> list[str]:
    """Headers with stray spaces, as when an agency re-typed them (``" Reason "``)."""
    out = []
    for k, h in enumerate(headers):
        if h == "Reason":
            out.append(" Reason ")
        else:
            out.append([h, h + " ", " " + h, " " + h + " "][k % 4])
    return out


def write_stream_csv(
    path: str | Path,
    s: AuditStream,
    *,
    variant: str = "2025-08",
    header_spaces: bool = False,
    window: tuple[int, int] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the records of ``s`` (inside ``window``) as a Flock audit CSV; return its manifest."""
    s.check()
    path = Path(path)
    cols = variant_columns(variant)
    headers = AUDIT_VARIANTS[variant]
    if header_spaces:
        headers = spaced_headers(headers)
    stats = stream_stats(s, window)
    # Flock quotes every cell, ends records with CRLF and uses a bare LF inside Time Frame.
    header = ('"' + '","'.join(headers) + '"\r\n').encode()
    inner = rows_sql(s, cols, window)
    line = " || '\",\"' || ".join(f'"c{k}"' for k in range(len(cols)))
    sql = f"SELECT '\"' || {line} || '\"' || chr(13) || chr(10) AS line FROM ({inner})"
    con = connect(s.seed)
    written = write_lines(con, sql, path, header, total=stats["rows_read"], progress=progress)
    con.close()
    if written != stats["rows_read"]:  # pragma: no cover - would be a generator bug
        raise RuntimeError(f"wrote {written} records, expected {stats['rows_read']}")
    return {
        "path": str(path),
        "format": "flock_audit",
        "log_kind": s.log_kind,
        "variant": variant,
        "rows": written,
        "duplicate_rows": stats["duplicate_rows"],
        "bad_rows": stats["rows_rejected"],
        "first_search": stats["first_search"],
        "last_search": stats["last_search"],
        "seed": s.seed,
    }


def write_audit_csv(
    path: str | Path,
    rows: int,
    *,
    seed: int = 0,
    variant: str = "2025-08",
    log_kind: str = "network",
    start: datetime = datetime(2025, 1, 1),
    end: datetime | None = None,
    time_frame_style: str = "mixed",
    header_spaces: bool = False,
    id_repeat_rate: float = 0.006,
    duplicate_rows: int = 0,
    bad_rows: int = 0,
    publisher: str = "Mapleton CA PD",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write a synthetic Flock Organization ("org") or Network ("network") audit CSV.

    ``rows`` records are written, ``duplicate_rows`` of them exact adjacent copies of the record
    before, ``bad_rows`` of them with an unparseable Search Time. Searches fall in ``[start,
    end)`` (default 30 days), in time order. Naive datetimes are UTC. The same arguments always
    give the same bytes. ``progress(done, total)`` is called after every batch of records.
    Returns the manifest: path, format, log_kind, variant, rows, duplicate_rows, bad_rows,
    first_search, last_search (ISO, UTC, good rows only) and seed.
    """
    s = make_stream(
        rows,
        seed=seed,
        log_kind=log_kind,
        start=start,
        end=end,
        publisher=publisher,
        id_repeat_rate=id_repeat_rate,
        duplicate_rows=duplicate_rows,
        bad_rows=bad_rows,
        time_frame_style=time_frame_style,
    )
    return write_stream_csv(path, s, variant=variant, header_spaces=header_spaces, progress=progress)
