"""Synthetic Flock audit workbooks: one sheet per month, as agencies hand them out.

Cell values come from the same SQL as the CSV writer; only the Excel typing happens here
(small sizes, so a Python loop over rows is fine).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

from alpr_audit.synth._duck import connect, epoch_s, iso_utc
from alpr_audit.synth.flock_audit import AUDIT_VARIANTS, variant_columns
from alpr_audit.synth.flock_cells import rows_sql
from alpr_audit.synth.flock_stream import AuditStream, stream_stats

#: Variants whose workbook stores Search Time as a real Excel datetime (not text).
XLSX_DATETIME_VARIANTS = frozenset({"2025-10"})

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Fixed so that the same arguments give the same workbook bytes.
_CREATED = datetime(2025, 1, 1)


def _month_start(year: int, month0: int) -> datetime:
    return datetime(year + month0 // 12, month0 % 12 + 1, 1)


def month_windows(start: datetime, months: int) -> list[tuple[str, datetime, datetime]]:
    """(sheet name, first instant, next month's first instant) for ``months`` from ``start``."""
    out = []
    for k in range(months):
        a = _month_start(start.year, start.month - 1 + k)
        b = _month_start(start.year, start.month + k)
        out.append((f"{_MONTHS[a.month - 1]} {a.year}", a, b))
    return out


def _split(total: int, parts: int, k: int) -> int:
    """Share ``k`` of ``total`` spread over ``parts`` as evenly as possible."""
    return total // parts + (1 if k < total % parts else 0)


def write_audit_xlsx(
    path: str | Path,
    months: int,
    rows_per_month: int,
    *,
    seed: int = 0,
    variant: str = "2025-08",
    log_kind: str = "org",
    headerless: bool = False,
    excel_types: bool = True,
    publisher: str = "Mapleton CA PD",
    start: datetime = datetime(2025, 1, 1),
    id_repeat_rate: float = 0.006,
    duplicate_rows: int = 0,
    bad_rows: int = 0,
    time_frame_style: str = "mixed",
) -> dict[str, Any]:
    """Write a Flock audit workbook with one sheet per month (``Jan 2025`` …).

    Each sheet holds ``rows_per_month`` records of that calendar month, starting with the
    month of ``start``. ``headerless`` drops the header row (the variant's column order
    applies). ``excel_types`` writes numbers as numbers, numeric-looking reasons such as
    ``211`` as numbers (``21-16030`` stays text) and, for variants in
    ``XLSX_DATETIME_VARIANTS``, Search Time as an Excel datetime. ``duplicate_rows`` and
    ``bad_rows`` are spread over the sheets. Returns the CSV manifest plus ``sheets``.
    """
    path = Path(path)
    cols = variant_columns(variant)
    headers = AUDIT_VARIANTS[variant]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": _CREATED, "author": "alpr-audit synth"})
    dt_fmt = wb.add_format({"num_format": "mm/dd/yyyy hh:mm:ss AM/PM"})
    as_datetime = excel_types and variant in XLSX_DATETIME_VARIANTS
    sheets: list[dict[str, Any]] = []
    first: int | None = None
    last: int | None = None
    total = dups = bads = 0
    con = connect(seed)
    for k, (name, a, b) in enumerate(month_windows(start, months)):
        d_k, b_k = _split(duplicate_rows, months, k), _split(bad_rows, months, k)
        s = AuditStream(
            seed=seed,
            n=rows_per_month - d_k,
            start_s=epoch_s(a),
            end_s=epoch_s(b),
            log_kind=log_kind,
            publisher=publisher,
            i0=k * rows_per_month,  # disjoint indices: each month draws fresh records
            id_repeat_rate=id_repeat_rate,
            duplicate_rows=d_k,
            bad_rows=b_k,
            time_frame_style=time_frame_style,
        )
        s.check()
        stats = stream_stats(s)
        ws = wb.add_worksheet(name)
        r = 0
        if not headerless:
            for c, h in enumerate(headers):
                ws.write_string(r, c, h)
            r += 1
        for row in con.execute(rows_sql(s, [*cols, "@ts_s", "@is_bad"])).fetchall():
            *cells, ts_s, is_bad = row
            for c, (col, val) in enumerate(zip(cols, cells, strict=True)):
                _write_cell(ws, r, c, col, val, ts_s, is_bad, excel_types, as_datetime, dt_fmt)
            r += 1
        n_rows = r - (0 if headerless else 1)
        sheets.append({"name": name, "rows": n_rows})
        total += n_rows
        dups += stats["duplicate_rows"]
        bads += stats["rows_rejected"]
        if stats["first_s"] is not None:
            first = stats["first_s"] if first is None else min(first, stats["first_s"])
            last = stats["last_s"] if last is None else max(last, stats["last_s"])
    con.close()
    wb.close()
    return {
        "path": str(path),
        "format": "flock_audit",
        "log_kind": log_kind,
        "variant": variant,
        "rows": total,
        "duplicate_rows": dups,
        "bad_rows": bads,
        "first_search": iso_utc(first),
        "last_search": iso_utc(last),
        "seed": seed,
        "sheets": sheets,
        "headerless": headerless,
        "excel_types": excel_types,
        "search_time_as_datetime": as_datetime,
    }


def _write_cell(
    ws: Any,
    r: int,
    c: int,
    col: str,
    val: str,
    ts_s: int,
    is_bad: bool,
    excel_types: bool,
    as_datetime: bool,
    dt_fmt: Any,
) -> None:
    """Write one cell the way Excel would have stored it after an agency opened the CSV."""
    if excel_types:
        if col in ("Total Networks Searched", "Total Devices Searched") and val.isdigit():
            ws.write_number(r, c, int(val))
            return
        # Excel turns a reason like 211 into a number; 21-16030 has a dash and stays text.
        if col == "Reason" and val.isdigit():
            ws.write_number(r, c, int(val))
            return
        if col == "Search Time" and as_datetime and not is_bad:
            # Excel has no time zones: the cell holds UTC wall time.
            naive_utc = datetime(1970, 1, 1) + timedelta(seconds=ts_s)
            ws.write_datetime(r, c, naive_utc, dt_fmt)
            return
    ws.write_string(r, c, val)

