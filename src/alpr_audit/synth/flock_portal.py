"""Synthetic Flock transparency-portal "search audit" CSVs (``public_search_audit.csv``).

Row ``g`` of the portal's search stream is a function of ``(seed, g)`` alone, time included,
so two downloads whose ``ids_from`` ranges overlap share byte-identical rows, as consecutive
real downloads of the 30-day window do.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from alpr_audit.synth import vocab as V
from alpr_audit.synth._duck import Progress, connect, epoch_s, iso_utc, sql_uuid, write_lines

#: Header lists of the portal CSV, by the year the layout was seen.
PORTAL_VARIANTS: dict[str, list[str]] = {
    "2025": ["id", "userId", "searchDate", "cameraCount", "reason"],
    "2025b": ["id", "userId", "searchDate", "networkCount", "reason"],
    "2026": ["id", "searchDate", "networkCount", "offenseType"],
    "2026b": ["id", "userId", "searchDate", "networkCount", "reason", "caseNumber", "offenseType"],
}

_NUMERIC = frozenset({"cameraCount", "networkCount"})
# 2025 downloads carry naive UTC times, 2026 ones ISO with a Z.
_DATE_FMT = {
    "2025": "%Y-%m-%d %H:%M:%S.%g",
    "2025b": "%Y-%m-%d %H:%M:%S.%g",
    "2026": "%Y-%m-%dT%H:%M:%S.%gZ",
    "2026b": "%Y-%m-%dT%H:%M:%S.%gZ",
}
_DEFAULT_START = {"2025": datetime(2025, 6, 1), "2025b": datetime(2025, 9, 1)}
_DEFAULT_START_2026 = datetime(2026, 2, 1)


def _cells(variant: str) -> dict[str, str]:
    """SQL per portal column over ``g`` (global search number), ``ms`` and ``usr``."""
    user = "'***'" if variant == "2026b" else sql_uuid("usr", "user")
    return {
        "id": sql_uuid("g", "pid"),
        "userId": user,
        "searchDate": f"strftime(make_timestamp(ms * 1000), '{_DATE_FMT[variant]}')",
        # Most searches use the whole shared network (a slowly growing count), some only
        # the agency's own cameras.
        "cameraCount": (
            "CASE WHEN hh(g, 'cc') % 100 < 70 THEN 2300 + (g // 400) % 240 "
            "WHEN hh(g, 'cc') % 100 < 95 THEN 94 + (g // 3000) % 5 ELSE 1 + hh(g, 'cc2') % 50 END"
        ),
        "networkCount": (
            "CASE WHEN hh(g, 'nc') % 100 < 25 THEN 1 "
            "ELSE (1 + floor(exp(uu(g, 'nc2') * 7.6)))::BIGINT END"
        ),
        "reason": V.sql_pick_weighted(V.PORTAL_REASONS, "hh(g, 'pr')"),
        "caseNumber": (
            "CASE WHEN hh(g, 'pc') % 100 < 70 THEN '' "
            "ELSE strftime(make_timestamp(ms * 1000), '%y') || '-' "
            "|| lpad((hh(g, 'pc2') % 99999 + 1)::VARCHAR, 5, '0') END"
        ),
        "offenseType": V.sql_pick_weighted([(v, w) for v, w in V.OFFENSE_TYPES if v], "hh(g, 'po')"),
    }


def write_portal_csv(
    path: str | Path,
    rows: int,
    *,
    seed: int = 0,
    variant: str = "2025",
    start: datetime | None = None,
    ids_from: int = 0,
    publisher: str = "Mapleton CA PD",
    per_day: float = 150.0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write a Flock transparency-portal search-audit CSV of searches ``ids_from`` … ``+rows-1``.

    Search ``g`` happens at about ``start + g / per_day`` days (naive ``start`` is UTC; the
    default depends on the variant), so the file covers ``rows / per_day`` days in time order.
    Two calls with the same seed, variant, start and per_day and overlapping ``ids_from``
    ranges write identical lines for the shared searches. ``publisher`` only goes to the
    manifest (the portal CSV does not name the agency).
    """
    if variant not in PORTAL_VARIANTS:
        raise ValueError(f"unknown portal variant {variant!r}; known: {sorted(PORTAL_VARIANTS)}")
    if rows < 0 or ids_from < 0 or per_day <= 0:
        raise ValueError("rows and ids_from must be >= 0 and per_day > 0")
    if start is None:
        start = _DEFAULT_START.get(variant, _DEFAULT_START_2026)
    path = Path(path)
    cols = PORTAL_VARIANTS[variant]
    cells = _cells(variant)
    start_ms = epoch_s(start) * 1000
    step_ms = 86_400_000.0 / per_day
    parts = [
        f"{cells[c]}::VARCHAR" if c in _NUMERIC else f"'\"' || {cells[c]} || '\"'" for c in cols
    ]
    ms = f"{start_ms} + floor((g + uu(g, 'pt')) * {step_ms!r})::BIGINT"
    inner = f"""
      SELECT g, {ms} AS ms, floor(40 * pow(uu(g, 'pu'), 1.8))::BIGINT AS usr
      FROM range({ids_from}, {ids_from + rows}) r(g)
    """
    # The portal quotes text cells, leaves counts bare and ends lines with LF.
    joined = " || ',' || ".join(parts)
    sql = f"SELECT {joined} || chr(10) AS line FROM ({inner})"
    header = (",".join(f'"{c}"' for c in cols) + "\n").encode()
    con = connect(seed)
    written = write_lines(con, sql, path, header, total=rows, progress=progress)
    # Times grow with g, so the first and last searches are the first and last rows.
    first_last = con.execute(f"SELECT min(ms), max(ms) FROM ({inner})").fetchone()
    con.close()
    assert first_last is not None
    first, last = (None if v is None else v / 1000 for v in first_last)
    return {
        "path": str(path),
        "format": "flock_portal_audit",
        "log_kind": "portal",
        "variant": variant,
        "rows": written,
        "ids_from": ids_from,
        "duplicate_rows": 0,
        "bad_rows": 0,
        "first_search": iso_utc(first),
        "last_search": iso_utc(last),
        "seed": seed,
        "publisher": publisher,
    }
