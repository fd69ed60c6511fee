"""Records of access completeness (rule family 3, §1798.90.52(a)).

Every access must be recorded with (1) date and time, (2) the plate or other data used to
query, (3) the username and organisation, (4) the purpose. A finding per (log's agency,
missing field) counts the searches lacking it. A cell the source marked as redacted was
withheld from the release, not missing from the log, and is not counted here.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from alpr_audit.audit.rules.base import Rule, RuleContext, blank, evidence, redacted

#: field → (its number in §1798.90.52(a), columns that together record it)
FIELDS = {
    "date_time": ("(1)", ("searched_at",)),
    "query": ("(2)", ("plate_query", "filters", "text_prompt")),
    "user": ("(3)", ("user_ref",)),
    "purpose": ("(4)", ("reason",)),
}


def _missing(s: ir.Table, columns: tuple[str, ...]) -> ir.BooleanValue:
    pred = None
    for col in columns:
        gone = s[col].isnull() if col == "searched_at" else blank(s[col])
        cell = gone & ~redacted(s, col)
        pred = cell if pred is None else pred & cell
    return pred


def incomplete(ctx: RuleContext) -> ir.Table | None:
    if not ctx.has_rows("searches"):
        return None
    s = ctx.table("searches")
    parts = []
    for field, (_, columns) in FIELDS.items():
        if field == "purpose":
            # a reason the classifier labels missing ('no reason given', '---') records none
            p = ctx.table("search_purposes").select("source_id", "locator", "label")
            j = s.left_join(p, ["source_id", "locator"])
            rows = j.filter((_missing(j, columns) | (j.label == "missing").fill_null(False))
                            & ~redacted(j, "reason"))
        else:
            rows = s.filter(_missing(s, columns))
        parts.append(evidence(rows, agency=rows.publisher_agency_id, subject=ibis.literal(field),
                              table_name="searches", at=rows.searched_at,
                              note=ibis.literal(f"no {field.replace('_', ' ')} recorded")))
    return ibis.union(*parts)


RULES = [
    Rule("access_record.incomplete", "Record of access missing a required field", "medium",
         "Civ. Code §1798.90.52(a): every access recorded with date and time, the data used to "
         "query, the username and organisation, and the purpose",
         "{count} search record(s) in {agency}'s logs have no {subject} recorded; "
         "§1798.90.52(a) requires it for every access.",
         incomplete, needs=("searches",), subject_kind="field"),
]
