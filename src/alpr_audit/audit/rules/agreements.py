"""Agreements on file for outbound sharing (rule family 2).

Agencies' own policies (LAPD Special Order 31 after State Auditor report 2019-118: share only
with agencies that have an interagency agreement; SB 34 partners certify they will not share
onward) require a signed agreement before data flows to a partner. The rule compares the
agency's outbound sharing list with the agreements it produced. It runs only for agencies that
produced an agreements list at all: with no list the store cannot tell "no agreement" from
"not released".
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from alpr_audit.audit.rules.base import Rule, RuleContext, evidence

_BASIS = ("Agency sharing policy: an interagency agreement before sharing (California State "
          "Auditor report 2019-118; LAPD Special Order 31, 2020); Civ. Code "
          "§1798.90.51(b)(2)(D) restrictions on sharing")

#: Row statuses of a relationship that no longer carries data.
_INACTIVE = ("removed", "deactivated", "inactive")


def _pair_key(agency: ir.StringValue, partner_id: ir.StringValue,
              partner_raw: ir.StringValue) -> ir.StringValue:
    """(agency, partner) as one key: the registry id, else the name as written (lower case)."""
    partner = partner_id.fill_null(partner_raw.lower().strip())
    return agency.fill_null("").concat("|", partner.fill_null(""))


def missing(ctx: RuleContext) -> ir.Table | None:
    """Active outbound partners with no agreement valid on ``as_of``.

    Valid = signed_on <= as_of and (expires_on IS NULL or expires_on >= as_of), compared as
    dates (an agreement expiring on the audit's day still covers that day). Evidence = the
    sharing rows of the partner; the note says why (none on file, expired, not yet signed).
    """
    if not (ctx.has_rows("sharing") and ctx.has_rows("agreements")):
        return None
    day = ibis.literal(ctx.as_of.date(), type="date")
    a = ctx.table("agreements")
    a = a.mutate(_k=_pair_key(a.agency_id, a.partner_agency_id, a.partner_name_raw),
                 _valid=(a.signed_on.notnull() & (a.signed_on <= day)
                         & (a.expires_on.isnull() | (a.expires_on >= day))).fill_null(False))
    per_pair = a.group_by("_k").aggregate(
        _n=a.count(),
        _n_valid=a._valid.cast("int64").sum(),
        _last_expiry=a.expires_on.max(),
        _first_signed=a.signed_on.min(),
    )
    signers = a.filter(a.agency_id.notnull()).select(_signer=a.agency_id).distinct()

    s = ctx.table("sharing")
    par = ctx.table("agencies").select(_par_id="agency_id", _par_deactivated="deactivated")
    s = s.filter((s.direction == "out") & ~s.status.lower().isin(_INACTIVE).fill_null(False))
    s = s.left_join(par, s.partner_agency_id == par._par_id)
    # "active" partner: neither the row nor the registry marks it deactivated (those are
    # sharing.deactivated_partner's findings; a defunct agency signs nothing)
    s = s.filter(~s._par_deactivated.fill_null(False))
    s = s.inner_join(signers, s.publisher_agency_id == signers._signer)
    s = s.mutate(_k=_pair_key(s.publisher_agency_id, s.partner_agency_id, s.partner_name_raw))
    j = s.left_join(per_pair, s._k == per_pair._k)
    j = j.filter(j._n_valid.fill_null(0) == 0)
    why = ibis.cases(
        (j._n.isnull(), ibis.literal("no agreement on file")),
        (j._last_expiry.notnull() & (j._last_expiry < day),
         ibis.literal("agreement expired on ").concat(j._last_expiry.cast("string"))),
        (j._first_signed.notnull() & (j._first_signed > day),
         ibis.literal("agreement signed only on ").concat(j._first_signed.cast("string"))),
        else_=ibis.literal("agreement on file has no signing date"),
    )
    note = (j.partner_name_raw.fill_null(j.partner_agency_id).fill_null("(unnamed partner)")
            .concat(": ", why, " (as of ", day.cast("string"), ")"))
    return evidence(j, agency=j.publisher_agency_id,
                    subject=j.partner_agency_id.fill_null(j.partner_name_raw),
                    table_name="sharing", at=j.observed_on.cast("timestamp"), note=note)


RULES = [
    Rule("agreements.missing", "Outbound partner without a valid agreement", "medium", _BASIS,
         "{agency} shares ALPR data with {subject_name} but has no agreement with it that is "
         "valid on the audit date ({notes}); {count} sharing record(s).",
         missing, needs=("sharing", "agreements"), subject_kind="agency"),
]
