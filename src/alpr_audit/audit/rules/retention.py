"""Retention against the agency's own policy, and hot-list hygiene (rule family 8).

SB 34 sets no retention maximum (CHP aside): the policy must state one
(§1798.90.51(b)(2)(G)) and the audit holds the agency to it. The policy retention is the one
the agency's latest transparency-portal capture states; without one, the ``retention_days``
setting. Where the pack's retention is a statute (``retention_statutory``, e.g. Virginia's 21
days), the shorter of the two applies. Every finding says which retention it used and where it
came from.

Hot-list entries without an expiry or a case number, or kept on a personal-looking list, are
the retention and accuracy gaps the State Auditor (report 2019-118) found: entries that never
leave the list keep alerting on people long after any investigation.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from alpr_audit.audit.reasons import purpose_table
from alpr_audit.audit.rules.base import Rule, RuleContext, blank, evidence, redacted

_RETENTION = ("Civ. Code §1798.90.51(b)(2)(G): the policy states how long ALPR information is "
              "kept; California State Auditor report 2019-118: retention not based on need")
_HOTLIST = ("Civ. Code §1798.90.51(b)(2)(F)–(G): measures for accuracy and the retention "
            "period; California State Auditor report 2019-118")
_WORD = r"\bpersonal\b"
_PERSONAL = ("Civ. Code §1798.90.52(b): ALPR information only for authorized purposes; "
             "§1798.90.51(a): reasonable security procedures")


def latest_snapshots(ctx: RuleContext, require: str | None = None) -> ir.Table:
    """The latest ``portal_snapshots`` row per agency (by ``captured_on``, then source id).

    With ``require``, only snapshots where that column is not NULL compete: the latest
    capture that *states* a retention, not a later page that left the card out.
    """
    p = ctx.table("portal_snapshots")
    if require is not None:
        p = p.filter(p[require].notnull())
    w = ibis.window(group_by=p.agency_id, order_by=[
        ibis.desc(p.captured_on), ibis.desc(p.source_id), ibis.desc(p.locator)])
    p = p.mutate(_rank=ibis.row_number().over(w))
    return p.filter(p._rank == 0).drop("_rank")


def policy_retention(ctx: RuleContext) -> ir.Table | None:
    """Per agency whose portal states a retention: ``_ret_agency``, ``_ret_days`` (the
    retention that applies, statutory cap included) and ``_ret_why`` (where it comes from).
    Computed on the small snapshot table so the per-row work on 10^8 reads is one join."""
    if not ctx.has_rows("portal_snapshots"):
        return None
    setting = int(ctx.setting("retention_days"))
    p = latest_snapshots(ctx, require="retention_days")
    days = p.retention_days.cast("int64")
    portal = ibis.literal("portal page captured ").concat(
        p.captured_on.cast("string").fill_null("(date unknown)"), ": ", days.cast("string"),
        " days")
    if ctx.setting("retention_statutory"):
        # the statute caps the policy: the shorter one applies, and the note names both
        stat = f"statutory maximum (retention_days setting): {setting} days"
        shorter = days < setting
        days = ibis.ifelse(shorter, days, ibis.literal(setting, "int64"))
        portal = ibis.ifelse(shorter, portal.concat(f" (within the {stat})"),
                             ibis.literal(stat + "; ").concat(portal))
    return p.select(_ret_agency=p.agency_id, _ret_days=days, _ret_why=portal)


def _default_why(ctx: RuleContext) -> str:
    setting = int(ctx.setting("retention_days"))
    if ctx.setting("retention_statutory"):
        return f"statutory maximum (retention_days setting): {setting} days"
    return f"default setting: {setting} days"


def _over_age(ctx: RuleContext, table: str, at_col: str, subject: str) -> ir.Table | None:
    """Rows of ``table`` whose ``at_col`` is older than as_of minus the policy retention."""
    if not ctx.has_rows(table):
        return None
    t = ctx.table(table)
    setting = ibis.literal(int(ctx.setting("retention_days")), "int64")
    pol = policy_retention(ctx)
    if pol is None:
        t = t.mutate(_days=setting, _why=ibis.literal(_default_why(ctx)))
    else:
        t = t.left_join(pol, t.agency_id == pol._ret_agency)
        t = t.mutate(_days=t._ret_days.fill_null(setting),
                     _why=t._ret_why.fill_null(_default_why(ctx)))
    # one vectorised comparison: as_of − retention, per row (the retention varies by agency)
    t = t.filter(t[at_col] < ctx.as_of_lit - t._days.as_interval("D"))
    return evidence(t, agency=t.agency_id, subject=ibis.literal(subject), table_name=table,
                    at=t[at_col], note=ibis.literal("retention used: ").concat(t._why))


def detections(ctx: RuleContext) -> ir.Table | None:
    return _over_age(ctx, "detections", "seen_at", "detections")


def hits(ctx: RuleContext) -> ir.Table | None:
    return _over_age(ctx, "hits", "hit_at", "hits")


def entries(ctx: RuleContext) -> ir.Table | None:
    """Hot-list entry creations: event type create/created and entity type like
    '%hotlist%entry%' (any case). Updates and deletions are not new entries."""
    if not ctx.has_rows("hotlist_events"):
        return None
    h = ctx.table("hotlist_events")
    return h.filter(h.entity_type.lower().like("%hotlist%entry%").fill_null(False)
                    & h.event_type.lower().strip().isin(["create", "created"]).fill_null(False))


def _hotlist_evidence(h: ir.Table, note: ir.Value | str) -> ir.Table:
    return evidence(h, agency=h.agency_id,
                    subject=h.hotlist_name.fill_null("(no hot-list name)"),
                    table_name="hotlist_events", at=h["at"], note=note)


def no_expiry(ctx: RuleContext) -> ir.Table | None:
    h = entries(ctx)
    if h is None:
        return None
    # a withheld expiry (redaction marker) is not a missing one
    h = h.filter(h.expires_at.isnull() & ~redacted(h, "expires_at"))
    return _hotlist_evidence(h, "entry created with no expiry")


def no_case_number(ctx: RuleContext) -> ir.Table | None:
    h = entries(ctx)
    if h is None:
        return None
    h = h.filter(blank(h.case_number) & ~redacted(h, "case_number"))
    return _hotlist_evidence(h, "entry created with no case number")


def personal_owner(ctx: RuleContext) -> ir.Table | None:
    """Entry creations on a list whose name, or with a reason, that looks personal: the
    purpose classifier's label ``personal`` or the word 'personal' (``Sgt X personal``,
    ``PERSONAL - DEP. X``; not ``personnel``)."""
    h = entries(ctx)
    if h is None:
        return None
    h = h.mutate(_name=h.hotlist_name, _why=h.reason)
    h = purpose_table(h, column="_name").rename(_name_label="purpose_label",
                                                 _name_matched="purpose_matched")
    h = purpose_table(h, column="_why").rename(_why_label="purpose_label",
                                                _why_matched="purpose_matched")
    # the word also where a higher-precedence label won ("personal ICE check" → immigration)
    name_hit = ((h._name_label == "personal")
                | h._name.lower().re_search(_WORD)).fill_null(False)
    why_hit = ((h._why_label == "personal") | h._why.lower().re_search(_WORD)).fill_null(False)
    h = h.filter(name_hit | why_hit)
    note = ibis.ifelse(
        name_hit,
        ibis.literal("hot-list name looks personal: ").concat(
            h._name_matched.fill_null("personal")),
        ibis.literal("reason looks personal: ").concat(h._why_matched.fill_null("personal")))
    return _hotlist_evidence(h, note)


RULES = [
    Rule("retention.detections", "Detections kept longer than the policy allows", "high",
         _RETENTION,
         "{count} plate read(s) of {agency} are older than its retention ({notes}); the oldest "
         "was seen {first}.", detections, needs=("detections",)),
    Rule("retention.hits", "Hits kept longer than the policy allows", "high", _RETENTION,
         "{count} hot-list hit(s) of {agency} are older than its retention ({notes}); the "
         "oldest is from {first}.", hits, needs=("hits",)),
    Rule("hotlist.no_expiry", "Hot-list entries without an expiry", "low", _HOTLIST,
         "{count} entr(y/ies) added to hot list '{subject}' of {agency} have no expiry date: "
         "they alert until someone removes them.", no_expiry, needs=("hotlist_events",)),
    Rule("hotlist.no_case_number", "Hot-list entries without a case number", "low", _HOTLIST,
         "{count} entr(y/ies) added to hot list '{subject}' of {agency} name no case number "
         "to justify them.", no_case_number, needs=("hotlist_events",)),
    Rule("hotlist.personal_owner", "Personal-looking hot list", "medium", _PERSONAL,
         "Hot list '{subject}' of {agency} looks personal rather than an agency list "
         "({notes}); {count} entr(y/ies) added.", personal_owner, needs=("hotlist_events",)),
]
