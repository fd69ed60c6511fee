"""What every importer is: a sniffer that recognises a format by content, and a stager that
turns the file's rows into a ``stage`` table of the target table's columns.

An importer never writes the store. It fills the TEMP table ``stage`` on the connection it is
given; the pipeline then de-duplicates, writes Parquet and commits (``ingest.commit``). This
keeps the invariants (row accounting, atomicity, provenance) in one place for every format.

``stage`` columns: every column of the target table except ``source_id``, ``natural_key`` and
``occurrence`` (the pipeline adds them), plus:

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
class Plan:
    """An importer's decision about how to read one file."""

    format_id: str
    log_kind: str | None
    details: dict[str, Any] = field(default_factory=dict)


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


@dataclass
class StageResult:
    """What staging produced beyond the ``stage`` table."""

    locator_base: int  # 'row ' || (rowid + locator_base) where _locator is NULL
    log_kind: str
    publisher_name: str | None  # publisher agency name as found in the data (or given)
    details: dict[str, Any] = field(default_factory=dict)


class Importer(Protocol):
    """One source format."""

    format_id: str
    label: str
    table: str

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan when the probe is this format, else None. Must not raise on any input."""

    def stage(self, ctx: StageContext) -> StageResult:
        """Fill TEMP table ``stage`` from the file; raise IngestError if it is unreadable."""
