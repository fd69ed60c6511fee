"""Reading tabular sources (CSV and workbook sheets) as text cells with canonical names.

Importers describe their columns as a synonym table; this module finds the header row,
maps header names to canonical field names, and yields the data as text — through DuckDB's
parallel CSV reader where the file is well-formed UTF-8, otherwise through Python's csv
module and calamine in Arrow batches. Every path yields rows in file order.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from alpr_audit.core import sql
from alpr_audit.core.cells import cell_text
from alpr_audit.core.errors import IngestError
from alpr_audit.core.records import HeaderMap

BATCH_ROWS = 50_000
#: Longest cell the Python CSV reader accepts (its default, 128 KiB, is less than real cells
#: hold); a longer one is a quote never closed, swallowing the rest of the file.
MAX_CELL_CHARS = 64 * 1024 * 1024


def _c1_controls(exc: UnicodeError) -> tuple[str, int]:
    """Decode bytes a Windows code page leaves undefined (cp1252's 0x81, 0x8D, 0x8F, 0x90,
    0x9D) as the C1 control of the same number, as Windows itself does: a stray byte in a
    Windows export must not make the whole file unreadable."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("alpr_audit_c1", _c1_controls)


def decode_errors(encoding: str) -> str:
    """The ``errors=`` to read a file in ``encoding`` with: strict for the UTF encodings (a
    decoding error there means another encoding), C1 controls for single-byte code pages."""
    return "strict" if encoding.lower().replace("_", "-").startswith("utf") else "alpr_audit_c1"


def norm_header(name: object) -> str:
    """Header text compared loosely: case, spaces, BOMs and zero-width spaces ignored."""
    text = "" if name is None else str(name)
    text = text.replace("\ufeff", "").replace("\u200b", "").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


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
    return (
        f"read_csv({sql.path(path)}, header = false, skip = {skip}, delim = ',', quote = '\"', "
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
    ``_raw``; blank lines are not records and are skipped. A last record that ends inside a
    quoted cell (a file cut off mid-record, or a quote never closed) is rejected whole, not
    loaded with its cut cell.
    """
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
    with path.open("r", encoding=encoding, errors=decode_errors(encoding), newline="") as fh:
        record: list[str] = []  # the physical lines of the record being read

        def lines() -> Iterator[str]:
            for line in fh:
                record.append(line)
                yield line

        reader = csv.reader(lines())
        row_no = first_row - 1
        buf: list[list[str | None]] = []
        last_line = 0  # physical line where the previous record ended
        last_text = ""  # the text of the last record kept in ``buf``
        try:
            for index, row in enumerate(reader):
                start_line, last_line = last_line + 1, reader.line_num
                text = "".join(record)
                record.clear()
                if index < skip:
                    continue
                if not row or all(not c.strip() for c in row):
                    continue
                if len(buf) >= BATCH_ROWS:  # flushed before a row, so the last one stays here
                    yield _batch(buf, ncols)
                    buf = []
                row_no += 1
                loc = f"row {row_no} (line {start_line})"
                if len(row) != ncols:
                    reason = f"expected {ncols} cells, found {len(row)}"
                    raw = _csv_line(row)
                    buf.append([*([None] * ncols), loc, reason, raw])
                else:
                    buf.append([*row, loc, None, None])
                last_text = text
        except csv.Error as exc:  # only a cell past MAX_CELL_CHARS: a quote never closed
            raise IngestError(
                f"line {last_line + 1}: {exc}; a quoted cell that opens there is never closed",
                path=str(path), locator=f"line {last_line + 1}",
                hint="close the quote (or remove it) in a text editor, or save the file again "
                     "from a spreadsheet program") from exc
        if buf and ends_in_open_quote(last_text):
            buf[-1] = [*([None] * ncols), buf[-1][ncols],
                       open_quote_reason(start_line, last_line), last_text]
        if buf:
            yield _batch(buf, ncols)


def open_quote_reason(first_line: int, last_line: int) -> str:
    """The reject reason of a record cut off inside a quoted cell."""
    return (f"the file ends inside a quoted cell of this record (lines {first_line}-{last_line}):"
            " the file is cut off, or a quote is never closed")


def ends_in_open_quote(text: str) -> bool:
    """Whether a record's text ends inside a quoted cell (reading it strictly says so)."""
    if '"' not in text:
        return False
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


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
    columns: list[Sequence[str | None]] = (list(zip(*rows, strict=False)) if rows
                                           else [[] for _ in names])
    return pa.table({n: pa.array(col, type=pa.string()) for n, col in zip(names, columns, strict=False)})


def _csv_line(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()
