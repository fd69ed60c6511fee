"""Parse a records request — a plain request text or a whole saved thread — into the model.

``parse_request`` reads what the text says and nothing more: dates it does not give stay
None, items it cannot classify are kept with kind ``other``. Thread reading (header,
messages, dates, sections) is in :mod:`.parse_thread`; items in :mod:`.parse_items`.
"""

from __future__ import annotations

import re

from alpr_audit.requests.model import Communication, RecordsRequest, RequestItem
from alpr_audit.requests.parse_items import classify_item, item_period, parse_items
from alpr_audit.requests.parse_thread import (
    RawMessage,
    build_communications,
    parse_date,
    parse_header,
    split_thread,
    stated_received_on,
)

__all__ = ["parse_request", "derive_status"]

#: The status a request is in after a communication of each kind (None: no change).
_STATUS_AFTER = {
    "request": "submitted",
    "confirmation": "submitted",
    "acknowledgement": "acknowledged",
    "extension": "extended",
    "status": "processing",
    "fee": "processing",
    "records_released": "done",
    "denial": "rejected",
    "other": None,
}
_PARTIAL = re.compile(r"\b(partial|first|second|rolling|installment|additional records will)\b",
                      re.I)
_NO_RECORDS = re.compile(r"no (responsive|such) records|no records (responsive|were found|exist)|"
                         r"(unable|not able) to (locate|find|identify) any|does not (maintain|"
                         r"possess|have) any", re.I)
_SALUTATION = re.compile(r"^\s*(dear\b|to whom|hello|hi\b|greetings|pursuant|under the|please\b|"
                         r"this is a request|i (hereby )?request)", re.I)
_AGENCYISH = re.compile(r"\b(police|sheriff'?s?|department|office|agency|city of|county of|"
                        r"district attorney|highway patrol|marshal)\b", re.I)
_ADDRESS = re.compile(r"custodian|records? (unit|section|division)|\battn\b|attention|"
                      r"\b\d+\s+\w+\s+(st|street|ave|avenue|blvd|road|rd|way)\b", re.I)
_TITLE_AGENCY = re.compile(r"^(?P<title>.*?)\s*\((?P<agency>[^()]{3,})\)\s*$")
_TRACKING_IN_TEXT = re.compile(
    r"\brequests?\s*(?:#|no\.|number)\s*:?\s*(?P<no>[A-Z0-9][\w-]*\d[\w-]*)", re.I)


def derive_status(comms: list[Communication]) -> str:
    """The request's status after its latest communication that changes it.

    A release that says it is partial (an installment, more to follow) is ``partial``; a
    denial for want of records is ``no_records``. Requester follow-ups change nothing.
    ``overdue`` is not derived here: it depends on the day asked (see ``tracking``).
    """
    status = "submitted"
    for c in comms:
        after = _STATUS_AFTER.get(c.kind) if c.direction == "from_agency" or c.kind == "request" \
            else None
        if after == "done" and _PARTIAL.search(c.text):
            after = "partial"
        elif after == "rejected" and _NO_RECORDS.search(c.text):
            after = "no_records"
        if after:
            status = after
    return status


def _letter_header_end(lines: list[str]) -> int:
    """Where a plain letter's leading lines (Re:, To:, date) end and its body begins."""
    for i, line in enumerate(lines):
        s = line.strip()
        if _SALUTATION.match(s) or len(s) > 120 or re.match(r"^\s*([A-F]?\d{1,2}|\(\w\))[.)]?\s",
                                                             s):
            return i
    return 0


def parse_request(text: str, *, source: str | None = None) -> RecordsRequest:
    """Parse a request text or a saved request thread.

    - title: the tracker's first header line without its "(Agency)" parenthesis, a letter's
      ``Re:``/``Subject:`` line, else "Records request";
    - agency: the title's parenthesis, a ``To:``/``Agency:`` line, a letter's address line
      naming an agency, else the sender of the agency's messages;
    - tracking_no, submitted_on, due_on, estimated_on: as the tracker header states them
      (due_on is the tracker's figure; ``tracking`` computes the statutory one); without a
      header, tracking_no is the "request #…" an agency message names, submitted_on the
      first message's or the letter's date, estimated_on the latest date an agency message
      promises;
    - received_on only when the text states a receipt date (else None; ``tracking`` then
      starts the clock at submitted_on);
    - batch_id: the tracker's "Multi Request" name, as written;
    - items from the first message to the agency (or the whole text of a plain request);
      a request with no recognisable item becomes one item ``1`` holding its text;
    - communications: one per ``From:`` message; a plain text is one ``request``;
    - status from the latest communication (:func:`derive_status`).

    ``source`` names the file for the caller's messages; it is not stored here.
    """
    del source  # the parse depends on the text alone; tracking records the file
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head_lines, messages = split_thread(lines)
    if messages:
        # "Communications" and tracker boilerplate close the header; they are no field.
        head_lines = [x for x in head_lines if x.strip().lower() != "communications"]
        header = parse_header(head_lines)
        title_line = header.title_line
    else:
        cut = _letter_header_end(lines)
        header = parse_header(lines[:cut])
        title_line = header.title_line
        if title_line and (_AGENCYISH.search(title_line) or _ADDRESS.search(title_line)):
            title_line = None  # the letter's address block, not its subject
        # A letter's address block names the agency ("Irvine Police Department").
        addressee = next((x.strip() for x in lines[:cut] if _AGENCYISH.search(x)
                          and ":" not in x and len(x.strip()) <= 80), None)
        if addressee:
            header.fields.setdefault("agency", addressee)
        messages = [RawMessage(sender=None, lines=lines, sent_on=header.dated_line)]

    f = header.fields
    title = (f.get("title") or title_line or "").strip()
    agency = f.get("agency")
    m = _TITLE_AGENCY.match(title)
    if m:
        title, agency = m["title"], agency or m["agency"]
    comms, _requester = build_communications(messages, agency)
    if not agency:
        senders = [c.sender for c in comms if c.direction == "from_agency" and c.sender]
        agency = max(set(senders), key=senders.count) if senders else None
    if len(comms) == 1 and comms[0].sender is None:
        # A plain request text: the whole text is the request, sent by its writer.
        comms[0].kind, comms[0].direction = "request", "to_agency"

    request_msg = next((c for c in comms if c.kind == "request"), comms[0] if comms else None)
    items = parse_items(request_msg.text) if request_msg else []
    if not items and request_msg and request_msg.text.strip():
        body = request_msg.text.strip()
        start, end = item_period(body)
        items = [RequestItem("1", body, classify_item(body), start, end)]

    submitted = parse_date(f.get("submitted_on")) or header.dated_line or (
        request_msg.sent_on if request_msg else None)
    received = parse_date(f.get("received_on")) or next(
        (d for c in comms if c.direction == "from_agency"
         for d in [stated_received_on(c.text)] if d), None)
    promised = [c.estimated_on for c in comms if c.estimated_on]
    tracking = (f.get("tracking_no") or "").lstrip("#").strip() or next(
        (hit["no"] for c in comms if c.direction == "from_agency"
         for hit in [_TRACKING_IN_TEXT.search(c.text)] if hit), None)
    return RecordsRequest(
        title=title or "Records request",
        agency=agency,
        tracking_no=tracking,
        submitted_on=submitted,
        received_on=received,
        due_on=parse_date(f.get("due_on")),
        estimated_on=parse_date(f.get("estimated_on")) or (promised[-1] if promised else None),
        status=derive_status(comms),
        batch_id=f.get("batch"),
        items=items,
        communications=comms,
    )
