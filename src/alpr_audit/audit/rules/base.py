"""What a rule is, what it gets to work with, and the evidence shape every rule returns.

A rule is data (id, title, severity, citation, explanation) plus one query written in Ibis,
so the same rule runs on DuckDB and on Spark. The query returns *evidence*: one row per
normalised row that shows the problem, in the columns of :data:`EVIDENCE_COLUMNS`. The engine
groups evidence by (agency_id, subject) into findings, counts it and writes it to the store;
rules never write anything themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from alpr_audit.core.records import SEVERITIES

__all__ = ["EVIDENCE_COLUMNS", "SEVERITIES", "Rule", "RuleContext", "blank", "evidence",
           "redacted"]

#: The columns (and Ibis types) of a rule's evidence table, in order.
EVIDENCE_COLUMNS: dict[str, str] = {
    "agency_id": "string",
    "subject": "string",
    "table_name": "string",
    "source_id": "string",
    "locator": "string",
    "at": "timestamp",
    "note": "string",
}


@dataclass(frozen=True)
class Rule:
    """One audit rule.

    ``explanation`` is a ``str.format`` template; it may use ``{agency}`` (name), ``{subject}``,
    ``{subject_name}`` (the agency's name when the subject is an agency id), ``{count}``,
    ``{first}``, ``{last}``, ``{notes}`` (up to three distinct evidence notes) and any setting
    by name. ``query`` returns the evidence table, or ``None`` when the data it needs is absent
    (the run then lists the rule as not applicable, with ``needs`` as the reason).
    """

    id: str
    title: str
    severity: str
    citation: str
    explanation: str
    query: Callable[[RuleContext], ir.Table | None]
    packs: tuple[str, ...] = ("california", "illinois", "virginia", "generic")
    needs: tuple[str, ...] = ()
    #: how the subject reads in a report: "agency" (an agency id), "user", "field", "text"
    subject_kind: str = "text"

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass
class RuleContext:
    """What a rule's query may use: the store's tables as Ibis tables, settings, ``as_of``."""

    backend: Any  # an Ibis backend (DuckDB or PySpark)
    settings: Mapping[str, Any]
    as_of: datetime
    pack: str
    #: the pack's state ("CA" for california); empty: judge by the publisher's own state
    home_state: str = ""
    #: tables the engine derived for this run (e.g. ``search_purposes``), by name
    derived: dict[str, ir.Table] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def table(self, name: str) -> ir.Table:
        """A normalised table (or a table derived for this run) as an Ibis table."""
        if name in self.derived:
            return self.derived[name]
        return self.backend.table(name)

    def has_rows(self, name: str) -> bool:
        """Whether ``name`` holds any row (cached per run: rules ask often)."""
        if name not in self._counts:
            self._counts[name] = int(self.table(name).limit(1).count().to_pyarrow().as_py())
        return self._counts[name] > 0

    def setting(self, name: str) -> Any:
        try:
            return self.settings[name]
        except KeyError:  # a rule asking for an undeclared setting is a programming error
            raise KeyError(f"setting {name!r} is not declared in the pack defaults") from None

    @property
    def as_of_lit(self) -> ir.TimestampScalar:
        return ibis.literal(self.as_of.replace(tzinfo=None), type="timestamp")


def evidence(
    t: ir.Table,
    *,
    agency: ir.Value,
    subject: ir.Value,
    table_name: str,
    at: ir.Value | None = None,
    note: ir.Value | str | None = None,
) -> ir.Table:
    """Select the evidence columns from ``t`` (a normalised table with source_id/locator)."""
    return t.select(
        agency_id=agency.cast("string"),
        subject=subject.cast("string") if isinstance(subject, ir.Value) else ibis.literal(subject, "string"),
        table_name=ibis.literal(table_name, "string"),
        source_id=t.source_id.cast("string"),
        locator=t.locator.cast("string"),
        at=(at if at is not None else ibis.null()).cast("timestamp"),
        note=(note if isinstance(note, ir.Value) else ibis.literal(note, "string")).cast("string"),
    )


def blank(v: ir.StringValue) -> ir.BooleanValue:
    """NULL or only whitespace."""
    return v.isnull() | (v.strip() == "")


def redacted(t: ir.Table, column: str) -> ir.BooleanValue:
    """The row's cell ``column`` held a redaction marker (withheld, not missing)."""
    return t.redacted.notnull() & t.redacted.contains(column).fill_null(False)
