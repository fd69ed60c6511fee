"""Vigilant VehicleManager user list (XLSX/CSV, one column ``Name``) → ``users``.

OCSD's list is one sheet named after the agency (cut to Excel's 31 characters:
``Orange County Sheriffs Departme``) holding ``Name`` and 269 names, two of them twice.

A one-column sheet headed ``Name`` is weak evidence, so the sniff asks for more: in every
non-empty sheet the first non-empty row is the single header ``Name``, the data rows fill that
column only, and at least 80 % of the names read are person-like (2–6 words of letters, no
digits, no agency words such as ``PD``, ``County``, ``Police``). A Flock user list, an agency
list (``Name,State,Type``) or a response workbook with other sheets is not taken.

``user_ref`` and ``display_name`` are the name as written (trimmed). The publisher is the
``--agency`` given, else the sheet name when it names an agency (a word cut at 31 characters
is completed: ``Departme`` → ``Department``). No record id: rows are keyed by the name, so two
identical names in one list stay two accounts and a re-sent list is recognised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from alpr_audit.core import sql
from alpr_audit.core.cells import REDACTION_PATTERN
from alpr_audit.ingest.base import Plan, PlanPart, Probe, StageContext, StageResult
from alpr_audit.ingest.tabular import HeaderMap, norm_header
from alpr_audit.ingest.tabular_importer import TabularImporter

_PERSON = re.compile(r"[^\W\d_][\w.,'\u2019-]*(?:\s+[^\W\d_][\w.,'\u2019-]*){1,5}")
_AGENCY_WORDS = re.compile(
    r"\b(police|sheriff'?s?|county|department|dept|office|city|town|agency|patrol|"
    r"university|college|district|bureau|division|network|marshals?|inc|llc|hoa|"
    r"association|authority|task force|airport|federal)\b", re.I)
_AGENCY_CODES = re.compile(r"\b(PD|SO|SD|DA|DPS|CHP|FBI|DEA|ATF|HSI|ICE)\b")
_REDACTED = re.compile(REDACTION_PATTERN, re.I)
#: Words an agency sheet name may end with, to complete one cut at Excel's 31 characters.
_WORDS = ("Department", "Office", "Police", "Sheriffs", "Sheriff's", "Sheriff", "County",
          "Division", "Bureau", "Agency", "Authority", "District")
_MIN_PERSON_SHARE = 0.8
SYNONYMS = {"name": "name"}


def person_like(text: str) -> bool:
    """Does ``text`` read as a person's name rather than an agency, an id or a sentence?"""
    text = text.strip()
    return (bool(_PERSON.fullmatch(text)) and not _AGENCY_WORDS.search(text)
            and not _AGENCY_CODES.search(text))


def _filled(row: Sequence[str | None]) -> list[int]:
    return [i for i, c in enumerate(row) if c is not None and str(c).strip()]


def _name_list(rows: Sequence[Sequence[str | None]]) -> HeaderMap | None:
    """The header map of a one-column ``Name`` list, or None."""
    rows = [r for r in rows if _filled(r)]
    if len(rows) < 2:
        return None
    head = _filled(rows[0])
    if len(head) != 1 or norm_header(rows[0][head[0]]) != "name":
        return None
    col = head[0]
    values = []
    for r in rows[1:]:
        if _filled(r) != [col]:
            return None  # cells outside the Name column: some other table
        values.append(str(r[col]).strip())
    names = [v for v in values if not _REDACTED.fullmatch(v)]
    if not names or sum(map(person_like, names)) < _MIN_PERSON_SHARE * len(names):
        return None
    fields = [""] * col + ["name"]
    headers = [f"column {i + 1}" for i in range(col)] + [str(rows[0][col]).strip()]
    return HeaderMap(None, fields, headers)


def sheet_agency(name: str | None) -> str | None:
    """The agency a sheet name gives, completing a word Excel cut at 31 characters."""
    if not name:
        return None
    text = " ".join(name.split())
    if len(name) == 31:
        head, _, stub = text.rpartition(" ")
        done = [w for w in _WORDS if w.lower().startswith(stub.lower()) and w.lower() != stub.lower()]
        if head and done and stub.lower() not in {w.lower() for w in _WORDS}:
            text = f"{head} {done[0]}"
    return text if _AGENCY_WORDS.search(text) or _AGENCY_CODES.search(text) else None


class VigilantUsersImporter(TabularImporter):
    """Vigilant VehicleManager user list → ``users`` (one row per name)."""

    format_id: ClassVar[str] = "vigilant_users"
    label: ClassVar[str] = "Vigilant VehicleManager user list (one column Name)"
    table: ClassVar[str] = "users"
    synonyms = SYNONYMS
    required_any = ({"name"},)
    min_fields = 1

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan only when every non-empty sheet is a person-like ``Name`` list."""
        try:
            if probe.kind not in ("csv", "xlsx"):
                return None
            parts: list[PlanPart] = []
            for sp in probe.sheets:
                rows = sp.rows
                if not any(_filled(r) for r in rows):
                    continue
                hm = _name_list(rows)
                if hm is None:
                    return None  # another table beside the list: not this format
                header_row = next(i for i, r in enumerate(rows) if _filled(r))
                hm.header_row = header_row
                parts.append(PlanPart(sp.name, hm, header_row + 1))
            return Plan(self.format_id, None, parts=tuple(parts)) if parts else None
        except Exception:  # sniffing must never raise
            return None

    def build(self, hm: HeaderMap, relation: str) -> str:
        col = hm.fields.index("name")
        label = hm.headers[col]
        empty = sql.string(label + " is empty: a user row needs a name")
        return f"""
SELECT _locator,
  CASE WHEN _reject IS NOT NULL THEN _reject
       WHEN aa_empty_t(t) THEN {empty} END AS _reject,
  CASE WHEN _reject IS NOT NULL OR aa_empty_t(t)
       THEN coalesce(_raw, json_object({sql.string(label)}, "c{col}")::VARCHAR) END AS _raw,
  hash(t) AS _kb, false AS _has_id,
  aa_text_t(t) AS user_ref, aa_text_t(t) AS display_name,
  CASE WHEN aa_redacted_t(t) THEN ['user_ref', 'display_name'] ELSE CAST([] AS VARCHAR[]) END
    AS redacted
FROM (SELECT *, aa_trim("c{col}") AS t FROM {relation})"""

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        publisher, details = ctx.publisher, {}
        if publisher is None:
            names = {sheet_agency(p.sheet) for p in ctx.plan.parts}
            if len(names) == 1 and None not in names:
                publisher = names.pop()
                details["publisher_from"] = "sheet name"
        return StageResult(locator_base, None, publisher, details=details, tables=(self.table,))
