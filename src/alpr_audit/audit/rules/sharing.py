"""Sharing legality: who receives this agency's ALPR data (rule family 1).

California allows sharing only with California public agencies (§1798.90.55(b)); the
Attorney General's Bulletin 2023-DLE-06 reads that as excluding out-of-state and federal
agencies and private entities, vendor databases included. A partner is judged from the agency
registry (state, level, federal/private flags parsed from the names the sources write).
Inbound sharing is legal and only reported.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from alpr_audit.audit.rules.base import Rule, RuleContext, evidence

_LAW = ("Civ. Code §1798.90.55(b): a public agency shall not share ALPR information except "
        "with another public agency; AG Bulletin 2023-DLE-06: not out-of-state or federal "
        "agencies or private entities")


def _sharing(ctx: RuleContext, direction: str) -> ir.Table | None:
    if not ctx.has_rows("sharing"):
        return None
    s = ctx.table("sharing")
    s = s.filter((s.direction == direction) & (s.status.isnull() | (s.status != "removed")))
    a = ctx.table("agencies")
    pub = a.select(pub_id=a.agency_id, pub_state=a.state)
    par = a.select(par_id=a.agency_id, par_state=a.state, par_federal=a.is_federal,
                   par_private=a.is_private, par_deactivated=a.deactivated)
    j = s.left_join(pub, s.publisher_agency_id == pub.pub_id)
    j = j.left_join(par, j.partner_agency_id == par.par_id)
    home = ctx.home_state
    # the pack's state when it has one (california → CA); else the publisher's own state
    home_expr = ibis.literal(home) if home else j.pub_state
    return j.mutate(
        home=home_expr,
        federal=j.par_federal.fill_null(False),
        private=j.par_private.fill_null(False),
        pstate=ibis.ifelse(j.par_state.isnull() | (j.par_state == ""), "unknown", j.par_state),
    )


def _out(ctx: RuleContext, pred, active_only: bool = True) -> ir.Table | None:  # noqa: ANN001
    """Outbound rows matching ``pred`` (an Ibis predicate builder). A share the source marks
    inactive or deactivated is judged by sharing.deactivated_partner, not as a current one."""
    j = _sharing(ctx, "out")
    if j is None:
        return None
    if active_only:
        j = j.filter(j.status.isnull() | ~j.status.isin(["deactivated", "inactive"]))
    j = j.filter(pred(j))
    note = j.partner_name_raw.concat(" (", j.pstate, ")")
    return evidence(j, agency=j.publisher_agency_id,
                    subject=j.partner_agency_id.fill_null(j.partner_name_raw),
                    table_name="sharing", at=j.observed_on.cast("timestamp"), note=note)


def out_of_state(ctx: RuleContext) -> ir.Table | None:
    return _out(ctx, lambda j: ~j.federal & ~j.private & (j.pstate != "unknown")
                & j.home.notnull() & (j.home != "unknown") & (j.pstate != j.home))


def federal(ctx: RuleContext) -> ir.Table | None:
    return _out(ctx, lambda j: j.federal)


def private(ctx: RuleContext) -> ir.Table | None:
    return _out(ctx, lambda j: j.private & ~j.federal)


def unknown_partner(ctx: RuleContext) -> ir.Table | None:
    return _out(ctx, lambda j: ~j.federal & ~j.private & (j.pstate == "unknown"))


def deactivated_partner(ctx: RuleContext) -> ir.Table | None:
    return _out(ctx, lambda j: j.par_deactivated.fill_null(False)
                | j.status.isin(["deactivated", "inactive"]).fill_null(False), active_only=False)


def inbound(ctx: RuleContext) -> ir.Table | None:
    j = _sharing(ctx, "in")
    if j is None:
        return None
    return evidence(j, agency=j.publisher_agency_id, subject=ibis.literal("inbound"),
                    table_name="sharing", at=j.observed_on.cast("timestamp"),
                    note=j.partner_name_raw.concat(" (", j.pstate, ")"))


RULES = [
    Rule("sharing.out_of_state", "Data shared with an out-of-state agency", "high", _LAW,
         "{agency} shares ALPR data with {subject_name}, an agency outside {home_state}: "
         "{count} sharing record(s), e.g. {notes}.", out_of_state,
         needs=("sharing",), subject_kind="agency"),
    Rule("sharing.federal", "Data shared with a federal agency", "high", _LAW,
         "{agency} shares ALPR data with the federal agency {subject_name}: {count} sharing "
         "record(s).", federal, needs=("sharing",), subject_kind="agency"),
    Rule("sharing.private", "Data shared with a private entity", "high", _LAW,
         "{agency} shares ALPR data with {subject_name}, which is not a public agency: "
         "{count} sharing record(s).", private, needs=("sharing",), subject_kind="agency"),
    Rule("sharing.unknown_partner", "Recipient that cannot be verified as a public agency",
         "review", _LAW,
         "{agency} shares ALPR data with {subject_name}, whose state and kind the records do "
         "not show: verify it is a {home_state} public agency. {count} sharing record(s).",
         unknown_partner, needs=("sharing",), subject_kind="agency"),
    Rule("sharing.deactivated_partner", "Deactivated recipient still listed", "medium",
         "Civ. Code §1798.90.51(a): reasonable security procedures and practices",
         "{subject_name} is marked deactivated or inactive yet is still listed as receiving "
         "{agency}'s data ({count} record(s)).", deactivated_partner,
         needs=("sharing",), subject_kind="agency"),
    Rule("sharing.inbound", "Agencies sharing their data with this agency", "info",
         "Civ. Code §1798.90.55(b) (receiving from public agencies is allowed; reported for "
         "completeness)",
         "{count} inbound sharing record(s): other agencies share their ALPR data with {agency}.",
         inbound, needs=("sharing",)),
]
