"""The records-request model shared by parsing, tracking, deadlines and packets.

A request is stored in the catalog tables ``requests``, ``request_items`` and
``communications`` (schema.py); these dataclasses are their in-memory form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Lifecycle states of a request (docs/formats.md "Records requests"; MuckRock's vocabulary).
STATUSES = ("submitted", "acknowledged", "extended", "processing", "partial", "done",
            "rejected", "no_records", "withdrawn", "overdue")

#: What a standard item asks for; decides which report answers it.
ITEM_KINDS = ("sharing_out", "sharing_in", "hotlist_out", "hotlist_in", "agreements",
              "access_records", "detections", "hits", "users", "audits", "external_access",
              "other")

#: Kinds of communication in a thread.
COMMUNICATION_KINDS = ("request", "confirmation", "acknowledgement", "extension", "status",
                       "records_released", "denial", "fee", "other")


@dataclass
class RequestItem:
    """One numbered item of a request, as written (``A1``, ``B2``, ``R1`` …)."""

    item_id: str
    text: str
    kind: str = "other"  # one of ITEM_KINDS; 'other' items are answered by hand ('manual')
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    disposition: str | None = None


@dataclass
class Communication:
    """One message of a request thread."""

    seq: int
    direction: str  # to_agency | from_agency
    kind: str  # one of COMMUNICATION_KINDS
    text: str
    sent_on: dt.date | None = None
    sender: str | None = None
    cited_sections: list[str] = field(default_factory=list)  # e.g. ['7922.535', '7927.200']
    estimated_on: dt.date | None = None  # a date the agency promises in this message


@dataclass
class RecordsRequest:
    """A records request to one agency (one member of a batch sent to many)."""

    title: str
    agency: str | None = None
    tracking_no: str | None = None
    submitted_on: dt.date | None = None
    received_on: dt.date | None = None
    due_on: dt.date | None = None
    extended_due_on: dt.date | None = None
    estimated_on: dt.date | None = None
    status: str = "submitted"
    batch_id: str | None = None
    request_id: str | None = None
    items: list[RequestItem] = field(default_factory=list)
    communications: list[Communication] = field(default_factory=list)
