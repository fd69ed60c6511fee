"""PDF pages as lines of positioned words: the text layer (pdfplumber), or OCR for scans.

Importers of PDF reports need more than ``extract_text()``: table columns are told apart by
where the words sit, and a scan's numbers need careful reading. So a page is returned as
:class:`Line` objects (words with x positions, in reading order, numbered from 1 for
``page 2, line 7`` locators).

Pages come in three kinds:

* born-digital — the text layer is exact;
* scanned with a text layer (the sender ran OCR) — the text is noisy (``5O4,298``); such pages
  are marked ``scanned`` so that callers read numbers tolerantly (:func:`read_count`);
* scanned without a text layer — OCR'd here with ``tesseract`` when it is installed, else an
  :class:`IngestError` says how to install it (:data:`OCR_HINT`). OCR results are cached per
  file version, so sniffing and staging the same file OCR each page once.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from alpr_audit.core.errors import IngestError

T = TypeVar("T")

#: How to get OCR; tesseract is what alpr-audit runs (ocrmypdf pulls it in as a dependency).
OCR_HINT = ("install the OCR tools: apt-get install -y ocrmypdf tesseract-ocr (Debian/Ubuntu), "
            "brew install tesseract (macOS); then ingest the file again")
OCR_DPI = 300
OCR_TIMEOUT_S = 180
#: A page whose images cover this share of its area is a scan.
SCAN_COVER = 0.8
#: A scan with fewer characters of text than this has no real text layer (only a stamp).
MIN_SCAN_CHARS = 20


@dataclass(frozen=True)
class Word:
    """One word and its box in PDF points (top-down ``top``/``bottom``)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    conf: float | None = None  # tesseract's confidence (0–100) for words OCR'd here

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Line:
    """Words at the same height, left to right; ``number`` counts from 1 per page."""

    number: int
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class PageText:
    """One page's lines and how its text was obtained."""

    number: int  # 1-based
    lines: list[Line] = field(default_factory=list)
    scanned: bool = False  # the page is an image: its text is OCR (noisy) wherever it came from
    ocr: bool = False  # OCR'd here (no text layer)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


# --- reading pages ---------------------------------------------------------------------------

_OCR_CACHE: dict[tuple[str, int, int, int], list[Word]] = {}
_OCR_CACHE_MAX = 64


def _file_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def ocr_available() -> bool:
    """Whether pages without a text layer can be read (``tesseract`` on PATH)."""
    return shutil.which("tesseract") is not None


def read_pages(path: Path, *, max_pages: int | None = None) -> list[PageText]:
    """The pages of a PDF as lines of words; OCR for pages that are images without text.

    Raises IngestError when the PDF cannot be opened, or a page needs OCR and tesseract is
    not installed (the hint says how to install it).
    """
    import pdfplumber

    pages: list[PageText] = []
    try:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages[:max_pages]:
                pages.append(_read_page(path, page))
    except IngestError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types for damaged files
        raise pdf_error(path, exc) from exc
    return pages


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (pdfplumber wraps pdfminer's errors in its ``args``)."""
    out: list[BaseException] = []
    todo = [exc]
    while todo and len(out) < 8:
        e = todo.pop(0)
        out.append(e)
        todo += [x for x in (e.__cause__, e.__context__, *e.args)
                 if isinstance(x, BaseException) and x not in out]
    return out


def is_password_error(exc: BaseException) -> bool:
    """Whether a PDF library's error means the file is encrypted with a password."""
    return any("password" in type(e).__name__.lower() or "encrypt" in type(e).__name__.lower()
               for e in _causes(exc))


def pdf_error(path: Path, exc: BaseException) -> IngestError:
    """The IngestError for a PDF the libraries cannot read: password-protected or damaged."""
    if is_password_error(exc):
        return IngestError("cannot read the PDF: it is password-protected", path=str(path),
                           hint="open it with its password and print it to a new PDF (or ask "
                                "the sender for an unprotected copy), then ingest that")
    inner = _causes(exc)[-1]
    detail = f"{type(inner).__name__}: {inner}".rstrip(": ")[:200]
    return IngestError(f"cannot read the PDF, it is damaged or truncated ({detail})",
                       path=str(path),
                       hint="obtain the file again, or open it in a PDF viewer and print it to "
                            "a new PDF")


def _is_scan(page: Any) -> bool:
    area = float(page.width * page.height) or 1.0
    covered = sum(max(0.0, float(i["x1"] - i["x0"])) * max(0.0, float(i["bottom"] - i["top"]))
                  for i in page.images)
    return covered / area >= SCAN_COVER


def _needs_ocr(page: Any) -> bool:
    """No text layer: no text at all, or a scan whose only text is a stamp (a Bates number)."""
    if not page.images:
        return False
    return not page.chars or (len(page.chars) < MIN_SCAN_CHARS and _is_scan(page))


def _read_page(path: Path, page: Any) -> PageText:
    number = page.page_number
    if _needs_ocr(page):
        return PageText(number, group_lines(_ocr_page(path, page)), scanned=True, ocr=True)
    words = [Word(w["text"], float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]))
             for w in page.extract_words()]
    return PageText(number, group_lines(words), scanned=_is_scan(page))


def _ocr_page(path: Path, page: Any) -> list[Word]:
    key = (*_file_key(path), page.page_number)
    if key in _OCR_CACHE:
        return _OCR_CACHE[key]
    exe = shutil.which("tesseract")
    where = f"page {page.page_number}"
    if exe is None:
        raise IngestError(f"{where} has no text layer (it is a scanned image) and OCR is not "
                          "installed, so it cannot be read", path=str(path), locator=where,
                          hint=OCR_HINT)
    with tempfile.TemporaryDirectory(prefix="alpr-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        page.to_image(resolution=OCR_DPI).original.save(png)
        try:
            proc = subprocess.run([exe, str(png), "stdout", "-l", "eng", "tsv"],
                                  capture_output=True, text=True, timeout=OCR_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            raise IngestError(f"OCR of {where} took longer than {OCR_TIMEOUT_S} s",
                              path=str(path), locator=where,
                              hint="OCR the file with ocrmypdf and ingest the result") from exc
    if proc.returncode != 0:
        raise IngestError(f"OCR of {where} failed: {proc.stderr.strip()[-300:]}",
                          path=str(path), locator=where,
                          hint="check that tesseract and its English data (tesseract-ocr-eng) "
                               "are installed: " + OCR_HINT)
    words = _tsv_words(proc.stdout, 72.0 / OCR_DPI)
    if len(_OCR_CACHE) >= _OCR_CACHE_MAX:
        _OCR_CACHE.clear()
    _OCR_CACHE[key] = words
    return words


def _tsv_words(tsv: str, scale: float) -> list[Word]:
    """Words (level 5) from tesseract's TSV output, scaled from pixels to points."""
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        left, top = float(row["left"]), float(row["top"])
        width, height = float(row["width"]), float(row["height"])
        words.append(Word(text, left * scale, (left + width) * scale, top * scale,
                          (top + height) * scale, float(row["conf"])))
    return words


def group_lines(words: list[Word]) -> list[Line]:
    """Words grouped into lines by their vertical middle, each line left to right.

    Two words share a line when their middles differ by less than half the smaller word's
    height: table cells of one row are printed on one baseline, the next row is a full line
    height below.
    """
    lines: list[list[Word]] = []
    mid = height = 0.0
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        m, h = (w.top + w.bottom) / 2, max(w.bottom - w.top, 1.0)
        if lines and abs(m - mid) <= max(1.5, 0.5 * min(h, height)):
            lines[-1].append(w)
            n = len(lines[-1])
            mid += (m - mid) / n  # running mean: a line's words drift by a point or two
            height = min(height, h)
        else:
            lines.append([w])
            mid, height = m, h
    return [Line(i + 1, sorted(ws, key=lambda w: w.x0)) for i, ws in enumerate(lines)]


_FIRST_TEXT: dict[tuple[str, int, int], str] = {}
_FIRST_ERROR: dict[tuple[str, int, int], IngestError] = {}


def map_pages(path: Path, read_page: Callable[[Any, int], T],
              read_ocr: Callable[[PageText], T], progress: Callable[[int], None] | None = None,
              set_total: Callable[[int | None], None] | None = None) -> list[T]:
    """``read_page(pdfplumber_page, number)`` for every page (1-based numbers), except pages
    that are images without a text layer: those are OCR'd (or an IngestError says how to
    install tesseract) and given to ``read_ocr``. Damaged files raise an IngestError."""
    import pdfplumber

    out: list[T] = []
    images: list[int] = []
    try:
        with pdfplumber.open(path) as pdf:
            if set_total:
                set_total(len(pdf.pages))
            for n, page in enumerate(pdf.pages, start=1):
                if not page.chars and page.images:
                    images.append(n)
                out.append(read_page(page, n))
                if progress:
                    progress(1)
    except IngestError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types for damaged files
        raise pdf_error(path, exc) from exc
    if images:
        ocr = read_pages(path)
        for n in images:
            out[n - 1] = read_ocr(ocr[n - 1])
    return out


def first_page_text(path: Path) -> str:
    """Text of the first page, for sniffing; "" when unreadable. Never raises.

    A first page without a text layer is OCR'd when tesseract is installed (once per file
    version; importers sniffing the same file share the result).
    """
    try:
        key = _file_key(path)
        if key not in _FIRST_TEXT:
            if len(_FIRST_TEXT) >= _OCR_CACHE_MAX:
                _FIRST_TEXT.clear()
                _FIRST_ERROR.clear()
            try:
                pages = read_pages(path, max_pages=1)
            except IngestError as exc:
                # remembered, so that the other sniffers do not parse a damaged file again
                # and the probe can say why no format fits (first_page_problem)
                _FIRST_ERROR[key] = exc
                pages = []
            _FIRST_TEXT[key] = pages[0].text if pages else ""
        return _FIRST_TEXT[key]
    except Exception:  # sniffing must never raise; staging reports the real problem
        return ""


def first_page_problem(path: Path) -> str | None:
    """Why page 1 of a PDF cannot be read (password, damage), with what to do; None when
    it can. Never raises; shares :func:`first_page_text`'s cache."""
    first_page_text(path)
    try:
        exc = _FIRST_ERROR.get(_file_key(path))
    except OSError:
        return None
    if exc is None:
        if not _FIRST_TEXT.get(_file_key(path), "x").strip():
            return ("its first page holds no readable text: the file may be damaged (obtain "
                    "it again) or its first page blank")
        return None
    if is_password_error(exc):
        return ("a password-protected PDF; open it with its password and print it to a new "
                "PDF (or ask the sender for an unprotected copy), then ingest that")
    return f"{exc.message}; {exc.hint}" if exc.hint else exc.message


def first_page_needs_ocr(path: Path) -> bool:
    """True when the first page is an image without text and tesseract is missing."""
    if ocr_available():
        return False
    try:
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            return _needs_ocr(pdf.pages[0])
    except Exception:
        return False


# --- reading numbers -------------------------------------------------------------------------

#: OCR confusions that are unambiguous inside a number: letters that look like a digit.
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


@dataclass(frozen=True)
class Reading:
    """A number read from text: the value (None when unreadable), whether OCR fixes were
    needed to read it, and why it could not be read."""

    value: int | None
    corrected: bool = False
    problem: str | None = None


def read_count(text: str, *, tolerant: bool = False) -> Reading:
    """A whole, non-negative count from ``1,024,915`` or ``4944782``.

    ``tolerant`` (scanned pages) also reads ``5O4 298`` as 504298: letters that look like
    digits (O/o→0, l/I/|→1) inside a token that has real digits, spaces inside the number,
    and ``.`` used as a thousands separator (counts are whole numbers). Such readings are
    marked ``corrected`` so the caller can insist on a cross-check. Nothing else is guessed:
    any other character makes the value unreadable.
    """
    raw = text.strip()
    if not raw:
        return Reading(None, problem="no number")
    s, corrected = raw, False
    if tolerant:
        joined = re.sub(r"\s+", "", raw)
        if not any(c.isdigit() for c in joined):
            return Reading(None, problem=f"no digits in {raw!r}")
        s = joined.translate(_OCR_DIGITS)
        corrected = s != raw
    if re.fullmatch(r"\d+", s) or re.fullmatch(r"\d{1,3}(,\d{3})+", s):
        return Reading(int(s.replace(",", "")), corrected)
    if tolerant and re.fullmatch(r"\d{1,3}([.,]\d{3})+", s):
        return Reading(int(re.sub(r"[.,]", "", s)), True)
    return Reading(None, problem=f"{raw!r} is not a whole number")


def ocr_fix_digits(token: str) -> str:
    """``token`` with look-alike letters read as digits (for dates on scanned pages)."""
    return token.translate(_OCR_DIGITS)
