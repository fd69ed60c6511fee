"""The numbered items of a request: ids as written, text, what each asks for, its period.

Recognised item starts (at the start of a line):

- lettered template ids ``A1.`` … ``F9.`` (also ``A-1``, ``A1)``, ``A1:``) → ``A1``;
- numbers ``1.``, ``2)``, ``(3)``, ``Item 4:``, ``Request 5 -`` → ``1`` … ``5``; inside a
  ``Part C`` section a number already used elsewhere becomes ``C1`` (ids stay unique);
- letters ``(a)``, ``b.`` → ``a``, ``b``, or ``3a``, ``3b`` when they follow an item ending
  in ":" (a lead-in such as "3. Records of sharing, including:");
- bullets (``-``, ``•``, ``*`` …) → ``R1``, ``R2``, ``R3`` in order through the request. The
  standard ALPR template ends with "Records of:" and three bullets (officers with access,
  audits, access by other agencies); R stands for those "Records of" items. Bullets under a
  lead-in item are lettered like ``(a)`` instead.

An item runs on over the following lines only while they continue it (a hard-wrapped
line, a lower-case continuation); a blank line, a ``Part X`` heading, a new item or a new
paragraph ends it — so the template's explanatory paragraphs between items are not items.
Whatever is not recognised as a kind is kept with kind ``other`` (answered by hand).
"""

from __future__ import annotations

import datetime as dt
import re

from alpr_audit.requests.model import RequestItem
from alpr_audit.requests.parse_thread import DATE_RE, date_from_match

_LETTERED = re.compile(r"^\s*(?P<L>[A-F])[-.]?(?P<n>\d{1,2})(?:\s*[.):\-–]\s*|\s+)"
                       r"(?![A-F]?\d)(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^\s*(?:(?:item|request)\s*(?:no\.?|number|#)?\s*(?P<n1>\d{1,2})"
                       r"\s*[.):\-–]|(?P<n2>\d{1,2})\s*[.)]|\((?P<n3>\d{1,2})\))"
                       r"\s+(?P<text>\S.*)$", re.I)
_LETTER = re.compile(r"^\s*(?:\((?P<p>[a-z])\)|(?P<d>[a-z])[.)])\s+(?P<text>\S.*)$")
_BULLET = re.compile(r"^\s*[-•*–·▪●◦‣]\s+(?P<text>\S.*)$")
_PART = re.compile(r"^\s*part\s+(?P<part>[A-Z])\b\s*(?:[-–—:.]|$)", re.I)
_TAIL = re.compile(r"\s*[;,]\s*(?:and|or)?\s*$")


# --- what an item asks for -------------------------------------------------------------------

_HOT = re.compile(r"hot[\s-]?lists?", re.I)
_IN = re.compile(r"from (which|whom)\b|\b(receives?|receiving|obtains?|obtaining)\b|"
                 r"access(es|ing)? (to )?other agencies|shared with (the|your|this) "
                 r"(agency|department)", re.I)
_OUT = re.compile(r"(with|to) (which|whom)\b[^.;]{0,60}\b(shares?|sharing|provides?|sends?|"
                  r"disseminat\w*|gives?|transfers?|grants?)\b|\b(shares?|sharing|provides?|"
                  r"disseminat\w*|transfers?)\b[^.;]{0,60}\b(with|to)\b", re.I)
_SHARING = re.compile(r"\bshar(e|es|ed|ing)\b|\breceiv|disseminat|exchang|\bobtain", re.I)

#: Kinds decided by words alone, tried in order after the sharing kinds.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p, re.I)) for k, p in (
    ("hits", r"\bhits?\b|hit ratio|\balerts?\b|hot[\s-]?list (matches|alerts)"),
    ("detections", r"\bdetections?\b|plate (reads?|scans?|captures?)|\b(scans|reads)\b|"
                   r"(license )?plates? (captured|collected|read|scanned)"),
    ("access_records", r"records? of access|1798\.90\.52\s*\(a\)|(search|query|access|audit) "
                       r"(logs?|trails?|histor)|log of (each|all|every) (search|query|access)"),
    ("audits", r"\baudit"),
))
_PERSON = re.compile(r"\b(officers?|users?|personnel|employees|staff|individuals|persons|"
                     r"people|accounts?|analysts?)\b", re.I)
_ACCESS = re.compile(r"\b(access|authori[sz]ed|permissions?|log-?ins?|credentials?|accounts?|"
                     r"trained|training)\b", re.I)
_EXTERNAL = re.compile(r"\b(other|external|outside|partner|federal|outside) (law enforcement )?"
                       r"agenc|\bfederal\b|\bICE\b|homeland security|\bDHS\b|\bCBP\b", re.I)
_AGREEMENTS = re.compile(r"\bagreements?\b|memorand|\bmous?\b|certif(y|ying|ied|ication)",
                         re.I)


def classify_item(text: str) -> str:
    """The kind of record an item asks for (one of ``model.ITEM_KINDS``).

    Order matters: agreements name sharing partners, hot-list sharing names hot lists, and
    "how many hits" mentions hot lists — the more specific reading is tried first.
    """
    t = text.replace("“", '"').replace("”", '"').replace("’", "'")
    if _AGREEMENTS.search(t):
        return "agreements"
    if _HOT.search(t) and (_IN.search(t) or _OUT.search(t)) and not re.search(
            r"\bhits?\b|match", t, re.I):
        return "hotlist_in" if _IN.search(t) else "hotlist_out"
    if _SHARING.search(t) and (_IN.search(t) or _OUT.search(t)):
        return "sharing_in" if _IN.search(t) else "sharing_out"
    for kind, pattern in _RULES:
        if pattern.search(t):
            return kind
    if _PERSON.search(t) and _ACCESS.search(t):
        return "users"
    if _EXTERNAL.search(t):
        return "external_access"
    return "other"


# --- the period an item names ----------------------------------------------------------------

_YEAR = r"(?<![\d.$/-])(?:19|20)\d{2}(?![\d/]|\.\d)"
_POINT = rf"(?:{DATE_RE.pattern}|(?P<year>{_YEAR}))"
_OPEN_END = (r"(?:today'?s date|today|the (?:date|time) of (?:processing|this request|your "
             r"response|production|response)|the present|present|date|now|the current date|"
             r"current)")
_POINT_RE = re.compile(_POINT, re.I | re.X)
_RANGE_SEP = re.compile(r"^\s*(?:to|until|till|through|thru|-|–|—|and)\s*", re.I)
_OPEN_RE = re.compile(rf"^\s*{_OPEN_END}\b", re.I)
_SINCE = re.compile(r"\b(?:since|after|beginning(?: in| on)?|starting(?: in| on)?|from)\s*$",
                    re.I)
_IN_YEAR = re.compile(r"\b(?:in|for|during)\s+(?:calendar\s+|the\s+)?(?:year\s+)?$", re.I)


def _point(m: re.Match[str], *, end: bool) -> dt.date | None:
    if m.group("year"):
        year = int(m.group("year"))
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    return date_from_match(m)


def item_period(text: str) -> tuple[dt.date | None, dt.date | None]:
    """(period_start, period_end) an item asks for; None where it says nothing.

    "2019 to today's date" and "from 2019 until the date of processing" are open ranges
    (2019-01-01, None): the end is whenever the agency processes the request. A year as a
    start means its January 1, as an end its December 31; "in 2021" is the whole year;
    "since 2020" is open-ended. Relative periods ("the past two years") are not resolved.
    """
    t = text.replace("’", "'")
    for m in _POINT_RE.finditer(t):
        start = _point(m, end=False)
        if start is None:
            continue
        rest = t[m.end():]
        sep = _RANGE_SEP.match(rest)
        if sep:
            after = rest[sep.end():]
            if _OPEN_RE.match(after):
                return start, None
            m2 = _POINT_RE.match(after)
            if m2:
                return start, _point(m2, end=True)
        before = t[:m.start()]
        if _IN_YEAR.search(before) and m.group("year"):
            return start, _point(m, end=True)
        if _SINCE.search(before):
            return start, None
    return None, None


# --- cutting items out of the request --------------------------------------------------------


def _continues(prev: str, nxt: str, width: int) -> bool:
    """Whether line ``nxt`` continues the item whose last line is ``prev``."""
    prev = prev.rstrip()
    if nxt[:1].islower() or prev.endswith((",", "-", "–", "—")):
        return True
    if re.search(r"\b(and|or|of|the|to|for|in|by|with|from|a|an)$", prev, re.I):
        return True
    # Hard-wrapped mail: a line that was broken because the next word did not fit, and that
    # does not end a sentence, runs on; a short line ends its paragraph.
    first_word = nxt.split(maxsplit=1)[0] if nxt.split() else ""
    if width >= 50 and len(prev) + 1 + len(first_word) > width:
        return not prev.endswith((".", ";", ":", "!", "?"))
    return False


def _clean(text: str) -> str:
    return _TAIL.sub("", re.sub(r"\s+", " ", text).strip())


def parse_items(text: str) -> list[RequestItem]:
    """Every item of a request text, in order, with kind and period (see module doc)."""
    lines = text.splitlines()
    width = max((len(x.rstrip()) for x in lines), default=0)
    width = width if width <= 100 else 0  # lines longer than mail's wrap: one line per paragraph
    items: list[RequestItem] = []
    parts: list[list[str]] = []  # the text lines of each item
    used: set[str] = set()
    part: str | None = None
    parent: RequestItem | None = None  # a lead-in item ("…, including:") its sub-items follow
    last_letter: str | None = None
    open_item = False
    bullets = 0
    last_raw = ""  # the previous line as written (with its item marker): wrap width counts it

    def add(item_id: str, first: str, top: bool) -> None:
        nonlocal open_item, parent, last_letter
        if item_id in used:
            item_id = f"{part}{item_id}" if part and not item_id.startswith(part) else item_id
            n = 2
            base = item_id
            while item_id in used:
                item_id, n = f"{base}-{n}", n + 1
        used.add(item_id)
        item = RequestItem(item_id=item_id, text=first)
        items.append(item)
        parts.append([first])
        open_item = True
        if top:
            parent = item if first.rstrip().endswith(":") else None
            last_letter = None

    for raw in lines:
        line = raw.strip()
        prev_raw, last_raw = last_raw, raw.rstrip()
        if not line:
            open_item = False
            continue
        m = _PART.match(line)
        if m:
            part, parent, open_item = m.group("part").upper(), None, False
            continue
        m = _LETTERED.match(line)
        if m:
            add(f"{m['L']}{int(m['n'])}", m["text"], top=True)
            continue
        m = _NUMBERED.match(line)
        if m:
            add(str(int(m["n1"] or m["n2"] or m["n3"])), m["text"], top=True)
            continue
        m = _LETTER.match(line)
        if m and (m["p"] or m["d"] in ("a", _next_letter(last_letter))):
            letter = m["p"] or m["d"]
            last_letter = letter
            add(f"{parent.item_id}{letter}" if parent else letter, m["text"], top=False)
            continue
        m = _BULLET.match(line)
        if m:
            if parent:
                last_letter = _next_letter(last_letter) or "a"
                add(f"{parent.item_id}{last_letter}", m["text"], top=False)
            else:
                bullets += 1
                add(f"R{bullets}", m["text"], top=False)
            continue
        if open_item and _continues(prev_raw, line, width):
            parts[-1].append(line)
            continue
        open_item, parent = False, None  # a paragraph of its own: explanation, not an item

    for item, text_lines in zip(items, parts, strict=False):
        item.text = _clean(" ".join(text_lines))
        item.kind = classify_item(item.text)
        item.period_start, item.period_end = item_period(item.text)
    return items


def _next_letter(letter: str | None) -> str | None:
    if letter is None:
        return None
    return chr(ord(letter) + 1) if letter < "z" else None
