"""Look at a file's first bytes and rows: its container kind, encoding and first records.

Content decides, never the file name: a CSV saved as ``.xlsx`` or a workbook saved as ``.csv``
is probed as what it is.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from pathlib import Path

from .base import Probe, SheetProbe
from .cells import cell_text

HEAD_BYTES = 256 * 1024
PROBE_ROWS = 25


def probe_file(path: Path) -> Probe:
    """Probe ``path``. Never raises for bad content; unreadable files raise OSError."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        return Probe(path, "empty")
    if head.startswith(b"%PDF"):
        return Probe(path, "pdf")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return _probe_workbook(path, head)
    encoding = sniff_encoding(head)
    if encoding is None:
        return Probe(path, "binary", note="the file holds binary data, not text")
    text = _decode_head(head, encoding)
    lstripped = text.lstrip().lower()
    if lstripped.startswith(("<!doctype html", "<html", "<?xml")) or "<html" in lstripped[:2048]:
        return Probe(path, "html", encoding=encoding)
    rows = _first_csv_rows(text, complete=len(head) < HEAD_BYTES)
    return Probe(path, "csv", encoding=encoding, sheets=[SheetProbe(None, rows)])


def sniff_encoding(head: bytes) -> str | None:
    """The text encoding of a file from its first bytes; None for binary data."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        return None
    try:
        # A multi-byte character may be cut at the end of the sample: allow 3 bytes of slack.
        head.decode("utf-8") if len(head) < HEAD_BYTES else head[:-3].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Control bytes other than tab/CR/LF mean binary; otherwise a Windows code page.
    controls = sum(1 for b in head[:4096] if b < 32 and b not in (9, 10, 13))
    return None if controls > 4 else "cp1252"


def _decode_head(head: bytes, encoding: str) -> str:
    return head.decode(encoding, errors="replace")


def _first_csv_rows(text: str, complete: bool) -> list[list[str | None]]:
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str | None]] = []
    try:
        for row in reader:
            rows.append(list(row))
            if len(rows) > PROBE_ROWS:
                break
    except csv.Error:
        pass
    if not complete and len(rows) <= PROBE_ROWS and rows:
        rows.pop()  # the last record may be cut by the sample boundary
    return rows


def _probe_workbook(path: Path, head: bytes) -> Probe:
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return Probe(path, "binary", note="a damaged or truncated ZIP/XLSX container")
        if "xl/workbook.xml" not in names:
            return Probe(path, "binary", note="a ZIP archive that is not an Excel workbook")
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            rows = []
            for row in sheet.iter_rows():
                rows.append([cell_text(v) if v != "" else None for v in row])
                if len(rows) > PROBE_ROWS:
                    break
            sheets.append(SheetProbe(name, rows))
    except Exception as exc:  # calamine raises several unrelated types for bad workbooks
        return Probe(path, "binary", note=f"an Excel workbook that cannot be read: {exc}")
    return Probe(path, "xlsx", sheets=sheets)
