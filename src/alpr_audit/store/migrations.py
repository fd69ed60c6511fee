"""Versioned store schema: one step per version, applied in order inside one transaction.

A step takes the catalog connection and brings it from version N-1 to N. Parquet tables need
no step for added columns: their views read files with ``union_by_name`` and older files show
the new column as NULL. Never edit a released step; add the next one.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from alpr_audit.core.rejects import reject_code_sql
from alpr_audit.core.schema import CATALOG_TABLES

_V1_TABLES = ("sources", "rejects", "agencies")
_V2_TABLES = ("requests", "request_items", "communications")
_V3_TABLES = ("findings", "audit_runs")


def _create(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    for table in CATALOG_TABLES:
        if table.name in names:
            con.execute(table.ddl())


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1: sources, rejects, agencies (the registry) in the catalog."""
    _create(con, _V1_TABLES)


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    """Version 2: records requests, their items and their communications."""
    _create(con, _V2_TABLES)


def _v3(con: duckdb.DuckDBPyConnection) -> None:
    """Version 3: audit findings and runs (evidence and purposes are Parquet tables)."""
    _create(con, _V3_TABLES)


def _v4(con: duckdb.DuckDBPyConnection) -> None:
    """Version 4: rejects carry a stable code beside the reason; existing rows get theirs
    from the reason (a new store's v1 table already has the column)."""
    con.execute("ALTER TABLE rejects ADD COLUMN IF NOT EXISTS code VARCHAR")
    con.execute(f"UPDATE rejects SET code = {reject_code_sql('reason')} WHERE code IS NULL")


STEPS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [_v1, _v2, _v3, _v4]


def upgrade(con: duckdb.DuckDBPyConnection, found: int) -> None:
    """Apply every step after version ``found`` (0 = a new store)."""
    for step in STEPS[found:]:
        step(con)
