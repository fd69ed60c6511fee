"""Tracking records requests in the store: import, list, show, batches.

A request lives in three catalog tables (schema.py): ``requests`` (one row),
``request_items`` and ``communications``. Importing writes all three in one transaction, so
a request is either wholly there or not at all.

Identity and re-imports
-----------------------
``request_id`` is ``<agency id>-<tracking number>`` (both slugged, e.g.
``los-angeles-ca-pd-25-2170``), or the tracking number alone when no agency is known. A
request without a tracking number gets ``req-`` and 12 hex digits of a hash of its agency,
title and request message — not of the whole file, so a thread saved again later with more
replies is the same request. Importing the same request again replaces its items and
communications (dispositions already recorded for an item id are kept), never adds a second
copy. The batch is the one given to this import, else the one stored before, else the slug
of the tracker's "Multi Request" name.

Dates
-----
The clock starts at ``received_on``: the receipt date the thread states, else the date the
request was submitted (trackers submit electronically the day they send). From it
``deadlines.compute_deadlines`` gives the statutory ``due_on`` (10 days) and, when the thread
holds an extension notice, ``extended_due_on`` (plus the days the notice names, 14 when it
names none). These statutory dates replace the tracker's own "Due" figure; without any
start date the tracker's figure is kept. ``estimated_on`` is the agency's latest promise.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
from pathlib import Path
from typing import Any

from alpr_audit.core.errors import UsageError
from alpr_audit.requests.model import STATUSES, Communication, RecordsRequest, RequestItem
from alpr_audit.requests.parse import parse_request
from alpr_audit.store import Store

_REQUEST_COLS = ("request_id", "batch_id", "agency", "agency_id", "title", "tracking_no",
                 "submitted_on", "received_on", "status", "due_on", "extended_due_on",
                 "estimated_on", "source_path", "source_sha256", "imported_at")
_ITEM_COLS = ("request_id", "item_id", "text", "kind", "period_start", "period_end",
              "disposition")
_COMM_COLS = ("request_id", "seq", "sent_on", "direction", "kind", "sender", "text",
              "cited_sections", "estimated_on")
_TEXT_SUFFIXES = (".txt", ".text", ".md", ".eml", ".html", ".htm")
_NUMBER_WORDS = {"five": 5, "seven": 7, "ten": 10, "fourteen": 14}


def _slug(text: str) -> str:
    from alpr_audit.agencies.names import slug

    return slug(text)


def _agency_id(agency: str | None) -> str | None:
    """The registry's id for a written agency name (the registry's own parsing)."""
    if not agency:
        return None
    from alpr_audit.agencies.names import parse_agency_name

    return parse_agency_name(agency).agency_id or _slug(agency)


# --- reading the input -----------------------------------------------------------------------


def _read_input(path_or_text: str | os.PathLike[str]) -> tuple[str, str | None, str]:
    """(text, absolute path or None, sha256 of the bytes). A ``Path`` or a one-line string
    naming an existing file is read; any other string is the request text itself."""
    path: Path | None = None
    if isinstance(path_or_text, os.PathLike):
        path = Path(path_or_text)
    elif "\n" not in path_or_text and len(path_or_text) < 1024:
        candidate = Path(path_or_text.strip()).expanduser()
        if candidate.is_file() or path_or_text.strip().lower().endswith(_TEXT_SUFFIXES):
            path = candidate
    if path is None:
        data = str(path_or_text).encode("utf-8")
        return str(path_or_text), None, hashlib.sha256(data).hexdigest()
    if not path.is_file():
        raise UsageError(f"no request file at {path}", path=str(path),
                         hint="give the path of a request text or a thread saved as text "
                              "(e.g. copied from MuckRock)")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves five bytes undefined; latin-1 reads everything
        text = data.decode("latin-1")
    return text, str(path.resolve()), hashlib.sha256(data).hexdigest()


def request_id_for(req: RecordsRequest) -> str:
    """The store id of a parsed request (see the module doc)."""
    if req.tracking_no:
        agency = _agency_id(req.agency)
        tracking = _slug(req.tracking_no)
        return f"{agency}-{tracking}" if agency else tracking
    first = next((c.text for c in req.communications if c.kind == "request"), "")
    key = "\x1f".join([req.agency or "", req.title, re.sub(r"\s+", " ", first).strip()])
    return "req-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


# --- deadlines -------------------------------------------------------------------------------


def _extension_days(comm: Communication) -> int:
    """Days an extension notice claims ("fourteen days", "14-day"); 14 when it names none."""
    m = re.search(r"\b(\d{1,2}|five|seven|ten|fourteen)[- ](?:calendar[- ])?days?\b",
                  comm.text, re.I)
    if m:
        word = m.group(1).lower()
        n = int(word) if word.isdigit() else _NUMBER_WORDS[word]
        if 0 < n <= 14:
            return n
    return 14


def _apply_deadlines(req: RecordsRequest, roll_forward: bool | None) -> None:
    """Set received_on, due_on and extended_due_on from the statute (module doc)."""
    req.received_on = req.received_on or req.submitted_on
    extension = next((c for c in req.communications
                      if c.kind == "extension" and c.direction == "from_agency"), None)
    days = _extension_days(extension) if extension else 14
    try:
        from alpr_audit.requests import deadlines
    except ImportError:  # deadlines not installed: keep what the tracker says
        deadlines = None  # type: ignore[assignment]
    if req.received_on is not None and deadlines is not None:
        rf = deadlines.DEFAULT_ROLL_FORWARD if roll_forward is None else roll_forward
        d = deadlines.compute_deadlines(req.received_on, extended=extension is not None,
                                        extension_days=days, roll_forward=rf)
        req.due_on, req.extended_due_on = d.due_on, d.extended_due_on
    elif extension is not None and req.due_on is not None:
        req.extended_due_on = req.due_on + dt.timedelta(days=days)


# --- import ----------------------------------------------------------------------------------


def import_request(store: Store, path_or_text: str | os.PathLike[str], *,
                   batch_id: str | None = None, agency: str | None = None,
                   roll_forward: bool | None = None) -> RecordsRequest:
    """Parse a request text or saved thread and store it (or update it: module doc).

    ``batch_id`` defaults to the stored batch, else the slug of the tracker's "Multi Request"
    name; ``agency``
    overrides the agency the text names. ``roll_forward`` (default
    ``deadlines.DEFAULT_ROLL_FORWARD``) moves deadlines off weekends and holidays.
    Returns the request as stored, with ``request_id`` set.
    """
    text, path, sha = _read_input(path_or_text)
    if not text.strip():
        raise UsageError("the request holds no text", path=path,
                         hint="give a request text or a thread saved as text")
    req = parse_request(text, source=path)
    if agency:
        req.agency = agency
    req.request_id = request_id_for(req)
    parsed_batch = _slug(req.batch_id) if req.batch_id else None
    req.batch_id = batch_id
    _apply_deadlines(req, roll_forward)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = store.con
    with store.transaction():
        old = con.execute("SELECT batch_id, agency FROM requests WHERE request_id = ?",
                          [req.request_id]).fetchone()
        if old:  # a batch given by hand earlier outranks the tracker's "Multi Request" name
            req.batch_id = req.batch_id or old[0]
            req.agency = req.agency or old[1]
        req.batch_id = req.batch_id or parsed_batch
        kept = dict(con.execute("SELECT item_id, disposition FROM request_items "
                                "WHERE request_id = ? AND disposition IS NOT NULL",
                                [req.request_id]).fetchall())
        for item in req.items:
            item.disposition = item.disposition or kept.get(item.item_id)
        row = [req.request_id, req.batch_id, req.agency, _agency_id(req.agency), req.title,
               req.tracking_no, req.submitted_on, req.received_on, req.status, req.due_on,
               req.extended_due_on, req.estimated_on, path, sha, now]
        if old:
            sets = ", ".join(f"{c} = ?" for c in _REQUEST_COLS[1:])
            con.execute(f"UPDATE requests SET {sets} WHERE request_id = ?",
                        row[1:] + [req.request_id])
        else:
            con.execute(f"INSERT INTO requests ({', '.join(_REQUEST_COLS)}) VALUES "
                        f"({', '.join('?' * len(_REQUEST_COLS))})", row)
        con.execute("DELETE FROM request_items WHERE request_id = ?", [req.request_id])
        con.execute("DELETE FROM communications WHERE request_id = ?", [req.request_id])
        if req.items:
            con.executemany(
                f"INSERT INTO request_items ({', '.join(_ITEM_COLS)}) VALUES "
                f"({', '.join('?' * len(_ITEM_COLS))})",
                [[req.request_id, i.item_id, i.text, i.kind, i.period_start, i.period_end,
                  i.disposition] for i in req.items])
        if req.communications:
            con.executemany(
                f"INSERT INTO communications ({', '.join(_COMM_COLS)}) VALUES "
                f"({', '.join('?' * len(_COMM_COLS))})",
                [[req.request_id, c.seq, c.sent_on, c.direction, c.kind, c.sender, c.text,
                  c.cited_sections, c.estimated_on] for c in req.communications])
    return req


# --- reading back ----------------------------------------------------------------------------


def _request_row(store: Store, request_id: str) -> dict[str, Any]:
    rows = store.query(f"SELECT {', '.join(_REQUEST_COLS)} FROM requests WHERE request_id = ?",
                       [request_id])
    if rows:
        return rows[0]
    known = [r["request_id"] for r in store.query("SELECT request_id FROM requests")]
    close = difflib.get_close_matches(request_id, known, n=3, cutoff=0.5)
    hint = "see the ids with: alpr-audit request list"
    if close:
        hint = f"did you mean {', '.join(close)}? " + hint
    elif not known:
        hint = "the store holds no requests yet: alpr-audit request import FILE"
    raise UsageError(f"no request {request_id!r} in the store", locator=request_id, hint=hint)


def _items(store: Store, request_id: str) -> list[dict[str, Any]]:
    # Items come back in the order written: A1 … B2, R1 …; rowid keeps insertion order.
    return store.query(f"SELECT {', '.join(_ITEM_COLS[1:])} FROM request_items "
                       "WHERE request_id = ? ORDER BY rowid", [request_id])


def _communications(store: Store, request_id: str) -> list[dict[str, Any]]:
    return store.query(f"SELECT {', '.join(_COMM_COLS[1:])} FROM communications "
                       "WHERE request_id = ? ORDER BY seq", [request_id])


def load_request(store: Store, request_id: str) -> RecordsRequest:
    """The stored request as the model (for packets); unknown id → ``UsageError``."""
    row = _request_row(store, request_id)
    return RecordsRequest(
        title=row["title"], agency=row["agency"], tracking_no=row["tracking_no"],
        submitted_on=row["submitted_on"], received_on=row["received_on"],
        due_on=row["due_on"], extended_due_on=row["extended_due_on"],
        estimated_on=row["estimated_on"], status=row["status"], batch_id=row["batch_id"],
        request_id=row["request_id"],
        items=[RequestItem(**i) for i in _items(store, request_id)],
        communications=[Communication(**{**c, "cited_sections": list(c["cited_sections"] or [])})
                        for c in _communications(store, request_id)])


def _with_overdue(rows: list[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    """Each row with ``applicable_due_on`` and ``overdue`` as of ``today`` (deadlines rule)."""
    from alpr_audit.requests.deadlines import overdue

    late = {r["request_id"]: r for r in overdue(rows, today)}
    for row in rows:
        row["applicable_due_on"] = row["extended_due_on"] or row["due_on"]
        row["overdue"] = row["request_id"] in late
        row["days_overdue"] = late[row["request_id"]]["days_overdue"] if row["overdue"] else 0
    return rows


def list_requests(store: Store, *, batch_id: str | None = None, status: str | None = None,
                  today: dt.date | None = None) -> list[dict[str, Any]]:
    """Requests with their dates, item count and whether they are overdue on ``today``.

    ``status`` filters on the stored status, except ``overdue``, which selects the requests
    past their applicable deadline on ``today`` (default: today) whatever their status.
    """
    if status is not None and status not in STATUSES:
        raise UsageError(f"no request status {status!r}",
                         hint="statuses: " + ", ".join(STATUSES))
    where, params = [], []
    if batch_id is not None:
        where.append("r.batch_id = ?")
        params.append(batch_id)
    if status is not None and status != "overdue":
        where.append("r.status = ?")
        params.append(status)
    rows = store.query(
        f"""SELECT r.request_id, r.batch_id, r.agency, r.title, r.tracking_no, r.received_on,
                   r.status, r.due_on, r.extended_due_on, r.estimated_on,
                   (SELECT count(*) FROM request_items i WHERE i.request_id = r.request_id)
                     AS items
            FROM requests r {'WHERE ' + ' AND '.join(where) if where else ''}
            ORDER BY r.batch_id NULLS LAST, r.agency, r.request_id""", params)
    rows = _with_overdue(rows, today or dt.date.today())
    return [r for r in rows if r["overdue"]] if status == "overdue" else rows


def show_request(store: Store, request_id: str, *,
                 today: dt.date | None = None) -> dict[str, Any]:
    """One request: its row, deadline state, items and communications (oldest first)."""
    row = _request_row(store, request_id)
    _with_overdue([row], today or dt.date.today())
    row["items"] = _items(store, request_id)
    row["communications"] = _communications(store, request_id)
    return row


def batches(store: Store, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per batch (one request sent to many agencies): requests, counts by status, overdue.

    Requests imported without a batch are grouped under ``batch_id`` None.
    """
    grouped: dict[str | None, list[dict[str, Any]]] = {}
    for row in list_requests(store, today=today):
        grouped.setdefault(row["batch_id"], []).append(row)
    out = []
    for batch_id, rows in grouped.items():
        statuses: dict[str, int] = {}
        for r in rows:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        out.append({"batch_id": batch_id, "requests": len(rows),
                    "statuses": dict(sorted(statuses.items())),
                    "overdue": sum(r["overdue"] for r in rows),
                    "agencies": sorted({r["agency"] for r in rows if r["agency"]})})
    return out
