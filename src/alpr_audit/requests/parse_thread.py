"""Reading a request thread: dates, the tracker's header, and the messages.

A thread saved from a tracker (MuckRock's page copied as text) looks like::

    ALPR Audits (Los Angeles Police Department)      <- title (agency in parentheses)
    Tracking # |
    25-2170 |                                         <- a label's value may wrap to the next line
    Multi Request | ALPR Audits |
    Submitted | Feb. 10, 2025 |
    Due | Feb. 20, 2025 |
    Est. Completion | April 18, 2025 |
    Communications
    From: Joey Scott                                  <- each message starts with "From:"
    ...

Plain request letters have no such header; their leading ``Label: value`` lines (``Re:``,
``Subject:``, ``To:``, ``Date:``, ``Tracking #:``) and a date-only line are read instead.

Dates are only ever taken from the text: a message without a date of its own gets
``sent_on = None`` (never the date of the thread or of a neighbour).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from alpr_audit.requests.model import Communication

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}

#: A calendar date as agencies and trackers write it: 2025-02-10, 2/10/2025, 2/10/25,
#: Feb. 10, 2025, February 10th 2025, 10 February 2025.
DATE_RE = re.compile(
    rf"""(?P<iso>\b(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})\b)
    |(?P<us>(?<![\d/.])(?P<um>\d{{1,2}})/(?P<ud>\d{{1,2}})/(?P<uy>\d{{4}}|\d{{2}})(?![\d/]))
    |(?P<mdy>\b(?P<mm>{_MONTH})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}})\b)
    |(?P<dmy>\b(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dm>{_MONTH})\.?,?\s+(?P<dy>\d{{4}})\b)""",
    re.I | re.X)

_WEEKDAY_OR_TIME = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?|"
    r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|\b(?:at|on|sent|date|[ap]m|[A-Z]{2,4}T)\b",
    re.I)


def date_from_match(m: re.Match[str]) -> dt.date | None:
    """The date a :data:`DATE_RE` match names, or None when it is no real day (2/30/2025)."""
    try:
        if m.group("iso"):
            return dt.date(int(m["iy"]), int(m["im"]), int(m["id"]))
        if m.group("us"):
            year = int(m["uy"])
            year += 2000 if year < 100 else 0  # two-digit years: requests are all post-2000
            return dt.date(year, int(m["um"]), int(m["ud"]))
        if m.group("mdy"):
            return dt.date(int(m["my"]), _MONTHS[m["mm"][:3].lower()], int(m["md"]))
        return dt.date(int(m["dy"]), _MONTHS[m["dm"][:3].lower()], int(m["dd"]))
    except ValueError:
        return None


def parse_date(text: str | None) -> dt.date | None:
    """The first real date written in ``text`` (None when there is none)."""
    for m in DATE_RE.finditer(text or ""):
        day = date_from_match(m)
        if day:
            return day
    return None


def date_only(line: str) -> dt.date | None:
    """The date when ``line`` says nothing but a date (with weekday/time decoration)."""
    m = DATE_RE.search(line)
    if not m:
        return None
    rest = _WEEKDAY_OR_TIME.sub(" ", line[:m.start()] + " " + line[m.end():])
    if re.search(r"[A-Za-z0-9]", rest):
        return None
    return date_from_match(m)


# --- header ----------------------------------------------------------------------------------

#: Header labels (lower case, trailing ':' and '#' spacing normalised) → request field.
_LABELS = {
    "tracking #": "tracking_no", "tracking number": "tracking_no", "tracking no": "tracking_no",
    "tracking no.": "tracking_no", "request #": "tracking_no", "request number": "tracking_no",
    "request no.": "tracking_no", "reference #": "tracking_no", "reference number": "tracking_no",
    "submitted": "submitted_on", "date submitted": "submitted_on", "filed": "submitted_on",
    "sent": "submitted_on", "date": "submitted_on",
    "received": "received_on", "date received": "received_on",
    "due": "due_on", "due date": "due_on",
    "est. completion": "estimated_on", "estimated completion": "estimated_on",
    "est completion": "estimated_on",
    "multi request": "batch", "multi-request": "batch",
    "status": "tracker_status",
    "agency": "agency", "to": "agency",
    "title": "title", "subject": "title", "re": "title",
}
_COLON_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z .#-]{0,24}?)\s*:\s*(.*?)\s*$")


@dataclass
class Header:
    """What a thread's header (or a letter's leading lines) says about the request."""

    fields: dict[str, str] = field(default_factory=dict)  # field name → text as written
    title_line: str | None = None
    dated_line: dt.date | None = None  # a letter's date-only line (the date it was sent)


def _label(text: str) -> str | None:
    key = re.sub(r"\s+", " ", text.strip().rstrip(":").lower())
    return _LABELS.get(key)


def parse_header(lines: list[str]) -> Header:
    """Read tracker header lines (``Label | value |``, the value possibly on the next line)
    and letter header lines (``Label: value``, a date-only line)."""
    head = Header()
    pending: str | None = None  # a label whose value is on the next line
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if "|" in line:
            cells = [c.strip() for c in line.split("|")]
            cells = [c for c in cells if c]
            if pending and cells and not _label(cells[0]):
                head.fields.setdefault(pending, cells[0])
                pending = None
                continue
            pending = None
            if cells and _label(cells[0]):
                name = _label(cells[0])
                if len(cells) > 1:
                    head.fields.setdefault(name, cells[1])  # type: ignore[arg-type]
                else:
                    pending = name
            continue
        pending = None
        m = _COLON_LABEL.match(line)
        if m and _label(m.group(1)) and m.group(2):
            head.fields.setdefault(_label(m.group(1)), m.group(2))  # type: ignore[arg-type]
            continue
        day = date_only(line)
        if day and head.dated_line is None:
            head.dated_line = day
            continue
        if head.title_line is None:
            head.title_line = line
    return head


# --- messages --------------------------------------------------------------------------------

_FROM = re.compile(r"^\s*From:\s*(.*?)\s*$")
_QUOTE_MARK = re.compile(r"^\s*(-{2,}\s*(original|forwarded) message|.*\bwrote:\s*$|>)", re.I)
_MSG_DATE = re.compile(r"^\s*(?:date|sent|sent on|received)\s*:\s*(.+)$", re.I)


@dataclass
class RawMessage:
    """One message cut from a thread, before it is classified."""

    sender: str | None
    lines: list[str]
    sent_on: dt.date | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


def _last_filled(lines: list[str], before: int) -> int | None:
    """Index of the last non-blank line before ``before`` (None when there is none)."""
    return next((j for j in range(before - 1, -1, -1) if lines[j].strip()), None)


def split_thread(lines: list[str]) -> tuple[list[str], list[RawMessage]]:
    """Header lines and the messages. A message starts at a ``From:`` line, unless that line
    belongs to a quoted earlier e-mail (after "-----Original Message-----" or "… wrote:").
    Its date is a ``Date:``/``Sent:`` line among its first lines, a date after ``|`` on the
    ``From:`` line, or a date-only line just before it (trackers print dates above messages)."""
    starts: list[int] = []
    for i, line in enumerate(lines):
        if not _FROM.match(line):
            continue
        before = _last_filled(lines, i)
        if starts and before is not None and _QUOTE_MARK.match(lines[before]):
            continue
        starts.append(i)
    if not starts:
        return lines, []
    header_end = starts[0]
    messages: list[RawMessage] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        sender_text = _FROM.match(lines[start]).group(1)  # type: ignore[union-attr]
        sent_on = None
        if "|" in sender_text:
            sender_text, _, rest = sender_text.partition("|")
            sent_on = parse_date(rest)
        sender = re.sub(r"\s*<[^>]*>\s*$", "", sender_text).strip() or None
        body = lines[start + 1:end]
        # A date-only line right before the next message is that message's date, not ours.
        last = _last_filled(body, len(body))
        if n + 1 < len(starts) and last is not None and date_only(body[last]):
            body = body[:last]
        prev = _last_filled(lines, start)
        if sent_on is None and prev is not None and date_only(lines[prev]):
            sent_on = date_only(lines[prev])
            if n == 0:
                header_end = prev
        for line in body[:4]:
            m = _MSG_DATE.match(line)
            if m and parse_date(m.group(1)):
                sent_on = sent_on or parse_date(m.group(1))
                break
        messages.append(RawMessage(sender, body, sent_on))
    return lines[:header_end], messages


# --- what a message says ---------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")

#: Communication kinds, tried in this order on an agency's message (first match wins). An
#: extension outranks the rest because it moves the legal deadline; a release outranks a
#: denial because partial releases cite exemptions for what they withhold.
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I | re.S)) for kind, pattern in (
        ("confirmation", r"submitted successfully|has been (successfully )?submitted|"
                         r"confirm(s|ing|ation of)? (the )?(receipt|submission)"),
        ("extension", r"unusual circumstances|extension of time|extend(ing)? the (time|deadline|"
                      r"response)|(fourteen|14)[- ]day extension|days? extension"),
        ("records_released", r"\b(records?|documents?|files?|responsive materials?)\b[^.]{0,80}"
                             r"\b(are|is|were|have been|has been)\s+(now\s+)?(attached|released|"
                             r"enclosed|uploaded|produced|available for (download|pick ?up))|"
                             r"please (find|see) (the )?(attached|enclosed)|\battached (are|is|"
                             r"please find)\b|(partial|final|first|second|rolling) (release|"
                             r"production|installment)"),
        ("denial", r"no (responsive|such) records|no records (responsive|were found|exist)|"
                   r"(unable|not able) to (locate|find|identify) any|(request|it) is (hereby )?"
                   r"denied|(deny|denying) (your|the|this) request|withh[eo]ld(ing)? (them|the "
                   r"records|all)? ?in (its|their) entirety|does not (maintain|possess|have) "
                   r"any"),
        ("fee", r"\bfees?\b[^.]{0,60}\b(due|owed|required|payment|pay|deposit|estimate)|"
                r"\b(invoice|payment is required|cost of duplication)"),
        ("acknowledgement", r"(was|has been|have) received|receipt of your|we received|"
                            r"acknowledg|will be assigned"),
        ("status", r"provide an update|update (you )?by|in the process of|anticipate|expect to|"
                   r"estimated (date|completion)|continu\w+ to (search|review|process|work)|"
                   r"still (searching|reviewing|processing|working)"),
    ))

_REQUEST_WORDS = re.compile(r"hereby request|request (the following|a copy|copies|access to|"
                            r"that you)|public records act|i am requesting|please provide", re.I)

_NEW_SECTION = r"79[23]\d\.\d{3}(?:\s*\([a-z0-9]{1,3}\))*"
_OLD_SECTION = r"62[5-7]\d(?:\.\d{1,2})?(?:\s*\([a-z0-9]{1,3}\))*"
_RANGE_TAIL = r"(?:\s*(?:-|–|—|through|to)\s*(?:79[23]\d)?\.\d{3}(?:\s*\([a-z0-9]{1,3}\))*)?"
_SECTION_RE = re.compile(rf"(?<![\d.])(?:{_NEW_SECTION}{_RANGE_TAIL}|(?P<old>{_OLD_SECTION}))"
                         r"(?![\d])", re.I)
_OLD_CONTEXT = re.compile(r"(gov(?:ernment|'t|\.)?\s*code|§|\bsec(?:tions?|s?\.)?)[^.]{0,60}$",
                          re.I)


def cited_sections(text: str) -> list[str]:
    """Government Code (CPRA) sections cited in ``text``, in order, each once.

    The CPRA's sections since 2023 (7920.000–7931.000) are recognised anywhere; the old ones
    (6250–6276.48, cited in pre-2023 threads) only after "Government Code", "§" or "Section"
    so that other four-digit numbers are not taken. Ranges ("7923.600-7923.625",
    "7923.600–.625", "7923.600 through 7923.625") and subdivisions ("7922.535(c)") are kept
    as written, with the dash normalised to "-" and "through"/"to" written as "-". Other
    codes' sections (Civil Code 1798.90.52, cited by ALPR requests) are not Government Code
    sections and are not collected.
    """
    found: list[str] = []
    for m in _SECTION_RE.finditer(text):
        if m.group("old") and not _OLD_CONTEXT.search(text[max(0, m.start() - 80):m.start()]):
            continue
        sec = re.sub(r"\s*(?:–|—|through|to)\s*|\s*-\s*", "-", m.group(0).strip(), flags=re.I)
        sec = re.sub(r"\s+(?=\()", "", sec)
        if sec not in found:
            found.append(sec)
    return found


_PROMISE = re.compile(r"(\bby|on or before|no later than|before|estimat\w*|expect\w*|"
                      r"anticipat\w*|will|target\w*)\b[^.;]{0,60}$", re.I)


def promised_date(text: str) -> dt.date | None:
    """The first date the message promises ("will provide an update by April 18, 2025",
    "on or before March 7, 2025"); dates that are only mentioned are not promises."""
    for m in DATE_RE.finditer(text):
        if _PROMISE.search(text[max(0, m.start() - 80):m.start()]):
            day = date_from_match(m)
            if day:
                return day
    return None


_RECEIVED_ON = re.compile(r"(received|receipt)\b[^.]{0,30}?\b(on|dated?)\s*:?\s*$", re.I)


def stated_received_on(text: str) -> dt.date | None:
    """A receipt date the agency states ("your request received on February 11, 2025")."""
    for m in DATE_RE.finditer(text):
        if _RECEIVED_ON.search(text[max(0, m.start() - 60):m.start()]):
            return date_from_match(m)
    return None


#: §7922.535(c)'s unusual circumstances, by the words agencies use for each.
_GROUNDS = (
    ("7922.535(c)(1)", r"field facilities|separate from the office processing"),
    ("7922.535(c)(2)", r"voluminous"),
    ("7922.535(c)(3)", r"consult\w* with another agency|two or more components"),
    ("7922.535(c)(4)", r"compil\w* data|writ\w* programming|construct\w* a computer report|"
                       r"extract (the )?data"),
    ("7922.535(c)(5)", r"(state of )?emergency"),
)


def extension_ground(text: str) -> str | None:
    """The §7922.535(c) ground an extension notice describes, e.g. "7922.535(c)(1)" for
    records held "separate from the office processing the request"; None when unclear."""
    for ground, pattern in _GROUNDS:
        if re.search(pattern, text, re.I):
            return ground
    return None


def classify_message(text: str, *, from_agency: bool, is_request: bool) -> str:
    """The communication kind of one message (see :data:`model.COMMUNICATION_KINDS`)."""
    if not from_agency:
        return "request" if is_request else "other"
    plain = _TAGS.sub(" ", text)
    for kind, pattern in _KIND_RULES:
        if pattern.search(plain):
            return kind
    return "other"


def looks_like_request(text: str) -> bool:
    """Whether a message reads as a records request (its opening words)."""
    return bool(_REQUEST_WORDS.search(text))


def build_communications(messages: list[RawMessage], agency: str | None,
                         ) -> tuple[list[Communication], str | None]:
    """Communications from the cut messages, and the requester's name.

    The requester is whoever sent the first message that reads as a request (else the first
    message); their messages go ``to_agency``, everyone else's come ``from_agency`` — so a
    thread is read correctly also when the agency's name is written differently in ``From:``.
    """
    if not messages:
        return [], None
    agency_key = (agency or "").strip().lower()
    first_request = next((m for m in messages if looks_like_request(m.text)
                          and (m.sender or "").strip().lower() != agency_key), messages[0])
    requester = first_request.sender
    comms: list[Communication] = []
    seen_request = False
    for seq, msg in enumerate(messages, 1):
        to_agency = msg.sender == requester and (msg.sender or "").lower() != agency_key \
            if agency_key else msg.sender == requester
        is_request = to_agency and not seen_request
        seen_request = seen_request or is_request
        kind = classify_message(msg.text, from_agency=not to_agency, is_request=is_request)
        comms.append(Communication(
            seq=seq,
            direction="to_agency" if to_agency else "from_agency",
            kind=kind,
            text=msg.text,
            sent_on=msg.sent_on,
            sender=msg.sender,
            cited_sections=cited_sections(msg.text),
            estimated_on=promised_date(_TAGS.sub(" ", msg.text)) if not to_agency else None,
        ))
    return comms, requester
