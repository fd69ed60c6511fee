"""Every text inside an output folder, with its place: what the leak scanner reads.

One reader per kind of file the project writes; each yields :class:`Text` items (file, place,
text). Zip files are opened and their members read the same way (``packet.zip!items/A1.csv``).
Files no reader knows (images, fonts) are listed in ``unscanned`` instead of being skipped
silently; a file a reader cannot parse is read as plain text, so a damaged output is still
searched.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from alpr_audit.core import sql


@dataclass(frozen=True)
class Text:
    """A piece of text found in an output file."""

    file: str
    place: str
    text: str


TEXT_SUFFIXES = {".txt", ".md", ".typ", ".log", ".tsv", ".yaml", ".yml", ".toml", ".js", ".css"}
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".ttf",
                   ".otf", ".duckdb", ".wal"}


def texts(folder: Path, unscanned: list[str] | None = None) -> Iterator[Text]:
    """Every text of every file under ``folder`` (recursively, zip members included)."""
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        yield from file_texts(path, rel, unscanned)


def file_texts(path: Path, name: str, unscanned: list[str] | None = None) -> Iterator[Text]:
    """The texts of one file, ``name`` being how reports call it."""
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None and suffix in TEXT_SUFFIXES:
        reader = _plain
    if reader is None:
        if suffix in BINARY_SUFFIXES or _looks_binary(path):
            if unscanned is not None:
                unscanned.append(name)
            return
        reader = _plain
    try:
        yield from reader(path, name, unscanned)
    except Exception:  # noqa: BLE001 - a damaged output is still searched as text
        if reader is not _plain:
            yield from _plain(path, name, unscanned)


def _looks_binary(path: Path) -> bool:
    with path.open("rb") as fh:
        return b"\0" in fh.read(4096)


def _plain(path: Path, name: str, _u: Any = None) -> Iterator[Text]:
    data = path.read_bytes().decode("utf-8", errors="replace")
    for n, line in enumerate(data.splitlines(), 1):
        if line.strip():
            yield Text(name, f"line {n}", line)


def _csv(path: Path, name: str, _u: Any = None) -> Iterator[Text]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        rows = csv.reader(fh)
        header: list[str] = []
        for n, row in enumerate(rows, 1):
            if n == 1:
                header = row
            for i, cell in enumerate(row):
                if cell:
                    col = header[i] if n > 1 and i < len(header) else f"column {i + 1}"
                    yield Text(name, f"row {n}, {col}", cell)


def _json(path: Path, name: str, _u: Any = None) -> Iterator[Text]:
    data = json.loads(path.read_text(encoding="utf-8"))

    def walk(node: Any, where: str) -> Iterator[Text]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield Text(name, f"{where} (key)", str(key))
                yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}[{i}]")
        elif isinstance(node, str):
            yield Text(name, where, node)

    yield from walk(data, "$")


def _xlsx(path: Path, name: str, _u: Any = None) -> Iterator[Text]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    for sheet in book.sheet_names:
        for r, row in enumerate(book.get_sheet_by_name(sheet).to_python(skip_empty_area=False), 1):
            for c, cell in enumerate(row):
                if isinstance(cell, str) and cell:
                    yield Text(name, f"{sheet}!{_col(c)}{r}", cell)
    # the parts calamine does not show: comments, document properties, defined names
    with zipfile.ZipFile(path) as zf:
        for member in zf.namelist():
            if member.startswith(("docProps/", "xl/comments")) or member == "xl/workbook.xml":
                yield from _markup_bytes(zf.read(member), f"{name}!{member}")


def _col(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        out = chr(65 + rem) + out
    return out


def _pdf(path: Path, name: str, _u: Any = None) -> Iterator[Text]:
    # pdfium reads a page's text layer ~20x faster than pdfplumber; layout does not matter here
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        for n, page in enumerate(pdf, 1):
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
            for i, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    yield Text(name, f"page {n}, line {i}", line)
        for key, value in pdf.get_metadata_dict(skip_empty=True).items():
            yield Text(name, f"metadata {key}", str(value))
    finally:
        pdf.close()


def _markup(path: Path, name: str, _u: Any = None) -> Iterator[Text]:
    yield from _markup_bytes(path.read_bytes(), name)


def _markup_bytes(data: bytes, name: str) -> Iterator[Text]:
    """HTML, SVG or XML: every text node and every attribute value, with its line."""
    import lxml.html

    root = lxml.html.fromstring(data) if data.strip() else None
    if root is None:
        return
    for el in root.iter():
        line = getattr(el, "sourceline", None) or "?"
        tag = el.tag if isinstance(el.tag, str) else "comment"
        for attr, value in el.attrib.items():
            yield Text(name, f"line {line} <{tag} {attr}>", value)
        for text in (el.text, el.tail):
            if text and text.strip():
                yield Text(name, f"line {line} <{tag}>", text)


def _sqlite(path: Path, name: str, _u: Any = None) -> Iterator[Text]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cur = con.execute(f'SELECT rowid, * FROM {sql.identifier(table)}')
            cols = [d[0] for d in cur.description]
            for row in cur:
                for col, value in zip(cols[1:], row[1:], strict=False):
                    if isinstance(value, str) and value:
                        yield Text(name, f"{table} row {row[0]}, {col}", value)
    finally:
        con.close()


def _parquet(path: Path, name: str, _u: Any = None) -> Iterator[Text]:
    con = duckdb.connect()
    try:
        rel = con.read_parquet(str(path))
        cols = [c for c, t in zip(rel.columns, rel.types, strict=False) if "VARCHAR" in str(t)]
        if not cols:
            return
        cast = ", ".join(f'CAST({sql.identifier(c)} AS VARCHAR)' for c in cols)
        cur = con.execute(f"SELECT {cast} FROM read_parquet(?)", [str(path)])
        n = 0
        while batch := cur.fetchmany(10_000):
            for row in batch:
                n += 1
                for col, value in zip(cols, row, strict=False):
                    if value:
                        yield Text(name, f"row {n}, {col}", value)
    finally:
        con.close()


def _zip(path: Path, name: str, unscanned: list[str] | None = None) -> Iterator[Text]:
    with zipfile.ZipFile(path) as zf, tempfile.TemporaryDirectory(prefix="alpr-leaks-") as tmp:
        for info in zf.infolist():
            if info.is_dir():
                continue
            target = Path(tmp) / f"m{len(list(Path(tmp).iterdir()))}{Path(info.filename).suffix}"
            target.write_bytes(zf.read(info))
            yield from file_texts(target, f"{name}!{info.filename}", unscanned)
            target.unlink()


READERS: dict[str, Callable[..., Iterator[Text]]] = {
    ".csv": _csv, ".json": _json, ".xlsx": _xlsx, ".pdf": _pdf, ".html": _markup,
    ".htm": _markup, ".svg": _markup, ".xml": _markup, ".sqlite": _sqlite, ".db": _sqlite,
    ".sqlite3": _sqlite, ".parquet": _parquet, ".zip": _zip,
}
