"""Usage-and-privacy-policy completeness (rule family 10, §1798.90.51(b)(2) / .53(b)(2)).

The policy must state (A) authorized purposes, (B) who may use the system and their training,
(C) how use is monitored and audited, (D) the rules on sale, sharing and transfer, (E) the
official custodian, (F) accuracy and error-correction measures, (G) retention and destruction.
The text judged is the agency's latest transparency-portal capture, its policy text columns
joined. Each element is matched with the regular expressions of ``audit/policy_terms.toml``
on the lower-cased text; an element nothing matches is a finding (subject = its letter).

:func:`policy_elements` gives the matched passage per element for reports and the portal; it
evaluates the *same* Ibis expression (on an in-memory DuckDB), so the two cannot disagree.
"""

from __future__ import annotations

import functools
import re
import threading
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir

from alpr_audit.audit.rules.base import Rule, RuleContext, evidence
from alpr_audit.audit.rules.retention import latest_snapshots
from alpr_audit.core.errors import UsageError

#: Policy text columns of ``portal_snapshots``, in reading order.
POLICY_COLUMNS = ("what_detected", "what_not_detected", "acceptable_use", "prohibited_uses",
                  "access_policy", "hotlist_policy")
ELEMENT_IDS = ("A", "B", "C", "D", "E", "F", "G")
_TERMS = "policy_terms.toml"
#: A passage: the sentence (or clause between ; ! ? or a line break) around the match.
_SENTENCE = r"[^.;!?\n]*"
_local = threading.local()


@dataclass(frozen=True)
class Element:
    """One required policy element: its letter, what the statute asks, its patterns."""

    id: str
    title: str
    patterns: tuple[str, ...]

    @property
    def regex(self) -> str:
        return "|".join(f"(?:{p})" for p in self.patterns)


def load_policy_terms(path: Path | None = None) -> dict[str, Element]:
    """The elements A–G with their patterns (the packaged file, or ``path`` instead)."""
    where = str(path) if path else _TERMS
    try:
        text = (Path(path).read_text(encoding="utf-8") if path else
                resources.files("alpr_audit.audit").joinpath(_TERMS).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the policy term file: {exc.strerror}", path=where,
                         hint="give the path of a readable TOML file") from exc
    return dict(_parse_terms(text, where))


def _re2() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "re2", None)
    if con is None:
        con = _local.re2 = duckdb.connect()
    return con


@functools.lru_cache(maxsize=8)
def _parse_terms(text: str, where: str) -> tuple[tuple[str, Element], ...]:
    """Parsed and checked once per distinct file content (the portal asks once per agency)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"the policy term file is not valid TOML: {exc}", path=where,
                         hint="one [A] … [G] table each with title and patterns") from exc
    out: list[tuple[str, Element]] = []
    for el in ELEMENT_IDS:
        body = data.get(el)
        if not isinstance(body, dict) or not body.get("patterns"):
            raise UsageError(f"element [{el}] has no patterns", path=where, locator=el,
                             hint=f'write [{el}] then patterns = ["…"]')
        for p in body["patterns"]:
            try:
                re.compile(p)  # Python (policy_elements' callers) …
                _re2().execute("SELECT regexp_matches('', $1)", [p])  # … and RE2 (DuckDB)
            except (re.error, duckdb.Error) as exc:
                raise UsageError(f"bad regular expression {p!r} in [{el}]: "
                                 f"{str(exc).splitlines()[0]}", path=where,
                                 locator=f"{el}.patterns",
                                 hint="use \\b for word edges; no lookbehind or lookahead"
                                 ) from exc
        out.append((el, Element(el, str(body.get("title", el)), tuple(body["patterns"]))))
    return tuple(out)


def policy_text(t: ir.Table) -> ir.StringValue:
    """The policy text columns of ``t`` joined, one line each (NULL columns skipped)."""
    cols = [c for c in POLICY_COLUMNS if c in t.columns]
    text = ibis.literal("")
    for c in cols:
        text = text.concat(t[c].cast("string").fill_null(""), "\n")
    return text


def element_hit(text: ir.StringValue, el: Element) -> ir.BooleanValue:
    """Whether any pattern of ``el`` matches the lower-cased ``text``."""
    return text.lower().re_search(el.regex).fill_null(False)


def element_passage(text: ir.StringValue, el: Element) -> ir.StringValue:
    """The sentence of ``text`` (original case) around the first match of ``el``, or NULL."""
    found = text.re_extract(f"(?i){_SENTENCE}(?:{el.regex}){_SENTENCE}", 0).strip()
    return ibis.ifelse(element_hit(text, el) & (found != ""), found, ibis.null("string"))


def missing_element(ctx: RuleContext) -> ir.Table | None:
    """One evidence row (the snapshot) per element no passage of the latest capture matches."""
    if not ctx.has_rows("portal_snapshots"):
        return None
    elements = load_policy_terms()
    snap = latest_snapshots(ctx)
    snap = snap.mutate(_text=policy_text(snap))
    where = ibis.literal(" in the portal page captured ").concat(
        snap.captured_on.cast("string").fill_null("(date unknown)"),
        ibis.ifelse(snap._text.strip() == "", ibis.literal(" (the page shows no policy text)"),
                    ibis.literal("")))
    snap = snap.mutate(_where=where)
    parts = []
    for el in elements.values():
        missing = ~element_hit(snap._text, el)
        if el.id == "G" and "retention_days" in snap.columns:
            # the portal's retention card ("30 days") states the retention period itself
            missing = missing & snap.retention_days.isnull()
        rows = snap.filter(missing)
        note = ibis.literal(f"({el.id}) {el.title}: no matching passage").concat(rows._where)
        parts.append(evidence(rows, agency=rows.agency_id, subject=ibis.literal(el.id),
                              table_name="portal_snapshots",
                              at=rows.captured_on.cast("timestamp"), note=note))
    return ibis.union(*parts)



def policy_elements(text: str | None, path: Path | None = None) -> dict[str, str | None]:
    """Element letter → the passage of ``text`` that addresses it, or None when none does."""
    elements = load_policy_terms(path)
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = ibis.duckdb.connect()
    t = ibis.memtable({"what_detected": [text or ""]}, schema={"what_detected": "string"})
    body = policy_text(t)
    expr = t.select(**{el.id: element_passage(body, el) for el in elements.values()})
    row = con.to_pyarrow(expr).to_pylist()[0]
    return {el: row[el] for el in elements}


RULES = [
    Rule("policy.missing_element", "Usage and privacy policy missing a required element",
         "medium",
         "Civ. Code §1798.90.51(b)(2)(A)–(G) and §1798.90.53(b)(2)(A)–(G): the usage and "
         "privacy policy shall include, at a minimum, each element",
         "{agency}'s published policy text does not address element {subject} of "
         "§1798.90.51(b)(2): {notes}.",
         missing_element, needs=("portal_snapshots",)),
]
