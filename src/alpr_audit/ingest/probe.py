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

from alpr_audit.core.cells import cell_text
from alpr_audit.ingest.base import Probe, SheetProbe

HEAD_BYTES = 256 * 1024
PROBE_ROWS = 25
#: Zip bombs disguised as workbooks: a part that inflates to more than this many times its
#: compressed size (sheet XML compresses 5-20 times; bombs 1000 times) and past
#: BOMB_MIN_BYTES, or parts that inflate past MAX_WORKBOOK_BYTES in all, are not read — the
#: XLSX reader would hold them in memory whole.
BOMB_RATIO = 200
BOMB_MIN_BYTES = 64 * 1024**2
MAX_WORKBOOK_BYTES = 8 * 1024**3
#: More NUL bytes than this in the sample make a file binary (unless it is UTF-16 text).
MAX_STRAY_NULS = 16
_BLANK = " \t\r\n\x00\ufeff\u200b\xa0"


def probe_file(path: Path) -> Probe:
    """Probe ``path``. Never raises for bad content; unreadable files raise OSError."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        return Probe(path, "empty")
    if head.startswith(b"%PDF"):
        # the PDF sniffers read page 1 anyway (cached); when it cannot be read, say why
        from alpr_audit.ingest.pdftext import first_page_problem

        return Probe(path, "pdf", note=first_page_problem(path))
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return _probe_workbook(path, head)
    encoding = sniff_encoding(head)
    if encoding is None:
        return Probe(path, "binary", note="the file holds binary data, not text")
    text = _decode_head(head, encoding)
    if len(head) < HEAD_BYTES and not text.strip(_BLANK):
        return Probe(path, "empty")  # only byte-order marks and whitespace
    lstripped = text.lstrip().lower()
    if lstripped.startswith(("<!doctype html", "<html", "<?xml")) or "<html" in lstripped[:2048]:
        return Probe(path, "html", encoding=encoding)
    rows = _first_csv_rows(text, complete=len(head) < HEAD_BYTES)
    note = None
    if not rows:
        note = (f"its first record does not end within the first {HEAD_BYTES // 1024} KB: a "
                "header of thousands of columns, or a quote that is never closed")
    return Probe(path, "csv", encoding=encoding, sheets=[SheetProbe(None, rows)], note=note)


def sniff_encoding(head: bytes) -> str | None:
    """The text encoding of a file from its first bytes; None for binary data."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if nuls := head.count(0):
        if utf16 := _utf16_without_bom(head):
            return utf16
        if nuls > MAX_STRAY_NULS:
            return None
        # a few stray NULs (a padded field, a bad export) do not make a text file binary;
        # they stay in their cells
        head = head.replace(b"\x00", b"")
    try:
        # A multi-byte character may be cut at the end of the sample: allow 3 bytes of slack.
        head.decode("utf-8") if len(head) < HEAD_BYTES else head[:-3].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Control bytes other than tab/CR/LF mean binary; otherwise a Windows code page.
    controls = sum(1 for b in head[:4096] if b < 32 and b not in (9, 10, 13))
    return None if controls > 4 else "cp1252"


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` for UTF-16 text saved without a BOM: mostly ASCII, so every
    other byte is NUL. None otherwise."""
    sample = head[:4096]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    for encoding, zeros, chars in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and chars.count(0) <= 0.02 * len(chars):
            try:
                sample.decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding
    return None


def _decode_head(head: bytes, encoding: str) -> str:
    return head.decode(encoding, errors="replace")


def _first_csv_rows(text: str, complete: bool) -> list[list[str | None]]:
    # a cell may fill the whole sample (the reader's default limit is 128 KiB)
    csv.field_size_limit(max(csv.field_size_limit(), 2 * HEAD_BYTES))
    # newline="": records may end in CRLF, LF or a bare CR (old Mac exports), as csv expects
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str | None]] = []
    try:
        for row in reader:
            rows.append(list(row))
            if len(rows) > PROBE_ROWS:
                break
        else:
            if not complete and rows:
                rows.pop()  # the last record may be cut by the sample boundary
    except csv.Error:
        pass  # the rows before the bad record are whole
    return rows


def _probe_workbook(path: Path, head: bytes) -> Probe:
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            return Probe(path, "binary", note="a damaged or truncated ZIP/XLSX container; "
                         "obtain the file again")
        if "xl/workbook.xml" not in {i.filename for i in infos}:
            return Probe(path, "binary", note="a ZIP archive that is not an Excel workbook")
        if note := _bomb_note(infos):
            return Probe(path, "binary", note=note)
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
        if "password" in str(exc).lower() or _encrypted_cfb(head):
            return Probe(path, "binary", note=(
                "a password-protected Excel workbook; open it with its password, remove the "
                "password (File > Info > Protect Workbook) and save it again"))
        return Probe(path, "binary", note=f"an Excel workbook that cannot be read ({exc}); "
                     "open it in a spreadsheet program and save it again as .xlsx")
    return Probe(path, "xlsx", sheets=sheets)


def _encrypted_cfb(head: bytes) -> bool:
    """An OLE2 container holding an encrypted OOXML package (how Excel saves a password)."""
    return head.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in head


def _bomb_note(infos: list[zipfile.ZipInfo]) -> str | None:
    """Why a workbook's parts are too big to read (a zip bomb), or None."""
    total = sum(i.file_size for i in infos)
    for i in infos:
        if i.file_size > BOMB_MIN_BYTES and i.file_size > BOMB_RATIO * max(i.compress_size, 1):
            return (f"a ZIP/XLSX whose part {i.filename} inflates to {i.file_size / 1024**2:,.0f} MB, "
                    f"{i.file_size // max(i.compress_size, 1):,} times its packed size: a zip bomb, "
                    "not a workbook export")
    if total > MAX_WORKBOOK_BYTES:
        return (f"a ZIP/XLSX whose parts inflate to {total / 1024**3:,.1f} GB, more than alpr-audit "
                f"reads from one workbook ({MAX_WORKBOOK_BYTES // 1024**3} GB); export it as CSV")
    return None
