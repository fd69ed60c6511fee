"""The shape of a normalised table: its columns, storage and de-duplication scope.

Kept apart from the table definitions (:mod:`alpr_audit.core.schema`, :mod:`alpr_audit.core.schema_outputs`)
so both can build on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str


@dataclass(frozen=True)
class Table:
    """A normalised table.

    For Parquet tables the ingest pipeline fills some columns itself (``source_id``,
    ``locator``, the publisher column, agency ids, ``natural_key``, ``occurrence``); an
    importer's stage provides the rest. ``scope`` columns bound de-duplication across files
    (a key only meets keys of the same publisher and, for searches, log kind); ``verify``
    columns are compared exactly besides the key hash; ``agency_refs`` pairs a written agency
    name column with the id column the registry fills.
    """

    name: str
    storage: str  # "catalog" (a DuckDB table) or "parquet" (files + a view)
    columns: tuple[Column, ...]
    doc: str
    publisher: str = "publisher_agency_id"
    scope: tuple[str, ...] = ("publisher_agency_id",)
    verify: tuple[str, ...] = ()
    agency_refs: tuple[tuple[str, str], ...] = ()
    #: written by the audit (one file per run), not by an importer: no natural key, no dedup
    derived: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self) -> str:
        cols = ",\n  ".join(f'"{c.name}" {c.type}' for c in self.columns)
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" (\n  {cols}\n)'


def cols(*spec: tuple[str, str, str]) -> tuple[Column, ...]:
    """Columns from (name, type, doc) triples."""
    return tuple(Column(*s) for s in spec)
