"""Accounts: who may search, and whether the accounts are controlled (rule family 7).

The State Auditor (report 2019-118) found weak account controls: thousands of people with
access, no check that they were trained or still needed it. LAPD's later policy (Special
Order 31) requires supervisor approval and training, and reorientation after a year inactive.
These rules check the users list and the searches against each other. Per-user identity is
(agency, user_ref), except for a shared account, which is one user_ref searching as two
organisations inside one agency's log.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from alpr_audit.audit.rules.base import Rule, RuleContext, blank, evidence, redacted
from alpr_audit.audit.rules.scope import USER, user_searches

_ACCESS = ("Civ. Code §1798.90.52(a)(3): every access recorded with the username and the "
           "organisation the person is affiliated with; §1798.90.51(a): reasonable security "
           "procedures and practices")
_CONTROLS = ("Civ. Code §1798.90.51(a): reasonable security procedures and practices; State "
             "Auditor report 2019-118 (weak account controls); LAPD Special Order 31 "
             "(reorientation after a year inactive)")
_TRAINING = ("Civ. Code §1798.90.51(b)(2)(B): the policy names the job titles authorized to "
             "use the system and their training requirements")
_AUTHORIZED = ("Civ. Code §1798.90.51(b)(2)(B): only authorized job titles may use or access "
               "the system; State Auditor report 2019-118 (access not controlled)")


def _org(s: ir.Table) -> ir.StringValue:
    """The searching organisation: the searcher's agency, else the log's own agency."""
    return s.searcher_agency_id.fill_null(s.publisher_agency_id)


def shared_account(ctx: RuleContext) -> ir.Table | None:
    """One user_ref searching as >= 2 organisations inside one agency's log."""
    s = user_searches(ctx, timed=False)
    if s is None:
        return None
    s = s.mutate(_org=_org(s))
    # min != max over the user's searches = at least two distinct orgs (portable: Spark has
    # no COUNT(DISTINCT) window)
    user = ibis.window(group_by=list(USER))
    s = s.mutate(_lo=s._org.min().over(user), _hi=s._org.max().over(user))
    s = s.filter(s._lo != s._hi)
    a = ctx.table("agencies").select(_aid="agency_id", _name="name")
    s = s.left_join(a, s._org == a._aid)
    return evidence(s, agency=s.publisher_agency_id, subject=s.user_ref, table_name="searches",
                    at=s.searched_at,
                    note=ibis.literal("as ").concat(s._name.fill_null(s._org)))


def search_after_inactivity(ctx: RuleContext) -> ir.Table | None:
    """The first search of a user after >= inactive_days without any search."""
    s = user_searches(ctx)
    if s is None:
        return None
    days = int(ctx.setting("inactive_days"))
    s = s.mutate(_prev=s.searched_at.lag().over(
        ibis.window(group_by=list(USER), order_by=s.searched_at)))
    s = s.filter(s._prev.notnull() & (s.searched_at >= s._prev + ibis.interval(days=days)))
    return evidence(s, agency=s.publisher_agency_id, subject=s.user_ref, table_name="searches",
                    at=s.searched_at,
                    note=ibis.literal("previous search ").concat(s._prev.date().cast("string")))


def _users(ctx: RuleContext) -> ir.Table | None:
    if not ctx.has_rows("users"):
        return None
    u = ctx.table("users")
    return u.filter(~blank(u.user_ref))


def inactive(ctx: RuleContext) -> ir.Table | None:
    """Accounts whose latest recorded login is older than as_of - inactive_days."""
    u = _users(ctx)
    if u is None:
        return None
    cutoff = ctx.as_of_lit - ibis.interval(days=int(ctx.setting("inactive_days")))
    # an account listed in several exports is judged by its latest login
    u = u.mutate(_last=u.last_login.max().over(ibis.window(group_by=["agency_id", "user_ref"])))
    u = u.filter(u._last < cutoff)
    return evidence(u, agency=u.agency_id, subject=u.user_ref, table_name="users",
                    at=u.last_login,
                    note=ibis.literal("last login ").concat(u._last.date().cast("string")))


def no_training(ctx: RuleContext) -> ir.Table | None:
    """Accounts with no training date, where the agency's list records training at all."""
    u = _users(ctx)
    if u is None:
        return None
    has = u.training_on.notnull().cast("int32")
    u = u.mutate(_agency_has=has.max().over(ibis.window(group_by="agency_id")),
                 _user_has=has.max().over(ibis.window(group_by=["agency_id", "user_ref"])))
    # a withheld (redacted) training date is not a missing one
    u = u.filter((u._agency_has == 1) & (u._user_has == 0) & ~redacted(u, "training_on"))
    return evidence(u, agency=u.agency_id, subject=u.user_ref, table_name="users",
                    at=u.last_login, note=ibis.literal("no training date"))


def _ident(v: ir.StringValue) -> ir.StringValue:
    return v.strip().lower()


def unknown_searcher(ctx: RuleContext) -> ir.Table | None:
    """Searches by the agency's own users whose user_ref is not on the agency's users list."""
    s = user_searches(ctx, timed=False)
    if s is None or not ctx.has_rows("users"):
        return None
    s = s.filter(_org(s) == s.publisher_agency_id).mutate(_id=_ident(s.user_ref))
    # a search log may name a user by login, e-mail or full name: any of them on the list counts
    uu = ctx.table("users")
    known = ibis.union(*[uu.select(_aid=uu.agency_id, _id=_ident(uu[c])) for c in
                         ("user_ref", "email", "display_name")], distinct=True)
    known = known.filter(known._id.notnull() & (known._id != ""))
    # a list whose every name was withheld cannot show who is missing from it
    listed = known.select("_aid").distinct()
    s = s.semi_join(listed, s.publisher_agency_id == listed._aid)
    s = s.anti_join(known, (s.publisher_agency_id == known._aid) & (s._id == known._id))
    return evidence(s, agency=s.publisher_agency_id, subject=s.user_ref, table_name="searches",
                    at=s.searched_at, note=ibis.literal("not on the agency's users list"))


RULES = [
    Rule("accounts.shared_account", "One user id searching as several organisations",
         "medium", _ACCESS,
         "The user id {subject} appears in {agency}'s records searching as more than one "
         "organisation ({notes}; {count} search(es)): a shared or reused account hides who "
         "searched.", shared_account, needs=("searches",), subject_kind="user"),
    Rule("accounts.search_after_inactivity", "Search after a long inactivity", "medium",
         _CONTROLS,
         "User {subject} searched {agency}'s records after {inactive_days} or more days "
         "without any search ({count} time(s); {notes}): the account should have been "
         "reviewed or disabled.", search_after_inactivity, needs=("searches",),
         subject_kind="user"),
    Rule("accounts.inactive", "Account not used for a long time", "low", _CONTROLS,
         "{agency}'s account {subject} has not logged in for more than {inactive_days} days "
         "({notes}) yet is still listed with access.", inactive, needs=("users",),
         subject_kind="user"),
    Rule("accounts.no_training", "Account without recorded training", "low", _TRAINING,
         "{agency}'s users list records training dates, but none for the account {subject} "
         "({count} row(s)).", no_training, needs=("users",), subject_kind="user"),
    Rule("accounts.unknown_searcher", "Search by a user not on the users list", "medium",
         _AUTHORIZED,
         "{count} search(es) in {agency}'s records were run by {subject} as {agency}, but "
         "{subject} is not on {agency}'s users list.", unknown_searcher,
         needs=("searches", "users"), subject_kind="user"),
]
