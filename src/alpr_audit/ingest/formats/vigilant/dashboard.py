"""Vigilant VehicleManager dashboard reports (PDF): reading the pages into reports.

Both dashboard reports share one layout (docs/formats.md, "Dashboard Hit Ratio Report" and
"Dashboard Detection Report")::

    Dashboard Hit Ratio Report                       (or Dashboard Detection Report)
    Report Details
    Report By: <person>            Hit Ratio Count: 2        (System Count / Agency Count)
    Time Frame: From 1-01-19 12 AM To 03-11-25 12 AM   Total Records: 4,979,388
    <pie chart>
    Contributor | Record Type | Records      (Contributor | System | Detections, or … Agency …)
    Date Created: 03-10-25  VehicleManager …  Page 1 of 2

A table may go on over the next pages (title and column header again, no Report Details), and
one PDF may hold several reports of both kinds (Irvine's release is four scanned pages,
alternating Hit Ratio and Detection reports). A page that has a ``Time Frame`` or ``Report
Details`` starts a report; other pages continue the report before them.

Table cells are told apart by position: a word belongs to the column whose header it sits
under, so a system named ``OCSD LN LPR CAR 2`` keeps its ``2`` and OCR's stray spaces inside a
number stay in the count column. ``Report By`` names a person and is not kept.

Dates: ``M-DD-YY`` with an optional ``12 AM`` / ``1:30 PM``. Two-digit years pivot like
POSIX ``%y``: 00–69 are 2000–2069, 70–99 are 1970–1999 (VehicleManager dates from the 2000s;
a 4-digit year is taken as written). Times are the agency's wall-clock time as printed; the
report names no zone, so they are stored unchanged and the period text is kept.

Relative time frames are resolved against ``Date Created`` (a report without one is rejected):
``This Year`` = Jan 1 of that year .. the midnight after the creation day (the latest instant
the report can have counted, as absolute reports end ``To <next day> 12 AM``); ``Last Year`` =
Jan 1 .. Jan 1 of the creation year; ``This Month``/``Last Month`` likewise; ``Today`` = the
creation day; ``Yesterday`` = the day before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from alpr_audit.ingest.pdftext import Line, PageText, ocr_fix_digits

HIT_RATIO, DETECTION = "hit_ratio", "detection"


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def report_kind(text: str) -> str | None:
    """``hit_ratio`` / ``detection`` from a page's title or header labels, else None."""
    t = _squash(text)
    if re.search(r"dashboard\s*hit\s*ratio\s*report", t):
        return HIT_RATIO
    if re.search(r"dashboard\s*detection\s*report", t):
        return DETECTION
    if "hit ratio count" in t or ("record type" in t and "total records" in t):
        return HIT_RATIO
    if "total detections" in t and ("system count" in t or "agency count" in t):
        return DETECTION
    return None


# --- header fields ---------------------------------------------------------------------------

_TIME_FRAME = re.compile(r"time\s*frame\s*[:;.]?\s*(.*?)\s*(?=total\s*(?:records|detections)|$)", re.I)
_TOTAL = re.compile(r"total\s*(records|detections)\s*[:;.]?\s*(.*)$", re.I)
_COUNT = re.compile(r"(hit\s*ratio|system|agency)\s*count\s*[:;.]?\s*(\S+)", re.I)
_CREATED = re.compile(r"date\s*created\s*[:;.]?\s*(\S+)", re.I)
_FOOTER = re.compile(r"date\s*created|\bpage\s+\S+\s+of\b", re.I)


@dataclass
class Field:
    """A header value as written, and where."""

    text: str
    locator: str


@dataclass
class TableRow:
    """One table line split into its three columns (texts as written)."""

    page: int
    line: int
    contributor: str
    label: str  # record type, system or agency
    count: str
    min_conf: float | None  # lowest OCR confidence of the count's words (OCR'd pages)

    @property
    def locator(self) -> str:
        return f"page {self.page}, line {self.line}"

    def raw(self, label_name: str, count_name: str) -> dict[str, str | None]:
        return {"Contributor": self.contributor, label_name: self.label, count_name: self.count}


@dataclass
class Report:
    """One dashboard report: header fields, its table rows and lines that are not rows."""

    kind: str
    page: int
    scanned: bool = False
    time_frame: Field | None = None
    total: Field | None = None
    count: Field | None = None  # Hit Ratio / System / Agency Count
    created: Field | None = None
    label_name: str | None = None  # 'Record Type', 'System', 'Agency'
    count_name: str | None = None  # 'Records', 'Detections'
    rows: list[TableRow] = field(default_factory=list)
    stray: list[tuple[int, int, str]] = field(default_factory=list)  # (page, line, text)

    @property
    def locator(self) -> str:
        return f"page {self.page}"


def like(word: str, target: str) -> bool:
    """``word`` reads as ``target`` allowing OCR noise (``Contrlbutor``)."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    return SequenceMatcher(None, letters, target).ratio() >= 0.75


@dataclass
class _Columns:
    """Column boundaries from the table's header line (x positions in points)."""

    label_from: float  # words centred right of this are in the label column
    count_from: float  # words centred right of this are in the count column
    label_name: str
    count_name: str


def _column_header(line: Line) -> _Columns | None:
    words = line.words
    if len(words) < 3 or not like(words[0].text, "contributor"):
        return None
    last = words[-1]
    if not (like(last.text, "records") or like(last.text, "detections")):
        return None
    first, middle = words[0], words[1:-1]
    count_name = "Records" if like(last.text, "records") else "Detections"
    width = last.x1 - last.x0
    return _Columns(
        # halfway between the Contributor header and the label header
        label_from=(first.x1 + middle[0].x0) / 2,
        # counts are centred under their header: nothing wider than twice the header
        count_from=last.x0 - width / 2,
        label_name=" ".join(w.text for w in middle),
        count_name=count_name,
    )


def _header_fields(rep: Report, line: Line, loc: str) -> None:
    text = line.text
    if rep.time_frame is None and (m := _TIME_FRAME.search(text)) and m.group(1):
        rep.time_frame = Field(m.group(1), loc)
    if rep.total is None and (m := _TOTAL.search(text)):
        rep.total = Field(m.group(2).strip(), loc)
    if rep.count is None and (m := _COUNT.search(text)):
        rep.count = Field(m.group(2), loc)
    if rep.created is None and (m := _CREATED.search(text)):
        rep.created = Field(m.group(1), loc)


def _starts_report(page: PageText) -> bool:
    t = _squash(page.text)
    return bool(re.search(r"time\s*frame|report\s*details", t))


def split_reports(pages: list[PageText]) -> tuple[list[Report], list[tuple[str, str]]]:
    """The reports in a document, and the pages before the first report (not dashboard pages)."""
    reports: list[Report] = []
    orphans: list[tuple[str, str]] = []
    for page in pages:
        kind = report_kind(page.text)
        cur = reports[-1] if reports else None
        if cur is None or _starts_report(page) or (kind and kind != cur.kind):
            if kind is None:
                if page.lines:  # not a dashboard page, and no report to continue
                    orphans.append((f"page {page.number}", page.text[:500]))
                continue
            cur = Report(kind, page.number)
            reports.append(cur)
        cur.scanned = cur.scanned or page.scanned
        _read_page(cur, page)
    return reports, orphans


def _read_page(rep: Report, page: PageText) -> None:
    cols: _Columns | None = None
    for line in page.lines:
        loc = f"page {page.number}, line {line.number}"
        if _FOOTER.search(line.text):
            _header_fields(rep, line, loc)
            cols = None  # the table ends at the footer
            continue
        if cols is None:
            cols = _column_header(line)
            if cols is not None:
                rep.label_name = rep.label_name or cols.label_name
                rep.count_name = rep.count_name or cols.count_name
            else:
                _header_fields(rep, line, loc)
            continue
        if not re.search(r"[A-Za-z0-9]", line.text):
            continue  # specks on a scan
        parts: list[list[str]] = [[], [], []]
        confs = []
        for w in line.words:
            col = 0 if w.center < cols.label_from else 2 if w.center >= cols.count_from else 1
            parts[col].append(w.text)
            if col == 2 and w.conf is not None:
                confs.append(w.conf)
        contributor, label, count = (" ".join(p) for p in parts)
        if label and count:
            rep.rows.append(TableRow(page.number, line.number, contributor, label, count,
                                     min(confs) if confs else None))
        else:
            rep.stray.append((page.number, line.number, line.text))


# --- dates and periods -----------------------------------------------------------------------

def _year(text: str) -> int:
    y = int(text)
    if len(text) == 4:
        return y
    return y + (2000 if y < 70 else 1900)  # the documented pivot (module docstring)


def _when_pattern(tolerant: bool) -> str:
    d = r"[\dOolI|]" if tolerant else r"\d"
    return (rf"({d}{{1,2}})[-/]({d}{{1,2}})[-/]({d}{{4}}|{d}{{2}})"
            rf"(?:\s+({d}{{1,2}})(?::({d}{{2}}))?\s*([AaPp]\.?[Mm]\.?))?")


def parse_date(text: str, tolerant: bool = False) -> dt.date | None:
    """``03-10-25`` → 2025-03-10 (two-digit years pivot at 70); None when not a date."""
    m = re.fullmatch(_when_pattern(tolerant), text.strip())
    if not m:
        return None
    when = _when(m)
    return when.date() if when else None


def _when(m: re.Match[str]) -> dt.datetime | None:
    g = [ocr_fix_digits(x) if x else x for x in m.groups()]
    try:
        day = dt.datetime(_year(g[2]), int(g[0]), int(g[1]))
        if g[3] is None:
            return day
        hour, minute = int(g[3]), int(g[4] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None
        hour = hour % 12 + (12 if g[5][0].lower() == "p" else 0)
        return day.replace(hour=hour, minute=minute)
    except ValueError:
        return None


def _month_start(y: int, m: int) -> dt.datetime:
    while m < 1:
        y, m = y - 1, m + 12
    return dt.datetime(y, m, 1)


def resolve_period(text: str, created: dt.date | None, tolerant: bool = False,
                   ) -> tuple[dt.datetime | None, dt.datetime | None, str | None]:
    """(start, end, problem) of a Time Frame: absolute as written, relative against created."""
    w = _when_pattern(tolerant)
    m = re.fullmatch(rf"from\s+({w})\s+to\s+({w})", text.strip(), re.I)
    if m:
        n = re.compile(w).groups  # the end's groups follow the start's
        start_m = re.fullmatch(w, m.group(1))
        end_m = re.fullmatch(w, m.group(2 + n))
        start = _when(start_m) if start_m else None
        end = _when(end_m) if end_m else None
        if start is None or end is None:
            return None, None, f"time frame {text!r} holds a date that does not exist"
        if end < start:
            return None, None, f"time frame {text!r} ends before it starts"
        return start, end, None
    rel = _squash(text)
    if rel not in ("this year", "last year", "this month", "last month", "today", "yesterday"):
        return None, None, f"time frame {text!r} is not understood (expected 'From <date> To " \
                           "<date>' or This/Last Year, This/Last Month, Today, Yesterday)"
    if created is None:
        return None, None, f"relative time frame {text!r} and no 'Date Created' to resolve it"
    day = dt.datetime.combine(created, dt.time())
    after = day + dt.timedelta(days=1)
    return {
        "this year": (dt.datetime(day.year, 1, 1), after),
        "last year": (dt.datetime(day.year - 1, 1, 1), dt.datetime(day.year, 1, 1)),
        "this month": (_month_start(day.year, day.month), after),
        "last month": (_month_start(day.year, day.month - 1), _month_start(day.year, day.month)),
        "today": (day, after),
        "yesterday": (day - dt.timedelta(days=1), day),
    }[rel] + (None,)

