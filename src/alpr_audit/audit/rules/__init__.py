"""The rule registry: every rule family is one module here, listed in :data:`FAMILIES`.

Adding a rule = adding a :class:`~alpr_audit.audit.rules.base.Rule` to its family module's
``RULES`` list (or a new module added to ``FAMILIES``), with its tests.
"""

from __future__ import annotations

from alpr_audit.audit.rules import (
    access_record,
    accounts,
    agreements,
    counts,
    policy,
    purpose,
    retention,
    scope,
    sharing,
)
from alpr_audit.audit.rules.base import SEVERITIES, Rule

#: Family modules in report order. Imported explicitly: a family that fails to import fails
#: every audit loudly instead of silently dropping its rules.
FAMILY_MODULES = (sharing, agreements, access_record, purpose, scope, accounts, retention,
                  counts, policy)
FAMILIES = tuple(m.__name__.rsplit(".", 1)[-1] for m in FAMILY_MODULES)


def all_rules() -> list[Rule]:
    """Every rule of every family, in report order; ids are unique."""
    rules: list[Rule] = []
    for module in FAMILY_MODULES:
        rules.extend(module.RULES)
    ids = [r.id for r in rules]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuntimeError(f"duplicate rule ids: {sorted(dupes)}")
    bad = [r.id for r in rules if r.severity not in SEVERITIES]
    if bad:
        raise RuntimeError(f"rules with an unknown severity: {bad}")
    return rules


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; KeyError when there is none."""
    for rule in all_rules():
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)
