"""Read a saved Flock transparency-portal page (``transparency.flocksafety.com/<slug>``).

The page is a list of cards, each a short bold label followed by its value (``What's
Detected`` → ``License Plates, Vehicles``). Agencies rename the labels freely ("Number of LPR
and other cameras", "Number of Owned Cameras", "Data Retention (days)", "Unique vehicles
detected in the last 30 days", "Organizations granted access to <Agency> data" …) and leave
cards out, so a card is recognised by what its label *means* (:data:`LABEL_RULES`), never by
its position. Fields a page does not show stay ``None``; a card whose label says the list is
empty ("None: Alameda does not share with outside agencies") gives an empty list.

This module only parses (lxml); :mod:`.portal_page` turns the result into stage rows.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from alpr_audit.agencies.names import STATES
from alpr_audit.core.cells import cell_state, parse_int

#: Text fields of ``portal_snapshots`` (whitespace-normalised plain text).
TEXT_FIELDS = ("what_detected", "what_not_detected", "acceptable_use", "prohibited_uses",
               "access_policy", "hotlist_policy")
#: Count fields of ``portal_snapshots``.
NUMBER_FIELDS = ("retention_days", "camera_count", "vehicles_30d", "hits_30d", "searches_30d")

# Label meaning → field, first match wins. The order resolves overlaps: "Vehicles detected"
# is a count, not the "What's detected" policy; "Hotlist Policy" is not "Hotlists alerted
# on"; partners *sharing their data with* the agency (inbound) before the outbound phrasings
# ("… share with", "granted access").
LABEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rx, re.I)) for name, rx in (
        ("sharing_none", r"^none\b.*\b(share|sharing|shared)\b|\bdoes not share\b"),
        ("vehicles_30d", r"\bvehicles?\b.*\bdetected\b|\bplate reads\b|\bunique vehicles\b"),
        ("what_not_detected", r"\bnot detected\b"),
        ("what_detected", r"^what[’']?s detected$|^what is detected$|^detected$"),
        ("acceptable_use", r"\bacceptable use"),
        ("prohibited_uses", r"\bprohibited\b"),
        ("hotlist_policy", r"\bhot ?-?lists? policy\b"),
        ("access_policy", r"\baccess policy\b"),
        ("retention_days", r"\bretention\b"),
        ("hotlists", r"\bhot ?-?lists? alerted\b|\balerted on\b"),
        ("hits_30d", r"\bhits\b"),
        ("searches_30d", r"\bsearches\b"),
        ("camera_count", r"\bcameras?\b|\blprs\b"),
        ("sharing_in", r"\bsharing (their|its) data\b|\breceiv\w* (network )?data from\b"
                       r"|\bdata (shared with|received by)\b"),
        ("sharing_out", r"\bgranted access\b|\bwith access\b|\bhave access\b|\bexternal access\b"
                        r"|\bshares? with\b|\bsharing (network )?data with\b"),
        ("search_audit", r"\bsearch audit\b"),
    )
)

# A label is short; longer bold text is content, not a card title.
_MAX_LABEL = 150
_BLOCK_TAGS = {"div", "p", "li", "ul", "ol", "tr", "table", "section", "article", "h1", "h2",
               "h3", "h4", "h5", "h6", "dd", "dt", "header", "footer", "blockquote"}
_SECTION_TITLES = {"overview", "policies", "usage", "additional info", "additional information"}
_LABEL_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "dt", "th", "strong", "b", "label", "span",
               "div"}
# "Name LLC" written with a comma ("Topgolf USA El Segundo, LLC") — rejoin the suffix.
_SUFFIX = re.compile(r"^(LLC|L\.L\.C\.?|Inc\.?|Corp\.?|Ltd\.?|Co\.?)$", re.I)
# "University of California, Berkeley": a campus after a university named for a state.
_STATE_UNIVERSITY = re.compile(
    r"\b(University of|State University)\s*(" + "|".join(map(re.escape, STATES.values()))
    + r")?$", re.I)
_AGENCY_WORD = re.compile(r"\b(PD|SO|SD|DA|DPS|police|sheriff|department|office|county)\b"
                          r"|\b[A-Z]{2}\b", re.I)
_DATE_FORMATS = ("%a %b %d %Y", "%b %d %Y", "%B %d %Y", "%A %B %d %Y", "%a %B %d %Y",
                 "%m/%d/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SAVED_DATE = re.compile(r"saved date:\s*([^\n>]{6,60})", re.I)  # SingleFile's header comment


@dataclass
class PortalPage:
    """What one saved portal page says. ``None`` = the page has no such card."""

    agency_name: str | None = None
    last_updated: dt.date | None = None
    saved_on: dt.date | None = None  # a capture date the saved file itself states
    texts: dict[str, str | None] = field(default_factory=dict)
    numbers: dict[str, int | None] = field(default_factory=dict)
    hotlists: list[str] | None = None
    sharing_out: list[str] | None = None
    sharing_in: list[str] | None = None
    sharing_labels: dict[str, str] = field(default_factory=dict)  # direction → label
    policy_links: list[str] = field(default_factory=list)
    has_search_audit: bool = False
    csv_links: list[tuple[str, str]] = field(default_factory=list)  # (download name, data: URI)
    labels: dict[str, str] = field(default_factory=dict)  # field → label as written
    unknown_labels: list[str] = field(default_factory=list)


def norm_space(text: str) -> str:
    """Whitespace (incl. NBSP, newlines) collapsed to single spaces, trimmed."""
    return " ".join(text.replace("\u200b", "").split())


def classify_label(label: str) -> str | None:
    """The field a card label means (see :data:`LABEL_RULES`), or None."""
    text = norm_space(label).rstrip(":")
    for name, rx in LABEL_RULES:
        if rx.search(text):
            return name
    return None


_PORTAL_TITLE = re.compile(r"<title>\s*Flock Safety\s*[-–—|]\s*[^<]*Transparency Portal\s*</title>",
                           re.I)
_CARD_LABELS = ("what's detected", "what’s detected", "what&#x27;s detected", "what&#39;s detected",
                "hotlists alerted on", "acceptable use policy", "prohibited uses",
                "in the last 30 days", "data retention")


def looks_like_portal(text: str) -> bool:
    """Cheap content test on the start of a file: a Flock transparency-portal page.

    Its ``<title>`` (``Flock Safety - <Agency> Transparency Portal``), Flock's own
    ``utm_medium=transparency_portal`` link, or two card labels next to a Flock mention. A
    news article *about* portals names neither the title form nor the cards.
    """
    if _PORTAL_TITLE.search(text):
        return True
    low = text.lower()
    if "flock" not in low:
        return False
    if "utm_medium=transparency_portal" in low:
        return True
    return sum(1 for lab in _CARD_LABELS if lab in low) >= 2


def parse_page(html: bytes | str) -> PortalPage:
    """Parse a saved portal page. Raises ``ValueError`` when the bytes are no HTML document."""
    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.fromstring(html, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ValueError(f"not an HTML document: {exc}") from exc
    # libxml2 stops reading at a fatal error (elements nested deeper than 256, …) and returns
    # the tree so far: the cards after that point would be lost without a word
    fatal = [e for e in parser.error_log if e.level == etree.ErrorLevels.FATAL]
    if fatal:
        raise ValueError(f"the HTML parser stopped at line {fatal[0].line}: "
                         f"{fatal[0].message.strip()}; the rest of the page cannot be read")
    page = PortalPage()
    page.saved_on = _saved_date(html)
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    page.agency_name = _agency_name(root)
    page.last_updated = _last_updated(root)
    _read_cards(root, page)
    page.csv_links = [((a.get("download") or "").strip() or "embedded.csv", a.get("href").strip())
                      for a in root.xpath('//a[starts-with(normalize-space(@href), "data:")]')
                      if _is_csv_link(a)]
    page.has_search_audit = page.has_search_audit or bool(page.csv_links)
    page.policy_links = _policy_links(root)
    return page


# --- page parts ----------------------------------------------------------------------------

def _agency_name(root: etree._Element) -> str | None:
    for h1 in root.xpath("//header//h1|//h1"):
        name = norm_space(h1.text_content())
        if name:
            return name
    title = root.findtext(".//title") or ""
    m = re.match(r"^\s*Flock Safety\s*[-–—|]\s*(.+?)\s+Transparency Portal\s*$", title, re.I)
    return norm_space(m.group(1)) if m else None


def parse_date(text: str | None) -> dt.date | None:
    """A calendar date from the forms portals print (``Sun Apr 19 2026``, ``April 19, 2026`` …)."""
    if not text:
        return None
    clean = norm_space(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " ")))
    m = re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}", clean)
    candidates = [m.group(0)] if m else []
    words = clean.split()
    # "Sun Apr 19 2026 10:32:00 GMT-0700 (…)": the date is the first 3 or 4 words
    candidates += [" ".join(words[:n]) for n in (4, 3)]
    for cand in candidates:
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(cand, fmt).date()
            except ValueError:
                continue
    return None


def _last_updated(root: etree._Element) -> dt.date | None:
    for el in root.xpath('//*[contains(translate(text(), "LASTUPD", "lastupd"), "last updated")]'):
        text = norm_space(el.text_content())
        m = re.search(r"last updated\s*:?\s*(.+)$", text, re.I)
        if m and (day := parse_date(m.group(1))):
            return day
    return None


def _saved_date(html: bytes | str) -> dt.date | None:
    """The capture date a saving tool wrote into the file (SingleFile's ``saved date:``
    comment), searched in the raw text: comments outside ``<html>`` are not in the tree."""
    text = html if isinstance(html, str) else html.decode("utf-8", errors="replace")
    for comment in _COMMENT.finditer(text):
        m = _SAVED_DATE.search(comment.group(0))
        if m and (day := parse_date(m.group(1))):
            return day
    return None


def block_text(el: etree._Element) -> str:
    """Text of an element with line breaks where blocks and ``<br>`` break it."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        elif tag:
            block = tag in _BLOCK_TAGS
            if block:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if block:
                parts.append("\n")

    walk(el)
    return "".join(parts)


def _value_nodes(label: etree._Element) -> list[etree._Element]:
    """The elements after a label that hold its value (its following siblings).

    A label wrapped alone in its own container (``<div><p>Label</p></div><div>value</div>``)
    is looked up from that container.
    """
    node = label
    for _ in range(3):
        siblings = list(node.itersiblings())
        if siblings:
            return siblings
        parent = node.getparent()
        if parent is None or len([c for c in parent if isinstance(c.tag, str)]) != 1:
            break
        node = parent
    return []


def _is_label(el: etree._Element) -> bool:
    if not isinstance(el.tag, str) or el.tag not in _LABEL_TAGS:
        return False
    # a label holds only text (and inline markup), never nested blocks
    if any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el.iterdescendants()):
        return False
    text = norm_space(el.text_content())
    return 0 < len(text) <= _MAX_LABEL


def _read_cards(root: etree._Element, page: PortalPage) -> None:
    body = root.find(".//body")
    scope = body if body is not None else root
    cards: list[tuple[bool, str, str | None, list[etree._Element]]] = []
    for el in scope.iter():
        if not _is_label(el) or el.xpath("ancestor::header|ancestor::footer"):
            continue
        nodes = _value_nodes(el)
        if nodes:
            label = norm_space(el.text_content())
            cards.append((_is_bold(el), label, classify_label(label), nodes))
    # Card titles are bold; a sentence of a value that happens to mention "hits" is not. Pages
    # saved without their inline styles have no bold at all: then every candidate counts.
    if any(bold and name for bold, _, name, _ in cards):
        cards = [c for c in cards if c[0]]
    for bold, label, name, nodes in cards:
        if name is None:
            # a card we do not read (success stories, disclaimers …): listed, not lost
            # silently; section titles and policy-link cards are read elsewhere
            linked = any(n.xpath(".//a[starts-with(@href, 'http')]") for n in nodes)
            if bold and not linked and label.lower() not in _SECTION_TITLES \
                    and label not in page.unknown_labels:
                page.unknown_labels.append(label)
            continue
        _store(page, name, label, "\n".join(block_text(n) for n in nodes))


def _is_bold(el: etree._Element) -> bool:
    if el.tag in ("strong", "b", "h2", "h3", "h4", "h5", "h6", "dt", "th", "label"):
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    m = re.search(r"font-weight:(\d+|bold)", style)
    return bool(m and (m.group(1) == "bold" or int(m.group(1)) >= 500))


def _store(page: PortalPage, name: str, label: str, value: str) -> None:
    if name == "search_audit":
        page.has_search_audit = True
        return
    if name == "sharing_none":
        direction = "sharing_in" if re.search(r"\breceiv|\bfrom\b", label, re.I) else "sharing_out"
        if getattr(page, direction) is None:
            setattr(page, direction, [])
            page.sharing_labels[direction] = label
        return
    page.labels[name] = label
    if name in TEXT_FIELDS:
        written = norm_space(value)
        text = None if cell_state(written) != "value" else written
        old = page.texts.get(name)
        # the same card twice (aliases): keep both texts rather than lose one
        page.texts[name] = text if not old else (f"{old} {text}" if text else old)
    elif name in NUMBER_FIELDS:
        number = parse_count(value)
        # a later card of the same meaning is the fuller one ("LPR cameras" then "LPR and
        # other cameras"), unless it holds no number
        if number is not None or name not in page.numbers:
            page.numbers[name] = number
    elif name == "hotlists":
        page.hotlists = _merge(page.hotlists, split_list(value))
    elif name in ("sharing_out", "sharing_in"):
        setattr(page, name, _merge(getattr(page, name), split_names(value)))
        page.sharing_labels.setdefault(name, label)


def _merge(old: list[str] | None, new: list[str]) -> list[str]:
    return new if old is None else old + new


def _paragraphs(value: str) -> list[str]:
    """Value lines; a leading description sentence ("Organizations granted access to … data.")
    above the real value (the 2026 page layout) is dropped."""
    lines = [norm_space(x) for x in value.split("\n")]
    lines = [x for x in lines if x]
    if len(lines) >= 2 and lines[0].endswith(".") and not re.search(r"\d", lines[0][-3:]):
        lines = lines[1:]
    return lines


def parse_count(value: str) -> int | None:
    """A count from a card value (``508,706``, ``30 days``), by the shared cell rules."""
    lines = _paragraphs(value)
    for line in lines:  # a line that is only a number
        if (n := parse_int(line)) is not None:
            return n
    for line in lines:  # "30 days"
        m = re.fullmatch(r"([\d][\d,. ]*)\s*(days?|cameras?|searches|vehicles)?", line, re.I)
        if m and (n := parse_int(m.group(1))) is not None:
            return n
    if len(lines) == 1:  # one short sentence holding one number: "Retained for 30 days"
        found = re.findall(r"\d[\d,]*", lines[0])
        if len(found) == 1:
            return parse_int(found[0])
    return None


def split_list(value: str) -> list[str]:
    """Items of a comma- or line-separated list; empty sentinels give no items."""
    lines = _paragraphs(value)
    if len(lines) >= 2 and sum("," not in x for x in lines) >= 0.8 * len(lines):
        items = lines  # one item per line
    else:
        items = [p.strip() for p in ", ".join(lines).split(",")]
    items = [i for i in items if i]
    if len(items) == 1 and (cell_state(items[0]) != "value" or items[0].lower() == "none"):
        return []
    return items


def split_names(value: str) -> list[str]:
    """Partner names of a sharing card, with names that contain a comma rejoined.

    Names are kept as written (inner spacing included), only trimmed.
    """
    lines = [x.strip() for x in value.split("\n") if x.strip()]
    if len(lines) >= 2 and lines[0].endswith(".") and norm_space(lines[0]).lower().startswith(
            ("organizations", "agencies")):
        lines = lines[1:]  # the 2026 layout's description sentence
    if len(lines) >= 3 and sum("," not in x for x in lines) >= 0.8 * len(lines):
        parts = lines
    else:
        parts = [p.strip() for p in ",".join(lines).split(",")]
    names: list[str] = []
    for part in parts:
        if not part:
            continue
        if names and (_SUFFIX.match(part) or (_STATE_UNIVERSITY.search(names[-1])
                                              and not _AGENCY_WORD.search(part))):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    if len(names) == 1 and (cell_state(names[0]) != "value" or names[0].lower() == "none"):
        return []
    return names


def _is_csv_link(a: etree._Element) -> bool:
    href = (a.get("href") or "").strip()
    head = href[5:].split(",", 1)[0].lower()
    return head.startswith(("text/csv", "application/csv", "text/comma-separated-values")) or (
        (a.get("download") or "").lower().endswith(".csv"))


def _policy_links(root: etree._Element) -> list[str]:
    """Web links of the page's content (policy documents), not Flock's own header/footer."""
    links: list[str] = []
    for a in root.xpath("//a[@href]"):
        href = a.get("href").strip()
        if not href.lower().startswith(("http://", "https://")):
            continue
        if a.xpath("ancestor::header|ancestor::footer"):
            continue
        host = urllib.parse.urlsplit(href).netloc.lower()
        if host.endswith("flocksafety.com") and "utm_" in href:
            continue  # "Provided by Flock Safety"
        if href not in links:
            links.append(href)
    return links
