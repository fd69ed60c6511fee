"""What every importer is: a sniffer that recognises a format by content, and a stager that
turns the file's rows into a ``stage`` table of the target table's columns.

An importer never writes the store. It fills one TEMP table ``stage_<table>`` per target table
(:func:`stage_name`) on the connection it is given; the pipeline then de-duplicates, writes
Parquet and commits (``ingest.commit``). This keeps the invariants (row accounting,
atomicity, provenance) in one place for every format.

Stage columns: any columns of the target table (those the pipeline fills — ``source_id``,
``locator``, the publisher column, agency ids, ``natural_key``, ``occurrence`` — are ignored;
missing ones come from ``StageResult.constants`` or are NULL), plus:

* ``_locator`` — the place in the file (``Sheet!12``), or NULL when ``locator_base`` applies;
* ``_reject`` — NULL, or why the row cannot be loaded (the row then goes to ``rejects``);
* ``_raw`` — the row's cells as text (JSON object header → cell), filled for rejected rows;
* ``_kb`` — hash of the row's de-duplication key; ``_has_id`` — whether the key holds a
  vendor record id (then identical keys are duplicates even inside one file).

Rows are inserted in file order, so ``rowid`` is the record's ordinal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from alpr_audit.core.records import Plan, PlanPart

__all__ = ["PUBLISHER", "Importer", "Plan", "PlanPart", "Probe", "SheetProbe",
           "StageContext", "StageResult", "stage_name"]


@dataclass
class SheetProbe:
    """The first rows of one sheet (CSV files have one sheet named ``None``)."""

    name: str | None
    rows: list[list[str | None]]


@dataclass
class Probe:
    """What the detector learnt about a file without reading all of it."""

    path: Path
    kind: str  # csv, xlsx, pdf, html, text, binary, empty
    encoding: str | None = None
    sheets: list[SheetProbe] = field(default_factory=list)
    note: str | None = None


@dataclass
class StageContext:
    """What an importer gets to stage a file."""

    con: duckdb.DuckDBPyConnection
    path: Path
    probe: Probe
    plan: Plan
    publisher: str | None  # agency name the operator gave with --agency
    progress: Callable[[int], None]  # advance by N records
    set_total: Callable[[int | None], None]


#: A constant meaning "the publisher's agency id" (see StageResult.constants).
PUBLISHER = object()


def stage_name(table: str) -> str:
    """The TEMP table an importer fills for target ``table``."""
    return f"stage_{table}"


@dataclass
class StageResult:
    """What staging produced beyond the stage tables."""

    locator_base: int  # 'row ' || (rowid + locator_base) where _locator is NULL
    log_kind: str | None
    publisher_name: str | None  # publisher agency name as found in the data (or given)
    details: dict[str, Any] = field(default_factory=dict)
    tables: tuple[str, ...] = ("searches",)  # target tables staged, in commit order
    #: column -> value for columns the stages lack (``PUBLISHER`` = the publisher's id)
    constants: dict[str, Any] = field(default_factory=dict)


class Importer(Protocol):
    """One source format.

    The three names are read-only: importers declare them as class attributes (``ClassVar``),
    and a protocol attribute would demand a settable instance attribute instead.
    """

    @property
    def format_id(self) -> str:
        """The format's stable id (``flock_audit``), shown in the ledger and ``--format``."""

    @property
    def label(self) -> str:
        """One line saying what the format is, for ``ingest --list-formats`` and errors."""

    @property
    def table(self) -> str:
        """The main target table."""

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan when the probe is this format, else None. Must not raise on any input."""

    def stage(self, ctx: StageContext) -> StageResult:
        """Fill the stage tables from the file; raise IngestError if it is unreadable."""
