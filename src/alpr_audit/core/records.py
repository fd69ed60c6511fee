"""The typed records that cross module boundaries.

One record per contract: an audit :class:`Finding` and its :class:`Evidence` rows, a rejected
row (:class:`Reject`), one file's ingest outcome (:class:`IngestResult`) and an importer's
decision about how to read a file (:class:`Plan`, made of :class:`PlanPart`). Producers build
them, consumers read attributes, and ``to_json`` gives the machine-readable shape (the CLI
contract of docs/cli.md where the record appears on the command line). Records read back from
the store have ``from_row`` (a row as a mapping of column → value).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import KW_ONLY, asdict, dataclass, field
from datetime import datetime
from typing import Any

#: Severities of a finding, most serious first.
SEVERITIES: tuple[str, ...] = ("high", "medium", "low", "review", "info")


def severity_rank(severity: str) -> int:
    """Sort key of a severity: its place in :data:`SEVERITIES` (unknown ones last)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


# --- audit ---------------------------------------------------------------------------------

#: The keys of one finding in ``audit --json`` (the CLI contract; extend, never rename).
FINDING_JSON_KEYS = ("finding_id", "rule_id", "severity", "agency", "subject", "evidence_count",
                     "citation", "message")

#: The columns of the ``findings`` table a run writes, in order.
FINDING_COLUMNS = ("finding_id", "run_id", "rule_id", "severity", "agency_id", "subject",
                   "evidence_count", "first_at", "last_at", "citation", "title", "message",
                   "details")


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule × one agency (× one subject): what the evidence shows, with its citation.

    ``agency`` is the agency's display name (its id when unknown); ``subject_name`` is how the
    subject reads in a report (an agency's name when ``subject_kind`` is ``agency``, a
    pseudonym when it is ``user`` and the finding was loaded for a public output).
    """

    finding_id: str
    run_id: str
    rule_id: str
    severity: str
    agency_id: str | None
    agency: str | None
    subject: str | None
    subject_name: str | None
    subject_kind: str
    evidence_count: int
    first_at: datetime | None
    last_at: datetime | None
    citation: str | None
    title: str | None
    message: str
    #: up to three distinct evidence notes, most frequent first
    notes: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Any:
        """``finding["rule_id"]``: read access for code written when findings were dicts
        (branches in flight). New code reads attributes, which mypy checks."""
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def to_json(self) -> dict[str, Any]:
        """The finding object of ``audit --json``."""
        return {k: getattr(self, k) for k in FINDING_JSON_KEYS}

    def to_record(self) -> dict[str, Any]:
        """Every field a display needs (web API, portal), without the raw evidence notes."""
        return {k: getattr(self, k) for k in (
            "finding_id", "rule_id", "severity", "agency_id", "agency", "subject",
            "subject_kind", "evidence_count", "first_at", "last_at", "citation", "title",
            "message", "run_id")}

    def to_row(self) -> dict[str, Any]:
        """The finding as a row of the ``findings`` table (:data:`FINDING_COLUMNS`)."""
        row = {k: getattr(self, k) for k in FINDING_COLUMNS if k != "details"}
        row["details"] = json.dumps({"notes": list(self.notes), "subject_kind": self.subject_kind})
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, agency: str | None = None,
                 subject_name: str | None = None) -> Finding:
        """A finding read back from the ``findings`` table (``agency``: the display name)."""
        details = json.loads(row.get("details") or "{}")
        return cls(
            finding_id=row["finding_id"], run_id=row["run_id"], rule_id=row["rule_id"],
            severity=row["severity"], agency_id=row["agency_id"],
            agency=agency or row["agency_id"], subject=row["subject"],
            subject_name=subject_name if subject_name is not None else row["subject"],
            subject_kind=details.get("subject_kind") or "text",
            evidence_count=int(row["evidence_count"] or 0), first_at=row["first_at"],
            last_at=row["last_at"], citation=row["citation"], title=row["title"],
            message=row["message"], notes=tuple(details.get("notes") or ()))


#: The columns of the ``evidence`` table, in order.
EVIDENCE_FIELDS = ("run_id", "finding_id", "rule_id", "agency_id", "subject", "table_name",
                   "source_id", "locator", "at", "note")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One normalised row behind a finding: where it is (source, locator) and what it shows."""

    run_id: str
    finding_id: str
    rule_id: str
    agency_id: str | None
    subject: str | None
    table_name: str
    source_id: str
    locator: str
    at: datetime | None
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Evidence:
        """An evidence row read from the store (extra columns are ignored)."""
        return cls(run_id=row["run_id"], finding_id=row["finding_id"], rule_id=row["rule_id"],
                   agency_id=row.get("agency_id"), subject=row.get("subject"),
                   table_name=row["table_name"], source_id=row["source_id"],
                   locator=row["locator"], at=row.get("at"), note=row.get("note"))


# --- ingest --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Reject:
    """A row that could not be loaded: where it is, its raw text, why (code and message)."""

    source_id: str
    locator: str
    code: str
    reason: str
    raw: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Reject:
        """A row of the ``rejects`` table (stores made before codes read as ``row.other``)."""
        return cls(source_id=row["source_id"], locator=row["locator"],
                   code=row.get("code") or "row.other", reason=row["reason"], raw=row.get("raw"))


@dataclass(frozen=True, slots=True)
class IngestResult:
    """One file's outcome; ``to_json`` is the ``ingest --json`` contract shape."""

    path: str
    sha256: str | None
    format: str | None
    status: str  # ingested | already_ingested | failed
    source_id: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_duplicate: int
    message: str
    log_kind: str | None = None
    publisher_agency_id: str | None = None
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IngestResult:
        """The inverse of :meth:`to_json` (keys this record lacks are ignored)."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(slots=True)
class HeaderMap:
    """Where a table's header is and which column holds which field."""

    header_row: int | None  # index in the probe rows; None for a header-less sheet
    fields: list[str]  # canonical field per column ('' = not used, kept in _raw only)
    headers: list[str]  # header text as written (or the default name) per column

    @property
    def present(self) -> set[str]:
        return {f for f in self.fields if f}


@dataclass(frozen=True, slots=True)
class PlanPart:
    """One table an importer reads: its sheet (``None`` in a CSV), header and rows to skip."""

    sheet: str | None
    header: HeaderMap
    skip: int  # physical records before the data (title rows + header)
    #: columns the table spans when cells right of the header belong to no column
    width: int | None = None

    def to_json(self) -> dict[str, Any]:
        """How the ledger describes the part (1-based header row, header → field)."""
        hm = self.header
        return {
            "sheet": self.sheet,
            "header_row": None if hm.header_row is None else hm.header_row + 1,
            "columns": {h: f or None for h, f in zip(hm.headers, hm.fields, strict=False)},
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """An importer's decision about how to read one file.

    ``parts`` are the tables it reads; ``details`` holds what only that format needs between
    ``sniff`` and ``stage`` (a response workbook's sheet roles, a mapping's missing columns).
    Staging that learns more (the real encoding) makes a new plan with
    :func:`dataclasses.replace`.
    """

    format_id: str
    log_kind: str | None
    _: KW_ONLY
    parts: tuple[PlanPart, ...] = ()
    ignored_sheets: tuple[str, ...] = ()
    encoding: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format_id": self.format_id, "log_kind": self.log_kind,
                "parts": [p.to_json() for p in self.parts],
                "ignored_sheets": list(self.ignored_sheets), "encoding": self.encoding}

