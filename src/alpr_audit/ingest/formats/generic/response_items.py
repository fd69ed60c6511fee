"""Recognising the parts of an agency's response workbook (answers keyed by request item).

Agencies answering the standard ALPR request (docs/formats.md, "Agency response workbooks") send
one workbook whose sheets answer the request's items: ``Request`` (item, text, disposition),
``A1``…``A4`` (organisation names), ``B1&2`` (a period line, detections, hits), ``Users``,
``Audit`` (``Reason | DateTime``) and ``OtherAgencies`` (``Month | 2025 | 2024``). Sheet
names and layouts vary, so a sheet's role comes from its name *and* its content: the name
proposes a role (``A1 - Sharing Out`` → item A1), the header rows confirm it. A sheet whose
name says nothing can still be recognised by content alone.

Everything here is pure Python over a sheet's first rows (text cells, ``None`` when empty),
so the sniffer can use it on a probe without reading the whole file.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from alpr_audit.ingest.tabular import norm_header

Rows = Sequence[Sequence[str | None]]

#: Items A1–A4 → (direction, data_kind) of the ``sharing`` rows they list.
SHARING_ITEMS = {"A1": ("out", "detections"), "A2": ("in", "detections"),
                 "A3": ("out", "hotlist"), "A4": ("in", "hotlist")}

#: An item id at the start of a text: ``A1``, ``A-1``, ``Item B2``, ``A1 - Sharing Out``.
ITEM_RE = re.compile(r"^\s*(?:item\s*)?([a-z])\s*[-_.#]?\s*(\d{1,2})(?![\d/:.-]*\d)", re.I)
#: A cell that is nothing but an item id.
ITEM_CELL_RE = re.compile(r"^\s*(?:item\s*)?([a-z])\s*[-_.#]?\s*(\d{1,2})\s*[.:)]?\s*$", re.I)

_ORG = {"organization name", "organization", "organizations", "org name", "organisation name",
        "organisation", "agency", "agency name", "agencies", "name", "partner",
        "partner agency", "organization/agency", "agency/organization"}
_USER = {"user name", "username", "user", "users", "name", "officer", "officer name",
         "user id", "userid", "account", "account name", "login", "full name"}
_TITLE = {"title", "rank", "job title", "position"}
_ROLE = {"role", "user role", "access level", "permission", "permissions", "user type"}
_LOGIN = {"last login", "last login date", "last logged in", "last sign in"}
_REASON = {"reason", "search reason", "purpose", "reason for search", "justification",
           "query reason", "search purpose"}
_WHEN = {"datetime", "date time", "date/time", "date & time", "date and time", "timestamp",
         "search datetime", "search date/time", "search date time", "query date/time",
         "query datetime"}
_DATE = {"date", "search date", "query date"}
_TIME = {"time", "search time", "query time"}
_CASE = {"case", "case #", "case number", "case no", "case no.", "incident number",
         "incident #", "report number"}
#: Columns only a vendor's search-audit export has: such a sheet is that format, not ours.
_VENDOR_AUDIT = {"time frame", "search type", "total networks searched", "org name",
                 "license plate", "networks searched", "id", "searchdate", "userid"}
_MONTH = {"month", "months", "month/year", "month-year", "period"}
_COUNT = {"accesses", "count", "number of accesses", "access count", "queries", "searches",
          "total", "number of queries", "# of accesses"}
_REQ_ITEM = {"item", "item #", "item no", "item no.", "item number", "request item", "#",
             "no.", "id", "item id"}
_REQ_TEXT = {"request", "item text", "description", "request text", "records requested",
             "requested records", "text", "request item text"}
_REQ_DISP = {"disposition", "response", "status", "agency response", "answer", "result",
             "determination", "response/disposition", "agency disposition"}

_RESPONSE_TO = re.compile(
    r"^\s*(.+?)\s*(?:[-–—:|,]\s*)?\b(?:response|responses|answers?|reply)\s+to\b", re.I)
_NOT_AN_AGENCY = re.compile(r"\b(cpra|pra|foia|public|records?|requests?|alpr|lpr)\b", re.I)
_NUMBER_RE = re.compile(r"^[\s\"'“”]*[+-]?\d[\d,. ]*([eE][+]?\d+)?[\s\"'“”]*$")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_YEAR_RE = re.compile(r"^\s*(?:cy|fy|year)?\s*((?:19|20)\d\d)\b", re.I)
_DATE_RE = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"
    r"|(?<!\d)(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})(?!\d)"
    r"|\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b")
#: "None", "No responsive records" …: a statement that a list is empty, not a partner.
_NONE_RE = re.compile(
    r"^\s*(none|nothing|n/?a|not applicable|no (responsive )?records?( found| exist)?|"
    r"no (agencies|organizations)( found)?|no data|nothing to report|0)\s*[.!]?\s*$", re.I)


@dataclass
class SheetRole:
    """What one sheet answers, and where its table starts."""

    sheet: str
    kind: str  # request, sharing, counts, users, audit, other_agencies, unknown
    item: str | None = None  # A1 … A4, B1&2, or another item id the name carries
    header_row: int | None = None  # 0-based row index of the header, None when there is none
    columns: dict[str, int] = field(default_factory=dict)  # field -> column index
    confirmed: bool = False  # the content fits the role (not only the name)
    note: str | None = None


def norm(text: str | None) -> str:
    """Cell or sheet text compared loosely (case, spaces, quotes)."""
    return norm_header(text).strip("\"'“”‘’ ")


def item_id(text: str | None, whole: bool = False) -> str | None:
    """The item id (``A1``) that ``text`` starts with (or is entirely, with ``whole``)."""
    if not text:
        return None
    m = (ITEM_CELL_RE if whole else ITEM_RE).match(text)
    return f"{m.group(1).upper()}{int(m.group(2))}" if m else None


def is_none_statement(text: str) -> bool:
    """True for 'None', 'No responsive records', '-' …: a list answered as empty."""
    return bool(_NONE_RE.match(text)) or norm(text) in ("-", "--", "—", "——", "–")


def cells(row: Sequence[str | None]) -> list[str]:
    """The non-empty cells of a row, trimmed."""
    return [c.strip() for c in row if c is not None and c.strip()]


def kind_from_name(name: str) -> tuple[str | None, str | None]:
    """(kind, item) a sheet name proposes; (None, None) when it says nothing."""
    n = norm(name)
    item = item_id(n)
    if item:
        if item in SHARING_ITEMS:
            return "sharing", item
        if item in ("B1", "B2"):
            both = re.search(r"b?\s*1\s*(?:&|and|\+|,|/|-)?\s*(?:b\s*)?2", n)
            return "counts", "B1&2" if both else item
        return None, item
    if re.search(r"\baudit", n):
        return "audit", None
    if re.search(r"other\s*agenc|external|outside\s*agenc|agency\s*access", n):
        return "other_agencies", None
    if re.match(r"(authori[sz]ed\s+)?(users?|officers?|accounts?|user\s*list)\b", n):
        return "users", None
    if re.match(r"(request|requests|request items|items|index|cover|summary|responses?)\b", n):
        return "request", None
    if re.search(r"detections?|\bhits\b|hit ratio", n):
        return "counts", "B1&2"
    return None, None


def _find_header(rows: Rows, wanted: dict[str, set[str]], required: Sequence[Sequence[str]],
                 scan: int = 10) -> tuple[int, dict[str, int]] | None:
    """The first row within ``scan`` whose cells name every field of one ``required`` set."""
    for i, row in enumerate(rows[:scan]):
        found: dict[str, int] = {}
        for j, c in enumerate(row):
            n = norm(c)
            for fld, names in wanted.items():
                if n in names and fld not in found:
                    found[fld] = j
                    break
        if any(all(f in found for f in req) for req in required):
            return i, found
    return None


def match_sharing(rows: Rows) -> SheetRole | None:
    """One organisation-name column, or A1…A4 side by side on one sheet."""
    for i, row in enumerate(rows[:10]):
        items = {item_id(c): j for j, c in enumerate(row) if item_id(c) in SHARING_ITEMS}
        if len(items) >= 2:
            return SheetRole("", "sharing", None, i, {f"item:{k}": v for k, v in items.items()}, True)
    hit = _find_header(rows, {"org": _ORG}, [("org",)])
    if hit:
        return SheetRole("", "sharing", None, hit[0], hit[1], True)
    return None


def match_users(rows: Rows) -> SheetRole | None:
    hit = _find_header(rows, {"user": _USER, "title": _TITLE, "role": _ROLE, "last_login": _LOGIN},
                       [("user",)])
    return SheetRole("", "users", None, hit[0], hit[1], True) if hit else None


def match_audit(rows: Rows) -> SheetRole | None:
    if any(sum(norm(c) in _VENDOR_AUDIT for c in row) >= 2 for row in rows[:10]):
        # a vendor's search-audit export pasted in: its own importer reads it, not this one
        return SheetRole("", "unknown", note="a vendor's search-audit export (Flock layout): "
                         "save this sheet as its own file and ingest that")
    hit = _find_header(rows, {"reason": _REASON, "when": _WHEN, "date": _DATE, "time": _TIME,
                              "user": _USER, "case": _CASE},
                       [("reason", "when"), ("reason", "date")])
    return SheetRole("", "audit", None, hit[0], hit[1], True) if hit else None


def match_other_agencies(rows: Rows) -> SheetRole | None:
    for i, row in enumerate(rows[:10]):
        month = next((j for j, c in enumerate(row) if norm(c) in _MONTH), None)
        if month is None:
            continue
        years = {}
        for j, c in enumerate(row):
            m = _YEAR_RE.match(c or "")
            if j != month and m and re.fullmatch(r"(?:cy|fy|year)?\s*\d{4}(\.0)?", norm(c)):
                years[f"year:{m.group(1)}"] = j
        if years:
            return SheetRole("", "other_agencies", None, i, {"month": month, **years}, True)
        count = next((j for j, c in enumerate(row) if norm(c) in _COUNT), None)
        if count is not None:
            return SheetRole("", "other_agencies", None, i, {"month": month, "count": count}, True)
    return None


def match_request(rows: Rows) -> SheetRole | None:
    hit = _find_header(rows, {"item": _REQ_ITEM, "text": _REQ_TEXT, "disposition": _REQ_DISP},
                       [("item", "text"), ("item", "disposition"), ("text", "disposition")])
    if hit:
        return SheetRole("", "request", None, hit[0], hit[1], True)
    # header-less: item ids down the first column, most of the request's letters
    ids = [i for r in rows if len(cells(r)) >= 2 for i in [item_id(cells(r)[0], whole=True)] if i]
    if len(ids) >= 3 and len({i[0] for i in ids}) >= 2:
        return SheetRole("", "request", None, None, {"item": 0, "text": 1, "disposition": 2}, True)
    return None


def match_counts(rows: Rows) -> SheetRole | None:
    """A B1/B2 (or Detections/Hits) row with a number, or a period line."""
    for row in rows[:25]:
        if count_row(row) is not None or len(find_dates(" ".join(cells(row)))) >= 2:
            return SheetRole("", "counts", "B1&2", None, {}, True)
    return None


MATCHERS = {"audit": match_audit, "other_agencies": match_other_agencies,
            "request": match_request, "counts": match_counts, "users": match_users,
            "sharing": match_sharing}


def classify(name: str, rows: Rows) -> SheetRole:
    """The role of one sheet from its name and first rows."""
    if not any(cells(r) for r in rows):
        return SheetRole(name, "empty")
    kind, item = kind_from_name(name)
    if kind is not None:
        role = MATCHERS[kind](rows)
        if role is not None and role.kind == "unknown":
            role.sheet = name
            return role
        if role is None:
            return SheetRole(name, kind, item, note="the sheet's name names an item, "
                             "but no header or value of that item was found")
        role.sheet, role.item = name, role.item if kind == "counts" else item
        if _combined(role):
            role.item = ",".join(sorted(k[5:] for k in role.columns if k.startswith("item:")))
        return _sharing_item(role, rows)
    if item is not None:  # A5–A7 and other items: no table for them (yet)
        return SheetRole(name, "unknown", item, note=f"item {item} has no table")
    for matcher in MATCHERS.values():  # content alone, most specific layouts first
        role = matcher(rows)
        if role is not None:
            role.sheet = name
            if role.kind == "unknown":
                return role
            role = _sharing_item(role, rows)
            if role.kind == "sharing" and role.item is None and not _combined(role):
                continue  # a list of names, but which item it answers is not said
            return role
    return SheetRole(name, "unknown", note="no item of the request recognised")


def _combined(role: SheetRole) -> bool:
    return any(k.startswith("item:") for k in role.columns)


def _sharing_item(role: SheetRole, rows: Rows) -> SheetRole:
    """An A-sheet recognised by content takes its item from a title row above the header."""
    if role.kind != "sharing" or role.item or _combined(role):
        return role
    for row in rows[: role.header_row or 0]:
        for c in cells(row):
            if item_id(c) in SHARING_ITEMS:
                role.item = item_id(c)
                return role
    return role


def title_rows(rows: Rows, role: SheetRole) -> list[str]:
    """Texts above a sheet's header (titles, notes, 'as of' lines)."""
    top = role.header_row if role.header_row is not None else 0
    return [" | ".join(cells(r)) for r in rows[:top] if cells(r)]


# --- values --------------------------------------------------------------------------------


def _year(text: str) -> int:
    y = int(text)
    return y if y >= 100 else (2000 + y if y < 70 else 1900 + y)


def _month_name(text: str) -> int | None:
    t = text.lower().rstrip(".")
    full = ("january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december")
    if t[:3] in _MONTHS and (t in full or t == t[:3] or t == "sept"):
        return _MONTHS[t[:3]]
    return None


def find_dates(text: str) -> list[dt.date]:
    """Every date written in ``text`` (``1/1/19``, ``2019-01-01``, ``January 1, 2019``)."""
    out = []
    for m in _DATE_RE.finditer(text or ""):
        try:
            if m.group(1):
                out.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
            elif m.group(4):
                out.append(dt.date(_year(m.group(6)), int(m.group(4)), int(m.group(5))))
            else:
                month = _month_name(m.group(7))
                if month:
                    out.append(dt.date(int(m.group(9)), month, int(m.group(8))))
        except ValueError:
            continue  # 31/02/2025: not a date
    return out


def parse_month(text: str | None) -> int | None:
    """1–12 from ``January``, ``Jan.``, ``Sept``, ``1`` or ``01``."""
    t = (text or "").strip()
    if re.fullmatch(r"\d{1,2}", t):
        return int(t) if 1 <= int(t) <= 12 else None
    return _month_name(t) if t else None


def parse_month_year(text: str | None) -> tuple[int, int] | None:
    """(year, month) from ``January 2025``, ``Jan-25``, ``2025-01``, ``01/2025`` or an ISO date."""
    t = (text or "").strip()
    m = re.fullmatch(r"([A-Za-z]{3,9})\.?[\s,-]+(\d{4}|\d{2})", t)
    if m and _month_name(m.group(1)):
        return _year(m.group(2)), _month_name(m.group(1))  # type: ignore[return-value]
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-01(?:[ T]00:00(?::00)?)?)?", t)
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", t)
    if m and 1 <= int(m.group(1)) <= 12:
        return int(m.group(2)), int(m.group(1))
    return None


def count_row(row: Sequence[str | None]) -> tuple[str, str | None, int] | None:
    """('detections'|'hits', value text, label column) for a B1/B2 row, else None.

    ``B1 | "Detections" | 107472041``, ``Detections | 107,472,041`` and ``B2 | 31278`` all
    qualify; the value is the last cell after the label.
    """
    cs = [(j, c.strip()) for j, c in enumerate(row) if c is not None and c.strip()]
    if len(cs) < 2:
        return None
    what = None
    label_at = 0
    for k, (_, c) in enumerate(cs[:-1]):
        n = norm(c)
        if re.search(r"\bdetections?\b|plate reads?|\bscans?\b", n):
            what, label_at = "detections", k
            break
        if re.search(r"\bhits?\b", n):
            what, label_at = "hits", k
            break
    ident = item_id(cs[0][1], whole=True)
    if what is None and ident in ("B1", "B2"):
        what = "detections" if ident == "B1" else "hits"
    if what is None or (ident is not None and ident not in ("B1", "B2")):
        return None
    after = [c for _, c in cs[label_at + 1:]]
    # the first number-like cell after the label; else the first cell (reported as bad)
    value = next((c for c in after if _NUMBER_RE.match(c)), after[0] if after else None)
    return what, value.strip("\"'“”‘’ ") if value else None, cs[label_at][0]


def find_publisher(texts: Sequence[str]) -> str | None:
    """The responding agency a title names (``Mapleton CA PD - Response to …``)."""
    for t in texts:
        m = re.match(r"^\s*(?:agency|responding agency|department|agency name)\s*[:|]\s*(.+)$", t, re.I)
        if m:
            return m.group(1).strip(" .")
        m = _RESPONSE_TO.match(t)
        if m and not _NOT_AN_AGENCY.search(m.group(1)):
            return m.group(1).strip(" -–—:|,.")
    return None


def find_as_of(texts: Sequence[str]) -> dt.date | None:
    """The date of an 'as of <date>' / 'Date: <date>' line."""
    for t in texts:
        m = re.search(r"\b(?:as of|dated?|response date|prepared on)\b[:\s]*(.+)$", t, re.I)
        if m:
            dates = find_dates(m.group(1))
            if dates:
                return dates[0]
    return None


def day_end(day: dt.date) -> str:
    """The last instant of ``day`` (a stated end date is included), ISO text."""
    return dt.datetime.combine(day, dt.time.max).isoformat()


def month_end(year: int, month: int) -> str:
    """The last instant of a calendar month, ISO text."""
    return day_end(dt.date(year, month, calendar.monthrange(year, month)[1]))


def join_date_time(date: str | None, time: str | None) -> str | None:
    """One text from split Date and Time cells (an Excel date cell reads as ISO midnight)."""
    if date and time and len(date) == 19 and date.endswith(" 00:00:00"):
        date = date[:10]
    if date and time and len(date) == 10 and date[4] == "-" and date[7] == "-":
        # with a 12-hour time only the m/d/Y forms of the cell rules apply
        date = f"{int(date[5:7])}/{int(date[8:])}/{date[:4]}"
    return f"{date} {time}" if date and time else date or time
