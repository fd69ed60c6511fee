"""Versioned store schema: one step per version, applied in order inside one transaction.

A step takes the catalog connection and brings it from version N-1 to N. Parquet tables need
no step for added columns: their views read files with ``union_by_name`` and older files show
the new column as NULL. Never edit a released step; add the next one.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from ..schema import CATALOG_TABLES


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1: sources, rejects, agencies (the registry) in the catalog."""
    for table in CATALOG_TABLES:
        con.execute(table.ddl())


STEPS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [_v1]


def upgrade(con: duckdb.DuckDBPyConnection, found: int) -> None:
    """Apply every step after version ``found`` (0 = a new store)."""
    for step in STEPS[found:]:
        step(con)
