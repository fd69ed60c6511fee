"""CPRA response deadlines: Government Code §7922.535, counted the way the statute counts.

The counting rule
-----------------
§7922.535(a) gives an agency **10 days from receipt** of a request to determine whether it
holds disclosable records and to tell the requester so (with the date the records will be
available). §7922.535(b) lets it extend that time **by written notice, by no more than 14
days**, and only for one of the "unusual circumstances" of §7922.535(c)(1)–(5) (field
facilities; voluminous separate records; consultation with another agency or component;
compiling data or writing a program to extract it; a declared emergency).

The days are **calendar days**, counted the ordinary California way (Civ. Code §10,
Code Civ. Proc. §12): the day of receipt is *not* counted and the last day *is*; the 10th day
after receipt is the deadline. Received Monday 2025-02-10 → due Thursday 2025-02-20 → with
the full 14-day extension, Thursday 2025-03-06 (the LAPD thread in the shared fixtures gives
exactly these dates).

Weekends and holidays (``roll_forward``)
----------------------------------------
Code Civ. Proc. §§12a–12b move the *last* day of a period that falls on a Saturday, Sunday or
holiday to the next day that is not one. Whether a tracker applies that to CPRA deadlines is a
setting: with ``roll_forward=False`` dates here are plain calendar days and a note says when a
deadline falls on a non-business day; with ``roll_forward=True`` the deadline moves to the next
business day and a note says so. The functions take it explicitly; the product's setting is
:data:`DEFAULT_ROLL_FORWARD` (on, as the project's audit rules say), which the tracker and the
CLI pass unless the user asks for plain calendar days. Only the *end* of a period moves: the extended
deadline is counted from the unmoved 10-day date (10 + n clock days from receipt), so a rolled
due date never lengthens the extension.

The holiday calendar is ``holidays.US(subdiv="CA")`` (package ``holidays``; checked with
0.109). For 2025 it gives: New Year's Day (1 Jan), Martin Luther King Jr. Day (20 Jan),
**Susan B. Anthony Day (15 Feb)**, Presidents' Day (17 Feb), **César Chávez Day (31 Mar; moved
to Monday when it falls on a Sunday)**, Memorial Day (26 May), Juneteenth (19 Jun), Independence
Day (4 Jul), Labor Day (1 Sep), Veterans Day (11 Nov), Thanksgiving (27 Nov), **Day after
Thanksgiving (28 Nov)**, Christmas (25 Dec). From 2026 it adds **Diwali** (AB 268, 2025). So the
California-only state holidays *are* included. It does not include Lincoln's Birthday (dropped
after 2009), Columbus Day (dropped after 2008), Native American Day or Admission Day, and it
counts Susan B. Anthony Day, a day on which many offices stay open. An agency's own closure
days, and the judicial holidays of Code Civ. Proc. §135, can differ: pass
``holiday_calendar=`` (any container of dates) to use another calendar. The package covers
years up to 2100; beyond that only weekends roll.

Clock pauses
------------
The CPRA has no express tolling rule. Trackers still record periods when the clock is treated
as stopped — typically while the requester clarifies or narrows a request (§7922.600) and the
agency restarts its count. A pause ``(start, end)`` covers the days ``start`` through ``end``
*inclusive*; paused days after receipt are not counted, so each deadline moves by the paused
days that fall inside its running clock. Every pause is written into ``notes`` so a reader can
see, and dispute, why a date is later than 10/24 days after receipt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from alpr_audit.core.errors import UsageError

#: Days for the determination, §7922.535(a).
DETERMINATION_DAYS = 10
#: The longest extension the statute allows, §7922.535(b).
MAX_EXTENSION_DAYS = 14

#: The product's setting for weekends and holidays: roll deadlines forward (docs/audit.md,
#: "a setting, default on").
DEFAULT_ROLL_FORWARD = True
#: Statuses of a request that no longer has a running deadline.
CLOSED_STATUSES = frozenset({"done", "rejected", "no_records", "withdrawn"})

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ONE_DAY = dt.timedelta(days=1)


@dataclass
class Deadlines:
    """The statutory dates of one request.

    ``extended_due_on`` is ``None`` unless the agency extended (``compute_deadlines(...,
    extended=True)``), so a stored ``extended_due_on`` means "an extension was claimed".
    ``rolled`` is true when roll-forward moved either date.
    """

    received_on: dt.date
    due_on: dt.date
    extended_due_on: dt.date | None = None
    rolled: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def applicable_due_on(self) -> dt.date:
        """The deadline that binds the agency: the extended one if it extended."""
        return self.extended_due_on or self.due_on

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO dates) for ``--json`` output."""
        return {
            "received_on": self.received_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "extended_due_on": self.extended_due_on.isoformat() if self.extended_due_on else None,
            "applicable_due_on": self.applicable_due_on.isoformat(),
            "rolled": self.rolled,
            "notes": list(self.notes),
        }


@lru_cache(maxsize=1)
def california_holidays() -> Container[dt.date]:
    """The default holiday calendar: ``holidays.US(subdiv="CA")``, built once."""
    import holidays  # imported here so computing plain calendar-day deadlines needs nothing

    return holidays.US(subdiv="CA")


def _holiday_name(day: dt.date, calendar: Container[dt.date]) -> str | None:
    """The holiday's name if ``day`` is one (plain containers only say "holiday")."""
    if day not in calendar:
        return None
    getter = getattr(calendar, "get", None)
    name = getter(day) if callable(getter) else None
    return str(name) if name else "holiday"


def _non_business_reason(day: dt.date, calendar: Container[dt.date]) -> str | None:
    """Why ``day`` is not a business day ("Saturday", "Presidents' Day"), or None."""
    if day.weekday() >= 5:
        return _WEEKDAYS[day.weekday()]
    return _holiday_name(day, calendar)


def next_business_day(day: dt.date, calendar: Container[dt.date] | None = None) -> dt.date:
    """``day`` itself if it is a business day, else the first later day that is."""
    cal = california_holidays() if calendar is None else calendar
    while _non_business_reason(day, cal) is not None:
        day += _ONE_DAY
    return day


def _merge_pauses(received_on: dt.date,
                  paused: Iterable[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Pauses clipped to after receipt, sorted and merged so no day is counted twice."""
    clipped = []
    for start, end in paused:
        start = max(start, received_on + _ONE_DAY)  # the receipt day is never counted anyway
        if start <= end:
            clipped.append((start, end))
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(clipped):
        if merged and start <= merged[-1][1] + _ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _count_clock_days(received_on: dt.date, days: int,
                      merged: list[tuple[dt.date, dt.date]]) -> dt.date:
    """The day on which ``days`` unpaused days after receipt have run."""
    end = received_on + dt.timedelta(days=days)
    for start, stop in merged:  # sorted and disjoint: each pause reached pushes the end further
        if start <= end:
            end += dt.timedelta(days=(stop - start).days + 1)
    return end


def _overlap_days(a: tuple[dt.date, dt.date], lo: dt.date, hi: dt.date) -> int:
    """Days of pause ``a`` inside ``lo``..``hi`` (inclusive)."""
    start, end = max(a[0], lo), min(a[1], hi)
    return (end - start).days + 1 if start <= end else 0


def _validate(received_on: dt.date, extension_days: int,
              paused: list[tuple[dt.date, dt.date]]) -> None:
    if not isinstance(received_on, dt.date) or isinstance(received_on, dt.datetime):
        raise UsageError(f"received_on must be a date, got {received_on!r}",
                         hint="pass a datetime.date (e.g. date(2025, 2, 10))")
    if isinstance(extension_days, bool) or not isinstance(extension_days, int):
        raise UsageError(f"extension_days must be a whole number of days, got {extension_days!r}")
    if not 0 <= extension_days <= MAX_EXTENSION_DAYS:
        raise UsageError(
            f"extension of {extension_days} days is outside what Gov. Code §7922.535(b) allows "
            f"(0 to {MAX_EXTENSION_DAYS} days)",
            hint=f"use --extension-days between 0 and {MAX_EXTENSION_DAYS}")
    for start, end in paused:
        if start > end:
            raise UsageError(f"clock pause ends ({end}) before it starts ({start})",
                             hint="give each pause as (first paused day, last paused day)")


def compute_deadlines(received_on: dt.date, *, extended: bool = False,
                      extension_days: int = MAX_EXTENSION_DAYS, roll_forward: bool = False,
                      paused: list[tuple[dt.date, dt.date]] | None = None,
                      holiday_calendar: Container[dt.date] | None = None) -> Deadlines:
    """The determination deadline (and the extended one) for a request received on a day.

    ``extended``: the agency sent a §7922.535(b) extension notice, of ``extension_days``
    (at most 14; more raises ``UsageError``). ``roll_forward``: move a deadline that falls on a
    weekend or holiday to the next business day. ``paused``: inclusive (start, end) periods when
    the clock is stopped. ``holiday_calendar``: replaces ``holidays.US(subdiv="CA")``.
    See the module docstring for the counting rule.
    """
    pauses = list(paused or [])
    _validate(received_on, extension_days, pauses)
    notes: list[str] = []
    merged = _merge_pauses(received_on, pauses)

    due = _count_clock_days(received_on, DETERMINATION_DAYS, merged)
    ext = (_count_clock_days(received_on, DETERMINATION_DAYS + extension_days, merged)
           if extended else None)
    _note_pauses(notes, received_on, pauses, merged, due, ext)

    calendar = california_holidays() if holiday_calendar is None else holiday_calendar
    rolled = False
    labelled: list[tuple[str, dt.date | None]] = [("due date", due), ("extended due date", ext)]
    results: list[dt.date | None] = []
    for label, day in labelled:
        if day is None:
            results.append(None)
            continue
        reason = _non_business_reason(day, calendar)
        if reason is None:
            results.append(day)
        elif roll_forward:
            moved = next_business_day(day, calendar)
            notes.append(f"{label} {day} falls on {reason}; rolled forward to the next business "
                         f"day, {_WEEKDAYS[moved.weekday()]} {moved} (Code Civ. Proc. §12a)")
            rolled = True
            results.append(moved)
        else:
            notes.append(f"{label} {day} falls on {reason}; kept as counted (calendar days, "
                         f"roll-forward off)")
            results.append(day)
    assert results[0] is not None
    return Deadlines(received_on, results[0], results[1], rolled, notes)


def _note_pauses(notes: list[str], received_on: dt.date, pauses: list[tuple[dt.date, dt.date]],
                 merged: list[tuple[dt.date, dt.date]], due: dt.date,
                 ext: dt.date | None) -> None:
    """One note per pause (its effect on each deadline), then the total moved."""
    last = ext or due
    for start, end in pauses:
        span = (end - start).days + 1
        on_due = _overlap_days((start, end), received_on + _ONE_DAY, due)
        on_last = _overlap_days((start, end), received_on + _ONE_DAY, last)
        if on_last == 0:
            notes.append(f"clock pause {start} to {end} ({span} days) is outside the running "
                         f"clock (before receipt or after the deadline): no effect")
            continue
        effect = f"{on_due} paused days before the due date"
        if ext is not None:
            effect += f", {on_last} before the extended due date"
        notes.append(f"clock paused {start} to {end} ({span} days, both ends paused): {effect}")
    if merged:
        total = sum(_overlap_days(p, received_on + _ONE_DAY, due) for p in merged)
        notes.append(f"clock pauses move the due date {total} days: the 10th counted day "
                     f"is {due}")


def _as_date(value: Any, request: Mapping[str, Any], key: str) -> dt.date | None:
    """A date from a stored row or JSON (date, datetime or ISO text); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        rid = request.get("request_id") or request.get("tracking_no") or "?"
        raise UsageError(f"request {rid}: {key} is not a date: {value!r}",
                         locator=f"{rid}.{key}", hint="dates are YYYY-MM-DD") from None


def overdue(requests: list[dict], today: dt.date, *, roll_forward: bool = False) -> list[dict]:
    """Open requests whose applicable deadline is before ``today``, most overdue first.

    A request is open unless its status is done, rejected, no_records or withdrawn. It counts
    as extended when it has an ``extended_due_on`` or its status is ``extended``. Missing dates
    are computed from ``received_on`` (with ``roll_forward``); a request with neither a due date
    nor a receipt date cannot be judged and is left out. The agency's own estimate
    (``estimated_on``) is not a statutory deadline and does not change the answer. Each result is
    a copy of the request with ``applicable_due_on``, ``days_overdue`` and ``basis`` added. This
    is a tracking list, not a legal finding: an agency that sent its determination on time has
    met §7922.535(a) even while records are still being produced.
    """
    found = []
    for req in requests:
        if (req.get("status") or "") in CLOSED_STATUSES:
            continue
        due = _as_date(req.get("due_on"), req, "due_on")
        ext = _as_date(req.get("extended_due_on"), req, "extended_due_on")
        received = _as_date(req.get("received_on"), req, "received_on")
        is_extended = ext is not None or req.get("status") == "extended"
        if is_extended and ext is None:
            if received is not None:
                ext = compute_deadlines(received, extended=True,
                                        roll_forward=roll_forward).extended_due_on
            elif due is not None:
                ext = due + dt.timedelta(days=MAX_EXTENSION_DAYS)
        if due is None and received is not None:
            due = compute_deadlines(received, roll_forward=roll_forward).due_on
        applicable = ext if is_extended else due
        if applicable is None or applicable >= today:
            continue
        row = dict(req)
        row["applicable_due_on"] = applicable
        row["days_overdue"] = (today - applicable).days
        row["basis"] = ("Gov. Code §7922.535(b) extension" if is_extended
                        else "Gov. Code §7922.535(a)")
        found.append(row)
    found.sort(key=lambda r: r["days_overdue"], reverse=True)  # stable: ties keep input order
    return found


def describe(d: Deadlines) -> str:
    """One line for people: the dates, the sections, and whether pauses or rolling moved them."""
    counted = (d.due_on - d.received_on).days
    text = (f"received {d.received_on}; determination due {d.due_on} "
            f"({counted} calendar days after receipt, Gov. Code §7922.535(a))")
    if d.extended_due_on is not None:
        extra = (d.extended_due_on - d.due_on).days
        text += (f"; extended to {d.extended_due_on} ({extra} calendar days later, §7922.535(b), "
                 f"unusual circumstances under §7922.535(c))")
    extras = []
    if d.rolled:
        extras.append("rolled past a weekend/holiday")
    if any(n.startswith("clock paused") for n in d.notes):
        extras.append("clock paused")
    if extras:
        text += " [" + "; ".join(extras) + "]"
    return text
