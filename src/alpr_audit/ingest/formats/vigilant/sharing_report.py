"""Vigilant VehicleManager "Agency Data Sharing Report" (PDF) → ``sharing``.

The report has four sections, each introduced by a heading and a sentence naming the
publisher ("The <Agency> Agency is Sharing its Detection data with the following Agencies:"):

* **Detections Shared** — partner names in two text columns, read row by row (left, then
  right: the report's alphabetical order) → direction ``out``, data_kind ``detections``;
* **Detections Received** — a table ``Agency | City | State`` → ``in`` / ``detections``; the
  city and state go into ``flags`` as ``city:<City>`` and ``state:<ST>`` (the registry cannot
  place ``Riverside Police Department`` without them);
* **Hot List Sharing** — ``Agency: | Hot List(s):``, often just "None" → ``out`` / ``hotlist``
  with the list in ``hotlists``;
* **Hot List Received** — ``<Agency> | <hot-list name>`` → ``in`` / ``hotlist``.

Names wrap onto a second line inside their cell: a line closer to the previous one than a row
pitch continues the row above. The two columns are told apart by word positions, not text
order (a left name can run right up to the right column). ``Inactive <name>`` marks a
deactivated partner (status ``inactive``; the name is kept as written, the registry reads the
prefix); a trailing ``NVLS`` / ``Shared NVLS`` marker is moved from the name into ``flags``.
``observed_on`` is the footer's ``Date Created`` (MM-DD-YY); locators are ``page N``.

Scanned older reports carry a noisy OCR layer ("LEA.J i Agency", "withthe followingAgencies"):
headings and sentences are matched with spaces ignored, the page header is whatever precedes
"Data Sharing Report", and a cell without a letter is rejected rather than loaded as a name.
Pages that are images without any text layer are OCR'd through ``ingest.pdftext`` (tesseract);
without tesseract that is an IngestError saying how to install it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest import pdftext
from alpr_audit.ingest.base import Plan, Probe, StageContext, StageResult, stage_name

#: heading (spaces removed, lower case) → (direction, data_kind, layout)
SECTIONS: dict[str, tuple[str, str, str]] = {
    "detectionsshared": ("out", "detections", "grid"),
    "detectionsreceived": ("in", "detections", "table"),
    "hotlistsharing": ("out", "hotlist", "grid"),
    "hotlistreceived": ("in", "hotlist", "grid"),
}
_INTRO = re.compile(r"^\W*the\s*(?P<agency>.+?)\s*agency\s*is\s*(?:sharing|receiving)\b", re.I)
_DATE = re.compile(
    r"date\s*created\s*:?\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})\b", re.I)
_PAGES = re.compile(r"page\s*(\d+)\s*of\s*(\d+)", re.I)
_INACTIVE = re.compile(r"^\s*[Il1]nactive\s+")
_NVLS = re.compile(r"\s*\(?\b(shared\s*nvls|nvls)\)?\s*$", re.I)
_X_TOLERANCE_RATIO = 0.15  # word gaps are ~0.27 em, OCR letter gaps below 0.1 em


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    size: float
    chars: list[dict[str, Any]]


@dataclass
class _Line:
    page: int  # 1-based
    top: float
    size: float
    words: list[_Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def key(self) -> str:
        return _key(self.text)


def _page_lines(page: Any, number: int) -> list[_Line]:
    """The page's words grouped into lines, top to bottom, each line left to right."""
    words = page.extract_words(x_tolerance_ratio=_X_TOLERANCE_RATIO, extra_attrs=["size"],
                               return_chars=True)
    lines: list[_Line] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        word = _Word(w["text"], w["x0"], w["x1"], float(w["size"]), w["chars"])
        if lines and abs(w["top"] - lines[-1].top) <= 0.4 * max(word.size, lines[-1].size):
            lines[-1].words.append(word)
        else:
            lines.append(_Line(number, w["top"], word.size, [word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
        line.size = statistics.median(w.size for w in line.words)
    return lines


def _ocr_lines(page: pdftext.PageText) -> list[_Line]:
    """Lines of a page OCR'd by ``pdftext`` (no text layer): word boxes only, no characters;
    the word height stands in for the font size."""
    out = []
    for line in page.lines:
        words = [_Word(w.text, w.x0, w.x1, max(w.bottom - w.top, 1.0), []) for w in line.words]
        if words:
            out.append(_Line(page.number, min(w.top for w in line.words),
                             statistics.median(w.size for w in words), words))
    return out


def _chars_text(chars: list[dict[str, Any]]) -> str:
    return "".join(c["text"] for c in chars).strip()


def _split(line: _Line, boundary: float) -> tuple[str, str]:
    """Left and right cell text of a two-column line; a word straddling the boundary (left
    text running into the right column without a space) is split by its characters."""
    left: list[str] = []
    right: list[str] = []
    margin = 0.5 * line.size
    for w in line.words:
        if w.x0 >= boundary - margin:
            right.append(w.text)
        elif w.x1 <= boundary + margin or not w.chars:
            left.append(w.text)
        else:
            cut = boundary - 0.25 * line.size
            left.append(_chars_text([c for c in w.chars if c["x0"] < cut]))
            right.append(_chars_text([c for c in w.chars if c["x0"] >= cut]))
    return " ".join(t for t in left if t), " ".join(t for t in right if t)


def _segments(line: _Line) -> list[tuple[float, float, str]]:
    """Runs of words separated by more than one em: (x0, x1, text)."""
    segs: list[list[_Word]] = []
    for w in line.words:
        if segs and w.x0 - segs[-1][-1].x1 <= 1.2 * line.size:
            segs[-1].append(w)
        else:
            segs.append([w])
    return [(s[0].x0, s[-1].x1, " ".join(w.text for w in s)) for s in segs]


@dataclass
class _Section:
    heading: str
    direction: str
    data_kind: str
    layout: str
    lines: list[_Line] = field(default_factory=list)
    header: _Line | None = None


@dataclass
class _Record:
    page: int
    section: str
    cells: dict[str, str]


def _column_boundary(section: _Section) -> float | None:
    """x where the right column starts: the usual start of a word run after a wide gap."""
    starts = [seg[0] for line in section.lines for seg in _segments(line)[1:]]
    if starts:
        return statistics.median(starts)
    if section.header is not None:  # hot-list tables: the "Hot List(s):" label
        for w in section.header.words[1:]:
            if w.text.lower().startswith("hot"):
                return w.x0
    return None


def _grid_records(section: _Section) -> list[_Record]:
    boundary = _column_boundary(section)
    rows: list[tuple[_Line, list[str], int]] = []  # (last physical line, cells, first page)
    for line in section.lines:
        cells = list(_split(line, boundary)) if boundary is not None else [line.text, ""]
        prev = rows[-1][0] if rows else None
        wrapped = prev is not None and (
            (prev.page == line.page and line.top - prev.top < 1.9 * line.size)
            # a continuation pushed onto the next page: no name starts with "("
            or (any(cells) and all(c.startswith("(") for c in cells if c)))
        if wrapped:
            for i, c in enumerate(cells):
                if c:
                    rows[-1][1][i] = f"{rows[-1][1][i]} {c}".strip()
            rows[-1] = (line, rows[-1][1], rows[-1][2])
        else:
            rows.append((line, cells, line.page))
    out: list[_Record] = []
    for _, cells, page in rows:
        if section.direction == "out" and section.data_kind == "detections":
            out.extend(_Record(page, section.heading, {"agency": c}) for c in cells if c)
        else:
            out.append(_Record(page, section.heading, {"agency": cells[0], "hot list": cells[1]}))
    return out


def _table_records(section: _Section) -> list[_Record]:
    names = ("agency", "city", "state")
    centers: list[float] | None = None
    if section.header is not None:
        segs = _segments(section.header)
        if len(segs) == 3:
            centers = [(a + b) / 2 for a, b, _ in segs]
    rows: list[tuple[_Line, dict[str, str], int]] = []
    for line in section.lines:
        segs = _segments(line)
        cells = dict.fromkeys(names, "")
        if centers is not None:
            for a, b, text in segs:
                col = names[min(range(3), key=lambda i: abs((a + b) / 2 - centers[i]))]
                cells[col] = f"{cells[col]} {text}".strip()
        else:  # no header: the last two runs are city and state
            texts = [t for _, _, t in segs]
            cells["state"] = texts.pop() if len(texts) >= 3 else ""
            cells["city"] = texts.pop() if len(texts) >= 2 else ""
            cells["agency"] = " ".join(texts)
        prev = rows[-1][0] if rows else None
        full = all(cells.values())
        if (not full and prev is not None and prev.page == line.page
                and line.top - prev.top < 1.7 * line.size):
            for k, v in cells.items():
                if v:
                    rows[-1][1][k] = f"{rows[-1][1][k]} {v}".strip()
            rows[-1] = (line, rows[-1][1], rows[-1][2])
        else:
            rows.append((line, cells, line.page))
    return [_Record(page, section.heading, cells) for _, cells, page in rows]


def _header_end(lines: list[_Line]) -> int:
    """How many lines the page header takes: the "Agency" logo (OCR: "LEA.J i Agency") and
    the "Data Sharing Report" title, i.e. large lines before the first section or row."""
    if not lines:
        return 0
    body = statistics.median(line.size for line in lines)
    end = 0
    for i, line in enumerate(lines[:4]):
        if line.key in SECTIONS:
            break
        if "datasharingreport" in line.key and "vehiclemanager" not in line.key:
            return i + 1
        if line.size < 1.3 * body:
            break
        end = i + 1
    return end


_Parsed = tuple[list[_Record], str | None, dt.date | None, int | None]


def _parse(pages: list[list[_Line]]) -> _Parsed:
    """Records, publisher, report date and the page count the footer states."""
    sections: list[_Section] = []
    publisher: str | None = None
    created: dt.date | None = None
    stated_pages: int | None = None
    for lines in pages:
        for line in lines[_header_end(lines):]:
            key = line.key
            if "datecreated" in key:
                m = _DATE.search(line.text)
                if m and created is None:
                    created = _date(*m.groups())
                if (p := _PAGES.search(line.text)) is not None:
                    stated_pages = int(p.group(2))
                continue
            if key in SECTIONS:
                sections.append(_Section(line.text, *SECTIONS[key]))
                continue
            intro = _INTRO.match(line.text)
            if intro or "followingagencies" in key:
                if intro and publisher is None:
                    publisher = " ".join(intro.group("agency").split())
                continue
            if not sections:
                continue  # title material before the first section
            sec = sections[-1]
            if key.startswith("agency") and ("city" in key or "hotlist" in key) and not sec.lines:
                sec.header = line
            elif sec.data_kind == "hotlist" and key == "none" and not sec.lines:
                continue  # "None": the publisher shares/receives no hot list
            else:
                sec.lines.append(line)
    records: list[_Record] = []
    for sec in sections:
        if sec.lines:
            records += _grid_records(sec) if sec.layout == "grid" else _table_records(sec)
    if not sections:
        raise IngestError("no section of an Agency Data Sharing Report was found "
                          "(Detections Shared, Detections Received, Hot List Sharing, "
                          "Hot List Received)",
                          hint="check that the PDF has a text layer (OCR it with ocrmypdf)")
    return records, publisher, created, stated_pages


def _date(month: str, day: str, year: str) -> dt.date | None:
    y = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return dt.date(y, int(month), int(day))
    except ValueError:
        return None


class VigilantSharingReportImporter:
    """Vigilant VehicleManager Agency Data Sharing Report (PDF) → ``sharing``."""

    format_id: ClassVar[str] = "vigilant_sharing_report"
    label: ClassVar[str] = "Vigilant VehicleManager Agency Data Sharing Report (PDF)"
    table: ClassVar[str] = "sharing"

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan when the first page reads as a sharing report; never raises."""
        if probe.kind != "pdf":
            return None
        # shared with the other PDF sniffers (cached; OCR'd when the page is an image and
        # tesseract is installed); "" when unreadable. Spaces do not matter to ``_key``.
        try:
            key = _key(pdftext.first_page_text(probe.path))
        except Exception:  # a sniffer never raises
            return None
        if "datasharingreport" in key and ("followingagencies" in key
                                           or any(s in key for s in SECTIONS)):
            return Plan(self.format_id, None)
        return None

    def stage(self, ctx: StageContext) -> StageResult:
        """Read every page, group lines into sections and rows, fill ``stage_sharing``."""
        pages = pdftext.map_pages(ctx.path, _page_lines, _ocr_lines, ctx.progress, ctx.set_total)
        try:
            records, publisher, created, stated = _parse(pages)
        except IngestError as exc:
            exc.path = str(ctx.path)
            raise
        if stated is not None and stated > len(pages):
            raise IngestError(f"the report says it has {stated} pages, the file holds {len(pages)}",
                              path=str(ctx.path), locator=f"page {len(pages)}",
                              hint="the file is truncated; obtain the whole report again")
        _stage(ctx, records, created)
        return StageResult(0, None, publisher or ctx.publisher, tables=("sharing",),
                           details={"sections": sorted({r.section for r in records}),
                                    "observed_on": str(created) if created else None})


def _stage(ctx: StageContext, records: list[_Record], created: dt.date | None) -> None:
    cols: dict[str, list[Any]] = {k: [] for k in (
        "name", "hotlist", "city", "state", "direction", "data_kind", "status", "marks",
        "_locator", "_reject", "_raw")}
    for rec in records:
        direction, data_kind, _ = SECTIONS[_key(rec.section)]
        name = " ".join(rec.cells.get("agency", "").split())
        marks: list[str] = []
        if (m := _NVLS.search(name)) and m.start() > 0:
            marks.append("Shared NVLS" if "shared" in m.group(1).lower() else "NVLS")
            name = name[:m.start()]
        reject = None
        if name and not re.search(r"[A-Za-z]", name):
            reject = "not an agency name (no letters: OCR noise?)"
        elif not name:
            reject = "no agency name in this row"
        cols["name"].append(name or None)
        cols["hotlist"].append(" ".join(rec.cells.get("hot list", "").split()) or None)
        cols["city"].append(rec.cells.get("city") or None)
        cols["state"].append(rec.cells.get("state") or None)
        cols["direction"].append(direction)
        cols["data_kind"].append(data_kind)
        cols["status"].append("inactive" if _INACTIVE.match(name) else "active")
        cols["marks"].append(marks)
        cols["_locator"].append(f"page {rec.page}")
        cols["_reject"].append(reject)
        cols["_raw"].append(json.dumps({"section": rec.section, **rec.cells}))
    tbl = pa.table({**{k: pa.array(v, pa.string()) for k, v in cols.items() if k != "marks"},
                    "marks": pa.array(cols["marks"], pa.list_(pa.string())),
                    "_i": pa.array(range(len(records)), pa.int64())})
    ctx.con.register("_vsr_rows", tbl)
    try:
        ctx.con.execute(f"DROP TABLE IF EXISTS {stage_name('sharing')}")
        # The key holds the report date: a re-sent copy of one report is a duplicate, the
        # same partner in a later report is a new observation of the relationship.
        ctx.con.execute(f"""CREATE TEMP TABLE {stage_name('sharing')} AS
            SELECT * EXCLUDE (_i), hash(partner_name_raw, direction, data_kind, status,
                                       observed_on, hotlists, flags) AS _kb,
                   false AS _has_id
            FROM (SELECT
                CASE WHEN aa_is_redacted(name) THEN NULL ELSE aa_text(name)
                END AS partner_name_raw,
                direction, data_kind, status,
                CAST(? AS DATE) AS observed_on,
                CASE WHEN aa_text(hotlist) IS NOT NULL THEN [aa_text(hotlist)] END AS hotlists,
                nullif(list_filter(list_concat(marks, [
                    CASE WHEN aa_is_redacted(name) THEN 'redacted' END,
                    'city:' || aa_text(city), 'state:' || aa_text(state)]),
                    lambda x: x IS NOT NULL), []) AS flags,
                _locator, _reject, _raw, _i
              FROM _vsr_rows) ORDER BY _i""", [created])
    finally:
        ctx.con.unregister("_vsr_rows")
