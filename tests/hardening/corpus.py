"""The broken-input corpus: every way a file handed to ``alpr-audit ingest`` can be wrong.

Cases are built at test time in tmp dirs from the valid seeds of :mod:`samples` (synthetic or
hand-written, one or more per format) and from the real fixtures when present. A case is a
stable id (``<seed>/<mutation>``), a function that writes the file, and what must come of it:

* ``any`` — an ingest with exact accounting or a clear error, whichever the importer decides;
* ``ingested`` / ``failed`` — that outcome;
* ``same_as`` — a lossless change (another encoding, line endings, a misleading file name):
  the file must give the same rows read / rejected / kept as the seed it came from.

Cases run in groups (one CLI subprocess ingests a group's files into one store, see
``test_broken_inputs``); ``solo`` cases (memory and time bombs) get a subprocess of their own.

Adding a tabular format = one entry in ``samples.TABLES``; a PDF/HTML/workbook layout = one
entry in ``samples.DOCUMENTS``: every mutation family below then applies to it.
"""

from __future__ import annotations

import codecs
import csv
import io
import random
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import samples as S

Build = Callable[[Path], Path]
#: The reject reason of a record cut off inside a quoted cell.
OPEN_QUOTE = "ends inside a quoted cell"


@dataclass(frozen=True)
class Case:
    id: str
    build: Build  # writes the case's file into the (empty) dir it is given; returns its path
    group: str
    expect: str = "any"  # any | ingested | failed
    same_as: str | None = None  # id of the seed whose counts a lossless change keeps
    solo: bool = False
    says: str | None = None  # regex the message must match when the file fails
    rejects_for: str | None = None  # regex one reject reason must match when it ingests


def _bytes_case(name: str, data: bytes | Callable[[], bytes]) -> Build:
    def build(d: Path) -> Path:
        path = d / name
        path.write_bytes(data() if callable(data) else data)
        return path
    return build


def _from(seed: Build, change: Callable[[bytes], bytes], name: str | None = None) -> Build:
    """A case made by changing the bytes of a seed file (optionally under another name)."""
    def build(d: Path) -> Path:
        src = seed(d)
        data = change(src.read_bytes())
        path = d / (name.format(stem=src.stem, suffix=src.suffix) if name else src.name)
        if path != src:
            src.unlink()
        path.write_bytes(data)
        return path
    return build


def _cut(frac: float) -> Callable[[bytes], bytes]:
    return lambda b: b[: max(1, int(len(b) * frac))]


# --- CSV ---------------------------------------------------------------------------------------

def _csv_rows_case(table: S.Table, rows_of: Callable[[S.Rows], S.Rows], *, name: str | None = None,
                   newline: str = "\r\n", encoding: str = "utf-8", bom: bytes = b"",
                   quote_all: bool = True) -> Build:
    def build(d: Path) -> Path:
        out = io.StringIO()
        w = csv.writer(out, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
                       lineterminator=newline)
        w.writerows(rows_of(table.rows()))
        text = out.getvalue()
        path = d / (name or f"{table.file_name}.csv")
        path.write_bytes(bom + text.encode(encoding, errors="replace"))
        return path
    return build


def _mixed_endings(table: S.Table) -> Build:
    def build(d: Path) -> Path:
        out = io.StringIO()
        for i, row in enumerate(table.rows()):
            w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=("\r\n", "\n", "\r")[i % 3])
            w.writerow(row)
        path = d / f"{table.file_name}.csv"
        path.write_text(out.getvalue(), encoding="utf-8", newline="")
        return path
    return build


def _encodable(table: S.Table, encoding: str) -> bool:
    try:
        S.write_csv_bytes(table.rows()).decode("utf-8").encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _other_header(name: str) -> S.Rows:
    """The header row of another tabular format."""
    others = [t for n, (t, _) in S.TABLES.items() if n != name]
    return others[0].rows()[:1] if others else [["a", "b"]]


def _unclosed_quote(rows: S.Rows) -> bytes:
    """A quote opened in the middle record and never closed (no quote follows it)."""
    text = S.write_csv_bytes(rows, quote_all=False).decode()
    lines = text.split("\r\n")
    mid = max(1, len(lines) // 2)
    rest = "\r\n".join(lines[mid + 1:]).replace('"', "")
    return ("\r\n".join(lines[: mid + 1]) + ',"never closed\r\n' + rest).encode()


def _cut_in_last_cell(rows: S.Rows) -> bytes:
    """The file cut off inside the last record's last (quoted) cell."""
    rows = [list(r) for r in rows]
    rows[-1][-1] = rows[-1][-1] or "value"
    return S.write_csv_bytes(rows).rstrip(b"\r\n")[:-2]


def _long_cell(rows: S.Rows, size: int = 10 * 1024 * 1024) -> S.Rows:
    rows = [list(r) for r in rows]
    target = rows[min(2, len(rows) - 1)]
    target[-1] = "x" * size
    return rows


def _grow(rows: S.Rows, min_bytes: int) -> S.Rows:
    """The rows repeated until the CSV is past ``min_bytes`` (beyond the probe's sample)."""
    body = rows[1:] or [[""] * len(rows[0])]
    out = [rows[0]]
    size = 0
    while size < min_bytes:
        out.extend(body)
        size += len(S.write_csv_bytes(body))
    return out


def _tail_bytes(rows: S.Rows, junk: bytes) -> bytes:
    """The CSV grown past the probe's sample, then ``junk`` inside the last record."""
    data = S.write_csv_bytes(_grow(rows, 300 * 1024))
    cut = len(data.rstrip(b"\r\n")) - 2  # before the last cell's last character
    return data[:cut] + junk + data[cut:]


def csv_cases(name: str, table: S.Table) -> list[Case]:
    """Every mutation of one CSV seed."""
    g = f"{name}.csv"
    seed = _csv_rows_case(table, lambda r: r)
    same = f"{g}/seed"
    out = [Case(same, seed, g, expect="ingested")]

    def add(mut: str, build: Build, **kw: object) -> None:
        out.append(Case(f"{g}/{mut}", build, g, **kw))  # type: ignore[arg-type]

    for frac in (0.05, 0.37, 0.5, 0.93):
        add(f"truncated-{int(frac * 100)}pct", _from(seed, _cut(frac)))
    add("truncated-1-byte-short", _from(seed, lambda b: b[:-3]), rejects_for=OPEN_QUOTE)
    add("truncated-mid-quoted-cell", _bytes_case(f"{table.file_name}.csv",
                                                 lambda: _cut_in_last_cell(table.rows())),
        rejects_for=OPEN_QUOTE)
    add("only-header", _csv_rows_case(table, lambda r: r[:1]))
    add("only-header-no-newline", _from(seed, lambda b: b.split(b"\r\n")[0]))
    for enc in ("latin-1", "cp1252"):
        lossless = _encodable(table, enc)
        add(f"encoding-{enc}", _csv_rows_case(table, lambda r: r, encoding=enc),
            **({"same_as": same} if lossless else {}))
    add("encoding-utf-16-le-bom", _csv_rows_case(table, lambda r: r, encoding="utf-16-le",
                                                 bom=codecs.BOM_UTF16_LE), same_as=same)
    add("encoding-utf-16-be-bom", _csv_rows_case(table, lambda r: r, encoding="utf-16-be",
                                                 bom=codecs.BOM_UTF16_BE), same_as=same)
    add("encoding-utf-16-le-no-bom", _csv_rows_case(table, lambda r: r, encoding="utf-16-le"),
        same_as=same)
    add("encoding-utf-16-be-no-bom", _csv_rows_case(table, lambda r: r, encoding="utf-16-be"),
        same_as=same)
    add("encoding-utf-8-bom", _csv_rows_case(table, lambda r: r, bom=codecs.BOM_UTF8),
        same_as=same)
    utf16 = _csv_rows_case(table, lambda r: r, encoding="utf-16-le", bom=codecs.BOM_UTF16_LE)
    add("encoding-utf-16-cut-at-an-odd-byte", _from(utf16, lambda b: b[: len(b) // 2 * 2 - 3]),
        says="cannot decode the file as utf-16")
    add("encoding-cp1252-undefined-bytes", _from(
        _csv_rows_case(table, lambda r: r, encoding="cp1252"),
        lambda b: b[: b.index(b"\r\n") + 3] + b"\x8d\x81" + b[b.index(b"\r\n") + 3:]),
        expect="ingested")
    add("encoding-utf-8-double-bom", _csv_rows_case(table, lambda r: r,
                                                    bom=codecs.BOM_UTF8 * 2))
    add("line-endings-lf", _csv_rows_case(table, lambda r: r, newline="\n"), same_as=same)
    add("line-endings-cr-only", _csv_rows_case(table, lambda r: r, newline="\r"), same_as=same)
    add("line-endings-mixed", _mixed_endings(table), same_as=same)
    add("minimal-quoting", _csv_rows_case(table, lambda r: r, quote_all=False), same_as=same)
    add("blank-lines-between-rows",
        _from(seed, lambda b: b.replace(b"\r\n", b"\r\n\r\n  \r\n,,\r\n")), same_as=same)
    add("nul-byte-in-a-row", _from(seed, lambda b: b[: len(b) // 2] + b"\x00" + b[len(b) // 2:]),
        expect="ingested")
    add("nul-bytes-past-the-probe-sample", _bytes_case(f"{table.file_name}.csv",
                                                       lambda: _tail_bytes(table.rows(), b"\x00\x00")))
    add("invalid-utf-8-past-the-probe-sample", _bytes_case(
        f"{table.file_name}.csv", lambda: _tail_bytes(table.rows(), b"Ca\xf1on \xff\xfe")))
    add("header-repeated-mid-file", _csv_rows_case(
        table, lambda r: r[: len(r) // 2] + r[:1] + r[len(r) // 2:]))
    add("header-twice-at-the-top", _csv_rows_case(table, lambda r: r[:1] + r))
    add("duplicated-header-columns", _csv_rows_case(
        table, lambda r: [r[0] + r[0][:1]] + [row + row[:1] for row in r[1:]]))
    add("header-of-another-format", _csv_rows_case(table, lambda r: _other_header(name) + r[1:]))
    add("quote-never-closed", _bytes_case(f"{table.file_name}.csv",
                                          lambda: _unclosed_quote(table.rows())),
        rejects_for=OPEN_QUOTE)
    add("quote-never-closed-before-300-KB", _bytes_case(
        f"{table.file_name}.csv", lambda: _unclosed_quote(_grow(table.rows(), 300 * 1024))),
        rejects_for=OPEN_QUOTE)
    add("cell-of-200-KB-in-the-first-record", _csv_rows_case(
        table, lambda r: [r[0], r[1][:-1] + ["y" * 200_000]] + r[2:] if len(r) > 2 else r),
        expect="ingested")
    add("ragged-rows", _csv_rows_case(
        table, lambda r: [row if i % 3 else row[: max(1, len(row) // 2)] + ["x"] * (i % 2)
                          for i, row in enumerate(r)] if len(r) > 1 else r))
    add("extra-cell-on-every-row", _csv_rows_case(table, lambda r: r[:1] + [x + ["extra"] for x in r[1:]]))
    add("junk-lines-after-the-data", _from(seed, lambda b: b + b"\r\n-- end of report --\r\n\x1a"))
    add("title-rows-above-the-header", _csv_rows_case(
        table, lambda r: [["Audit log May 2025"], ["Prepared by records unit"], []] + r))
    add("whitespace-padded-cells", _csv_rows_case(
        table, lambda r: r[:1] + [[f" \t{c}\u00a0 " for c in row] for row in r[1:]]))
    add("named-xlsx", _from(seed, lambda b: b, "{stem}.xlsx"), same_as=same)
    add("named-pdf", _from(seed, lambda b: b, "{stem}.pdf"), same_as=same)
    add("no-extension", _from(seed, lambda b: b, "{stem}"), same_as=same)
    return out


def csv_bomb_cases(name: str, table: S.Table) -> list[Case]:
    """The large CSV cases: each in a subprocess of its own (time and memory limits)."""
    g = f"{name}.csv"
    wide = "," * (10**6 - 1)
    return [
        Case(f"{g}/cell-of-10-MB", _csv_rows_case(table, _long_cell), g + "+10mb", solo=True),
        Case(f"{g}/cell-of-10-MB-cp1252", _csv_rows_case(table, _long_cell, encoding="cp1252"),
             g + "+10mb-cp1252", solo=True),
        Case(f"{g}/cell-of-20-MB", _csv_rows_case(table, lambda r: _long_cell(r, 20 * 1024**2)),
             g + "+20mb", solo=True),
        Case(f"{g}/row-of-10^6-columns", _csv_rows_case(
            table, lambda r: r[:2] + [["x"] * 10**6] + r[2:]), g + "+wide", solo=True),
        Case(f"{g}/header-of-10^6-columns", _bytes_case(
            f"{table.file_name}.csv", lambda: ",".join(table.rows()[0]).encode() + wide.encode()
            + b"\r\n" + S.write_csv_bytes(table.rows()[1:])), g + "+wideheader", solo=True),
    ]


# --- XLSX --------------------------------------------------------------------------------------

def _rezip(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The workbook's zip with each member passed through ``change`` (None drops it)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = change(info.filename, src.read(info.filename))
            if body is not None:
                out.writestr(info.filename, body)
    return buf.getvalue()


def _sheet_member(name: str) -> bool:
    return name.startswith("xl/worksheets/sheet")


def _corrupt_deflate(data: bytes) -> bytes:
    """Flip bytes inside the first sheet's compressed data (the zip directory stays intact)."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = next(i for i in zf.infolist() if _sheet_member(i.filename))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    mid = start + info.compress_size // 2
    out = bytearray(data)
    for k in range(mid, min(mid + 8, start + info.compress_size)):
        out[k] ^= 0xFF
    return bytes(out)


def _encrypt_xlsx(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile  # test-only dependency (msoffcrypto-tool)

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", out)
    return out.getvalue()


def xlsx_cases(name: str, seed: Build) -> list[Case]:
    """Every mutation of one workbook seed."""
    g = f"{name}.xlsx"
    same = f"{g}/seed"
    out = [Case(same, seed, g, expect="ingested")]

    def add(mut: str, build: Build, **kw: object) -> None:
        out.append(Case(f"{g}/{mut}", build, g, **kw))  # type: ignore[arg-type]

    for frac in (0.1, 0.5, 0.9, 0.999):
        add(f"truncated-{frac * 100:g}pct", _from(seed, _cut(frac)), expect="failed",
            says="damaged or truncated ZIP")
    add("zip-data-corrupted", _from(seed, _corrupt_deflate))
    add("workbook-part-missing", _from(seed, lambda b: _rezip(b, lambda n, x: None if n == "xl/workbook.xml" else x)))
    add("sheets-missing", _from(seed, lambda b: _rezip(b, lambda n, x: None if _sheet_member(n) else x)))
    add("sheet-xml-is-junk", _from(seed, lambda b: _rezip(
        b, lambda n, x: b"\x00garbage<<<" * 50 if _sheet_member(n) else x)))
    add("sheet-xml-cut-off", _from(seed, lambda b: _rezip(
        b, lambda n, x: x[: len(x) * 2 // 3] if _sheet_member(n) else x)))
    add("shared-strings-missing", _from(seed, lambda b: _rezip(
        b, lambda n, x: None if n == "xl/sharedStrings.xml" else x)))
    add("shared-strings-junk", _from(seed, lambda b: _rezip(
        b, lambda n, x: b"<sst><si><t>unclosed" if n == "xl/sharedStrings.xml" else x)))
    add("named-csv", _from(seed, lambda b: b, "{stem}.csv"), same_as=same)
    add("password-protected", _from(seed, _encrypt_xlsx), expect="failed",
        says="password-protected Excel workbook")
    return out


def _wide_xlsx(d: Path) -> Path:
    """A sheet whose header is fine and whose second row fills all 16,384 columns."""
    import xlsxwriter

    path = d / "wide.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Users")
    ws.write_row(0, 0, ["Name"])
    ws.write_row(1, 0, ["Adams, Jane"] + ["x"] * 16383)
    ws.write_row(2, 0, ["Baker, Luis"])
    wb.close()
    return path


def _deflate_full_flush(data: bytes) -> bytes:
    """Raw deflate of ``data`` ending in a full flush: such pieces concatenate into one
    stream, so a piece repeated n times inflates to ``data`` repeated n times."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)


def _zip_bomb(d: Path) -> Path:
    """A 2 MB file that claims to be a workbook whose one sheet inflates to 2 GiB.

    Written by hand (zipfile would deflate all 2 GiB): the sheet is one compressed 1 MiB
    piece repeated, the other parts come from a real workbook.
    """
    import struct

    seed = S.write_xlsx(d / "seed.xlsx", {"Sheet1": [["Name"], ["Adams, Jane"]]}).read_bytes()
    (d / "seed.xlsx").unlink()
    src = zipfile.ZipFile(io.BytesIO(seed))
    head = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>')
    chunk = (b'<row><c t="inlineStr"><is><t>' + b"A" * 4000 + b"</t></is></c></row>") * 256
    tail, repeat = b"</sheetData></worksheet>", 2048
    crc = zlib.crc32(head)
    for _ in range(repeat):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    sheet = (_deflate_full_flush(head) + _deflate_full_flush(chunk) * repeat
             + final.compress(tail) + final.flush())
    members = [(i.filename, src.read(i.filename)) for i in src.infolist()
               if not _sheet_member(i.filename)]
    entries = [(name, zlib.crc32(body), len(body), _deflate(body)) for name, body in members]
    entries.append(("xl/worksheets/sheet1.xml", crc,
                    len(head) + len(chunk) * repeat + len(tail), sheet))
    out, central = bytearray(), bytearray()
    for name, crc32, size, packed in entries:
        raw = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc32,
                               len(packed), size, len(raw), 0, 0, 0, 0, 0, len(out)) + raw
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc32, len(packed),
                           size, len(raw), 0) + raw + packed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                      len(out), 0)
    path = d / "bomb.xlsx"
    path.write_bytes(bytes(out + central + end))
    return path


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


# --- PDF ---------------------------------------------------------------------------------------

def _break_xref(data: bytes) -> bytes:
    """Every xref offset pointing at the wrong place."""
    return re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), data)


def _xref_junk(data: bytes) -> bytes:
    start = data.rfind(b"xref")
    return data[:start] + b"xref\nthis is not a table\n" + data[data.rfind(b"trailer"):]


def _no_trailer(data: bytes) -> bytes:
    return data[: data.rfind(b"xref")]


def _encrypt_pdf(user: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        from pypdf import PdfReader, PdfWriter  # test-only dependency (pypdf)

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=user, owner_password="owner-secret", algorithm="AES-128")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    return change


def _page_tree_cycle(data: bytes) -> bytes:
    """The page tree's Kids point back at the tree itself."""
    return data.replace(b"/Kids [", b"/Kids [2 0 R ", 1)


def _stream_length_lies(data: bytes) -> bytes:
    return re.sub(rb"/Length \d+", b"/Length 999999", data)


def pdf_cases(name: str, seed: Build) -> list[Case]:
    """Every mutation of one PDF seed."""
    g = f"{name}.pdf"
    same = f"{g}/seed"
    out = [Case(same, seed, g, expect="ingested")]

    def add(mut: str, build: Build, **kw: object) -> None:
        out.append(Case(f"{g}/{mut}", build, g, **kw))  # type: ignore[arg-type]

    damaged = r"damaged|cannot read the PDF|no readable text"
    for frac in (0.02, 0.3, 0.6, 0.95):
        add(f"truncated-{int(frac * 100)}pct", _from(seed, _cut(frac)), says=damaged)
    add("no-xref-no-trailer", _from(seed, _no_trailer), says=damaged)
    add("xref-offsets-wrong", _from(seed, _break_xref), says=damaged)
    add("xref-table-junk", _from(seed, _xref_junk), says=damaged)
    add("startxref-missing", _from(seed, lambda b: b.replace(b"startxref", b"startxrex")),
        says=damaged)
    add("stream-lengths-wrong", _from(seed, _stream_length_lies), says=damaged)
    add("page-tree-cycle", _from(seed, _page_tree_cycle), says=damaged)
    add("password-protected", _from(seed, _encrypt_pdf("secret")), expect="failed",
        says="password-protected PDF")
    add("encrypted-empty-user-password", _from(seed, _encrypt_pdf("")), same_as=same)
    add("junk-after-eof", _from(seed, lambda b: b + b"\x00\xff" * 200), same_as=same)
    add("bytes-flipped-in-content", _from(seed, lambda b: b.replace(b"BT /F1", b"BT /F\xff", 3)))
    add("named-csv", _from(seed, lambda b: b, "{stem}.csv"), same_as=same)
    return out


# --- HTML --------------------------------------------------------------------------------------

def _nested_html(depth: int) -> bytes:
    body = "<div>" * depth + "deep" + "</div>" * depth
    return S.portal_html(body_extra=body).encode()


def html_cases(name: str, seed: Build) -> list[Case]:
    g = f"{name}.html"
    same = f"{g}/seed"
    out = [Case(same, seed, g, expect="ingested")]

    def add(mut: str, build: Build, **kw: object) -> None:
        out.append(Case(f"{g}/{mut}", build, g, **kw))  # type: ignore[arg-type]

    for frac in (0.1, 0.5, 0.97):
        add(f"truncated-{int(frac * 100)}pct", _from(seed, _cut(frac)))
    add("encoding-utf-16-bom", _from(seed, lambda b: codecs.BOM_UTF16_LE + b.decode().encode("utf-16-le")),
        same_as=same)
    add("encoding-cp1252", _from(seed, lambda b: b.decode().encode("cp1252", errors="replace")))
    add("nul-bytes", _from(seed, lambda b: b.replace(b"<body>", b"<body>\x00\x00", 1)))
    add("data-uri-not-base64", _from(seed, lambda b: b.replace(b";base64,", b";base64,%%%!!", 1)))
    add("comment-never-closed", _from(seed, lambda b: b.replace(b"<body>", b"<body><!-- ", 1)))
    add("nested-300-deep-between-cards", _from(seed, lambda b: b.replace(
        b"<div><div style", b"<div>" * 300 + b"x" + b"</div>" * 300 + b"<div><div style", 2)
        .replace(b"<div>" * 300 + b"x" + b"</div>" * 300, b"", 1)), expect="failed",
        says="HTML parser stopped")
    add("tags-never-closed", _from(seed, lambda b: b.replace(b"</div>", b"")))
    add("named-csv", _from(seed, lambda b: b, "{stem}.csv"), same_as=same)
    return out


# --- files that are nothing alpr-audit reads ------------------------------------------------

def _junk(seed: int, n: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _not_workbook_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


JUNK: dict[str, bytes | Callable[[], bytes]] = {
    "empty": b"",
    "only-whitespace": b"  \r\n\t\n   \n",
    "only-utf-8-bom": codecs.BOM_UTF8,
    "only-utf-16-bom": codecs.BOM_UTF16_LE,
    "bom-and-whitespace": codecs.BOM_UTF8 + b" \r\n \r\n",
    "random-bytes-64k": lambda: _junk(1, 65536),
    "random-bytes-300k": lambda: _junk(2, 300 * 1024),
    "zip-magic-then-junk": lambda: b"PK\x03\x04" + _junk(3, 4096),
    "cfb-magic-then-junk": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + _junk(4, 4096),
    "pdf-magic-only": b"%PDF-1.7\n",
    "pdf-magic-then-junk": lambda: b"%PDF-1.4\n" + _junk(5, 4096),
    "zip-that-is-not-a-workbook": _not_workbook_zip,
    "gzip": lambda: __import__("gzip").compress(b"a,b\n1,2\n" * 100),
    "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "text-not-a-table": b"Dear requester,\nplease find attached the records you asked for.\n",
    "one-cell": b"hello",
    "control-characters": bytes(range(1, 32)) * 20,
    "lone-surrogates-as-utf-8": b"a,b\r\n\xed\xa0\x80,\xed\xbf\xbf\r\n",
    "html-fragment": b"<div><p>not a page</p>",
    "xml-not-html": b'<?xml version="1.0"?><root><a>1</a></root>',
}


def junk_cases() -> list[Case]:
    out = []
    for key, data in JUNK.items():
        for suffix in (".csv", ".xlsx", ".pdf", ".html"):
            if suffix != ".csv" and key not in ("empty", "random-bytes-64k", "only-whitespace",
                                                "zip-magic-then-junk", "pdf-magic-then-junk"):
                continue
            out.append(Case(f"junk/{key}{suffix}", _bytes_case(f"file{suffix}", data), "junk",
                            expect="failed"))
    return out


# --- real fixtures -----------------------------------------------------------------------------

def _fixture(relpath: str) -> Build:
    def build(d: Path) -> Path:
        from fixturekit import fixture_file  # skips the case when the fixture is absent

        src = fixture_file(relpath)
        path = d / src.name
        shutil.copyfile(src, path)
        return path
    return build


def fixture_cases() -> list[Case]:
    out = []
    for relpath, kind in S.FIXTURES.items():
        stem = Path(relpath).stem
        g = f"fixture:{stem}"
        seed = _fixture(relpath)
        muts: list[tuple[str, Build, dict[str, object]]] = [
            ("truncated-50pct", _from(seed, _cut(0.5)), {}),
            ("truncated-99pct", _from(seed, _cut(0.99)), {}),
        ]
        if kind == "csv":
            muts += [("encoding-utf-16-bom", _from(seed, lambda b: codecs.BOM_UTF16_LE + b.decode(
                "utf-8-sig").encode("utf-16-le")), {}),
                     ("line-endings-cr-only", _from(seed, lambda b: b.replace(b"\r\n", b"\r")), {})]
        if kind == "pdf":
            muts += [("xref-offsets-wrong", _from(seed, _break_xref), {})]
        if kind == "html":
            muts += [("deeply-nested", _from(seed, lambda b: b.replace(
                b"<body", b"<body><div>" + b"<span>" * 5000 + b"x" + b"</span>" * 5000 + b"</div", 1)),
                {})]
        for mut, build, kw in muts:
            out.append(Case(f"{g}/{mut}", build, g, **kw))  # type: ignore[arg-type]
    return out


# --- everything --------------------------------------------------------------------------------

def all_cases() -> list[Case]:
    """Every case, in a stable order; ids are unique."""
    cases: list[Case] = []
    for name, (table, containers) in S.TABLES.items():
        if "csv" in containers:
            cases += csv_cases(name, table)
        if "xlsx" in containers:
            cases += xlsx_cases(name, lambda d, t=table: S.write_table(t, "xlsx", d))
    for table in (S.TABLES["flock_audit"][0], S.TABLES["vigilant_users"][0]):
        cases += csv_bomb_cases(table.name, table)
    for name, (container, write) in S.DOCUMENTS.items():
        cases += {"xlsx": xlsx_cases, "pdf": pdf_cases, "html": html_cases}[container](name, write)
    cases += [
        Case("flock_portal_page.html/nested-10^4-deep", _bytes_case(
            "flock-portal_mapleton-ca-pd_2026-04-28.html", lambda: _nested_html(10**4)),
            "html+deep", solo=True),
        Case("xlsx/zip-bomb-2-GiB-sheet", _zip_bomb, "bomb", solo=True, expect="failed",
             says="zip bomb"),
        Case("xlsx/row-of-16384-columns", _wide_xlsx, "wide-xlsx", solo=True),
    ]
    cases += junk_cases()
    cases += fixture_cases()
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


CASES = all_cases()
