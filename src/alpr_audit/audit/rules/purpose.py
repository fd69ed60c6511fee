"""Purpose quality and prohibited purposes (rule families 4 and 5).

Every search's stated reason is labelled once per run by the classifier in
``audit/reasons.py`` (the engine writes ``search_purposes``); these rules select the labels
that matter. A finding is per (agency whose log it is, searching organisation); the evidence
note names the term that decided the label, so every accusation is explainable.
"""

from __future__ import annotations

import ibis.expr.types as ir

from alpr_audit.audit.rules.base import Rule, RuleContext, evidence

_PURPOSE = "Civ. Code §1798.90.52(b): ALPR data may be used only for authorized purposes"


def labelled(ctx: RuleContext) -> ir.Table | None:
    """Searches joined with their purpose label of this run."""
    if not ctx.has_rows("searches"):
        return None
    s = ctx.table("searches")
    p = ctx.table("search_purposes").select("source_id", "locator", "label", "matched")
    return s.inner_join(p, ["source_id", "locator"])


def _with_labels(labels: list[str]):  # noqa: ANN202 - returns a rule query
    def query(ctx: RuleContext) -> ir.Table | None:
        j = labelled(ctx)
        if j is None:
            return None
        j = j.filter(j.label.isin(labels))
        return evidence(j, agency=j.publisher_agency_id,
                        subject=j.searcher_agency_id.fill_null(j.publisher_agency_id),
                        table_name="searches", at=j.searched_at,
                        note=j.label.concat(": ", j.matched.fill_null("")))
    return query


def _rule(rule_id: str, title: str, severity: str, citation: str, what: str,
          labels: list[str]) -> Rule:
    return Rule(rule_id, title, severity, citation,
                "{count} search(es) in {agency}'s records by {subject_name} give " + what
                + " (matched: {notes}).",
                _with_labels(labels), needs=("searches",), subject_kind="agency")


RULES = [
    _rule("purpose.vague", "Vague or generic search purpose", "medium",
          "Civ. Code §1798.90.52(a)(4), (b); AG Bulletin 2023-DLE-06: the purpose must be "
          "recorded and authorized",
          "a reason that names no offense, case or authorized purpose", ["generic", "test"]),
    _rule("purpose.immigration", "Immigration or federal civil enforcement purpose", "high",
          "Gov. Code §7284.6 (California Values Act) and Civ. Code §1798.90.55(b); AG Bulletin "
          "2023-DLE-06",
          "an immigration or federal civil-enforcement reason", ["immigration"]),
    _rule("purpose.protest", "Protest or First Amendment activity", "high",
          "Civ. Code §1798.90.51(b)(2)(A) authorized purposes; U.S. Const. amend. I; "
          "Cal. Const. art. I §§2–3",
          "a reason about a protest or other First Amendment activity", ["protest"]),
    _rule("purpose.reproductive", "Reproductive-care purpose", "high",
          "Civ. Code §1798.90.51(b)(2)(A) authorized purposes and §1798.90.55(b); AG Bulletin "
          "2023-DLE-06",
          "a reason about reproductive care", ["reproductive"]),
    _rule("purpose.personal", "Personal use", "high", _PURPOSE,
          "a personal, non-law-enforcement reason", ["personal"]),
]
