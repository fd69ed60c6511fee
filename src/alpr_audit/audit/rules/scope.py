"""Scope and volume of searching (rule family 6).

Nationwide searches, bursts, days far above a user's own baseline and searches at hours the
user normally never works are the patterns behind the misuse cases the State Auditor (report
2019-118: no audited agency audited its searches) and the press found. A user is identified
by (the log's agency, user_ref): the same name in two agencies' logs is two people. Searches
with no user_ref cannot be attributed to anyone and are left out of the per-user rules.

Everything is window functions and aggregates over the searches (no per-row Python), so the
rules run unchanged on DuckDB and Spark and scale to tens of millions of searches.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from alpr_audit.audit.rules.base import Rule, RuleContext, blank, evidence
from alpr_audit.audit.rules.timeutil import local_minute_of_day

_MONITOR = ("Civ. Code §1798.90.51(b)(2)(C) and §1798.90.53: the usage policy must say how use "
            "is monitored for security and privacy compliance; State Auditor report 2019-118: "
            "none of the audited agencies audited its users' searches")
_SCOPE = ("Civ. Code §1798.90.52(b): ALPR data may be used only for authorized purposes; "
          "State Auditor report 2019-118: access to data from hundreds of entities nationwide "
          "without verifying a need or right to know")

#: a user's identity: the same user_ref in two agencies' logs is two people
USER = ("publisher_agency_id", "user_ref")


def user_searches(ctx: RuleContext, *, timed: bool = True) -> ir.Table | None:
    """Searches attributable to a user (user_ref present); with ``timed``, only dated ones."""
    if not ctx.has_rows("searches"):
        return None
    s = ctx.table("searches")
    keep = ~blank(s.user_ref)
    if timed:
        keep = keep & s.searched_at.notnull()
    # only the columns these rules read: windows and joins then carry 6 columns, not 27
    return s.filter(keep).select("source_id", "locator", "publisher_agency_id",
                                 "searcher_agency_id", "user_ref", "searched_at")


def _user_evidence(s: ir.Table, note: ir.Value) -> ir.Table:
    return evidence(s, agency=s.publisher_agency_id, subject=s.user_ref, table_name="searches",
                    at=s.searched_at, note=note)


def many_networks(ctx: RuleContext) -> ir.Table | None:
    """Searches across >= many_networks networks at once; subject = the searching org."""
    if not ctx.has_rows("searches"):
        return None
    s = ctx.table("searches")
    s = s.filter(s.networks_searched >= int(ctx.setting("many_networks")))
    return evidence(s, agency=s.publisher_agency_id,
                    subject=s.searcher_agency_id.fill_null(s.publisher_agency_id),
                    table_name="searches", at=s.searched_at,
                    note=s.networks_searched.cast("string").concat(" networks"))


def burst(ctx: RuleContext) -> ir.Table | None:
    """Every search inside a window of burst_minutes holding >= burst_count of the user's searches.

    A window holding that many searches can be slid to start at its first search, so only the
    windows [t, t + minutes) starting at a search matter. With the user's searches in time
    order, the window starting at search i holds burst_count of them exactly when the search
    burst_count - 1 places later is less than ``minutes`` after it (``lead``). A search j lies in
    some such window exactly when the latest qualifying start at or before it is less than
    ``minutes`` before it (a running ``max``). Both are streaming window passes (no bounded
    range frames, no self-join), so they stay linear and portable to Spark; the result equals
    testing every window (tests/audit/test_rules_scope.py checks it against brute force).
    """
    s = user_searches(ctx)
    if s is None:
        return None
    need = int(ctx.setting("burst_count"))
    minutes = int(ctx.setting("burst_minutes"))
    span = ibis.interval(minutes=minutes)
    in_order = ibis.window(group_by=list(USER), order_by=s.searched_at)
    nth = s.searched_at.lead(need - 1).over(in_order)
    # searches in the same instant are one start: the first of them sees the furthest
    s = s.mutate(_start=ibis.ifelse(nth.notnull() & (nth < s.searched_at + span),
                                    s.searched_at, ibis.null("timestamp")))
    # running max over the whole past, same-instant peers included (RANGE … CURRENT ROW)
    upto = ibis.window(group_by=list(USER), order_by=s.searched_at, range=(None, 0))
    s = s.mutate(_from=s._start.max().over(upto))
    s = s.filter(s._from.notnull() & (s.searched_at < s._from + span))
    return _user_evidence(s, s._from.cast("string"))  # the note: the window's start


def user_spike(ctx: RuleContext) -> ir.Table | None:
    """A user's UTC days far above that user's own median day (robust z-score on MAD)."""
    s = user_searches(ctx)
    if s is None:
        return None
    s = s.mutate(_day=s.searched_at.date())
    days = s.group_by([*USER, "_day"]).aggregate(_c=s.count())
    base = days.group_by(list(USER)).aggregate(_med=days._c.median(), _days=days.count())
    days = days.inner_join(base, list(USER))
    dev = days.mutate(_dev=(days._c - days._med).abs())
    mad = dev.group_by(list(USER)).aggregate(_mad=dev._dev.median())
    days = days.inner_join(mad, list(USER))
    scale = 1.4826 * ibis.greatest(days._mad, 1.0)  # MAD floored at 1: a very regular user
    z = (days._c - days._med) / scale
    flagged = days.filter((days._days >= int(ctx.setting("spike_min_days")))
                          & (days._c >= int(ctx.setting("spike_min")))
                          & (z >= float(ctx.setting("spike_z"))))
    flagged = flagged.select(*USER, "_day", "_c", _med=flagged._med.round(1))
    j = s.inner_join(flagged, [*USER, "_day"])
    note = j._c.cast("string").concat(" searches on ", j._day.cast("string"), " (median ",
                                      j._med.cast("string"), "/day)")
    return _user_evidence(j, note)


def _in_hours(hour: ir.IntegerValue, start: int, end: int) -> ir.BooleanValue:
    if start <= end:
        return (hour >= start) & (hour < end)
    return (hour >= start) | (hour < end)  # a span across midnight, e.g. 22 → 5


def off_shift(ctx: RuleContext) -> ir.Table | None:
    """The rare off-shift searches of a user who otherwise never searches at those hours."""
    s = user_searches(ctx)
    if s is None:
        return None
    start, end = int(ctx.setting("off_shift_start")), int(ctx.setting("off_shift_end"))
    s = s.mutate(_lm=local_minute_of_day(s.searched_at, str(ctx.setting("timezone"))))
    s = s.mutate(_off=_in_hours(s._lm // 60, start, end))
    user = ibis.window(group_by=list(USER))
    s = s.mutate(_n=s.searched_at.count().over(user),
                 _n_off=s._off.cast("int64").sum().over(user))
    share = float(ctx.setting("off_shift_max_share"))
    # a hair of tolerance: 0.29 * 100 is 28.999… in binary floating point
    s = s.filter(s._off & (s._n >= int(ctx.setting("off_shift_min_searches")))
                 & (s._n_off <= share * s._n + 1e-9))
    clock = (s._lm // 60).cast("string").lpad(2, "0").concat(
        ":", (s._lm % 60).cast("string").lpad(2, "0"))
    return _user_evidence(s, clock.concat(" local"))


RULES = [
    Rule("scope.many_networks", "Search across a very large number of networks", "medium",
         _SCOPE,
         "{count} search(es) in {agency}'s records by {subject_name} each searched "
         "{many_networks} or more networks at once (e.g. {notes}): a nationwide search needs a "
         "stated, authorized purpose.", many_networks, needs=("searches",),
         subject_kind="agency"),
    Rule("volume.burst", "Burst of searches by one user", "medium", _MONITOR,
         "User {subject} ran {count} search(es) in {agency}'s records inside "
         "{burst_minutes}-minute windows holding {burst_count} or more of their searches "
         "(windows starting {notes}), between {first} and {last}.", burst,
         needs=("searches",), subject_kind="user"),
    Rule("volume.user_spike", "Day far above the user's own baseline", "medium", _MONITOR,
         "User {subject} ran {count} search(es) in {agency}'s records on day(s) far above "
         "their own usual daily volume (at least {spike_min} searches and a robust z-score of "
         "{spike_z} or more): {notes}.", user_spike, needs=("searches",), subject_kind="user"),
    Rule("volume.off_shift", "Searches at hours the user otherwise never works", "low",
         _MONITOR,
         "User {subject} ran {count} search(es) in {agency}'s records between "
         "{off_shift_start}:00 and {off_shift_end}:00 local time ({timezone}), hours that hold "
         "at most {off_shift_max_share:.0%} of their searches (e.g. {notes}).", off_shift,
         needs=("searches",), subject_kind="user"),
]
