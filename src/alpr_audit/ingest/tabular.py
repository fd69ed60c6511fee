"""Reading tabular sources (CSV and workbook sheets) as text cells with canonical names.

Importers describe their columns as a synonym table; this module finds the header row,
maps header names to canonical field names, and yields the data as text — through DuckDB's
parallel CSV reader where the file is well-formed UTF-8, otherwise through Python's csv
module and calamine in Arrow batches. Every path yields rows in file order.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .cells import cell_text

BATCH_ROWS = 50_000


def norm_header(name: object) -> str:
    """Header text compared loosely: case, spaces, BOMs and zero-width spaces ignored."""
    text = "" if name is None else str(name)
    text = text.replace("\ufeff", "").replace("\u200b", "").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class HeaderMap:
    """Where the header is and which column holds which field."""

    header_row: int | None  # index in the probe rows; None for a header-less sheet
    fields: list[str]  # canonical field per column ('' = not used, kept in _raw only)
    headers: list[str]  # header text as written (or the default name) per column

    @property
    def present(self) -> set[str]:
        return {f for f in self.fields if f}


def map_header(row: Sequence[str | None], synonyms: Mapping[str, str]) -> HeaderMap | None:
    """Map one header row; None when a cell repeats a field or nothing maps."""
    fields: list[str] = []
    for cell in row:
        field = synonyms.get(norm_header(cell), "")
        if field and field in fields:
            return None
        fields.append(field)
    if not any(fields):
        return None
    headers = [("" if c is None else str(c)).strip() or f"column {i + 1}" for i, c in enumerate(row)]
    return HeaderMap(None, fields, headers)


def find_header(
    rows: Sequence[Sequence[str | None]],
    synonyms: Mapping[str, str],
    required: set[str],
    min_fields: int,
    scan_rows: int = 10,
) -> HeaderMap | None:
    """The first row within ``scan_rows`` whose names map to the required fields."""
    for i, row in enumerate(rows[:scan_rows]):
        hm = map_header(row, synonyms)
        if hm and required <= hm.present and len(hm.present) >= min_fields:
            hm.header_row = i
            return hm
    return None


# --- readers -------------------------------------------------------------------------------


def duckdb_csv_relation(path: Path, ncols: int, skip: int) -> str:
    """SQL for DuckDB's reader of a well-formed UTF-8 CSV, as text columns ``c0…cN``.

    ``strict_mode`` makes a malformed file fail loudly (the caller then falls back to the
    Python reader, which keeps every row and rejects the bad ones) instead of guessing.
    """
    names = ", ".join(f"'c{i}'" for i in range(ncols))
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols))
    p = str(path).replace("'", "''")
    return (
        f"read_csv('{p}', header = false, skip = {skip}, delim = ',', quote = '\"', "
        f"escape = '\"', auto_detect = false, columns = {{{cols}}}, strict_mode = true, "
        f"null_padding = false, max_line_size = 16777216) t({names})"
    )


def python_csv_batches(
    path: Path, encoding: str, ncols: int, skip: int, first_row: int
) -> Iterator[pa.Table]:
    """Arrow batches ``c0…cN, _locator, _reject, _raw`` from Python's csv module.

    ``skip`` records (title rows, the header) are passed over; the first data record is
    ``row first_row``.

    Rows with the wrong number of cells are kept with ``_reject`` set and their text in
    ``_raw``; blank lines are not records and are skipped.
    """
    with path.open("r", encoding=encoding, errors="strict", newline="") as fh:
        reader = csv.reader(fh)
        row_no = first_row - 1
        buf: list[list[str | None]] = []
        last_line = 0  # physical line where the previous record ended
        for index, row in enumerate(reader):
            start_line, last_line = last_line + 1, reader.line_num
            if index < skip:
                continue
            if not row or all(not c.strip() for c in row):
                continue
            row_no += 1
            loc = f"row {row_no} (line {start_line})"
            if len(row) != ncols:
                reason = f"expected {ncols} cells, found {len(row)}"
                raw = _csv_line(row)
                buf.append([None] * ncols + [loc, reason, raw])
            else:
                buf.append(list(row) + [loc, None, None])
            if len(buf) >= BATCH_ROWS:
                yield _batch(buf, ncols)
                buf = []
        if buf:
            yield _batch(buf, ncols)


def sheet_batches(
    sheet: object, ncols: int, skip: int, sheet_name: str
) -> Iterator[pa.Table]:
    """Arrow batches of a calamine sheet as text, ``_locator`` = ``Sheet!row``."""
    # calamine's iter_rows() starts at the sheet's first row (A1), padding empty rows, so the
    # Excel row number is simply index + 1.
    base = 1
    buf: list[list[str | None]] = []
    for index, row in enumerate(sheet.iter_rows()):  # type: ignore[attr-defined]
        if index < skip:
            continue
        cells = [cell_text(v) if v != "" else None for v in row]
        if all(c is None or not c.strip() for c in cells):
            continue  # blank rows (often thousands at a sheet's tail) are not records
        loc = f"{sheet_name}!{base + index}"
        if len(cells) > ncols and any(c is not None and c.strip() for c in cells[ncols:]):
            raw = json.dumps(cells, ensure_ascii=False)
            buf.append([None] * ncols + [loc, f"cells beyond the {ncols} header columns", raw])
        else:
            cells = (cells + [None] * ncols)[:ncols]
            buf.append(cells + [loc, None, None])
        if len(buf) >= BATCH_ROWS:
            yield _batch(buf, ncols)
            buf = []
    if buf:
        yield _batch(buf, ncols)


def _batch(rows: list[list[str | None]], ncols: int) -> pa.Table:
    names = [f"c{i}" for i in range(ncols)] + ["_locator", "_reject", "_raw"]
    columns = list(zip(*rows)) if rows else [[] for _ in names]
    return pa.table({n: pa.array(col, type=pa.string()) for n, col in zip(names, columns)})


def _csv_line(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()
