"""Reading the one row an aggregate query returns.

DuckDB types ``fetchone()`` as ``tuple | None`` because a query may return no row; a
``SELECT count(*) …`` or ``SELECT max(…) …`` always returns one. :func:`one_row` says so once,
instead of every caller indexing a possibly-``None`` result.
"""

from __future__ import annotations

from typing import Any

import duckdb


def one_row(cursor: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a query that returns exactly one (an aggregate, a scalar SELECT)."""
    row = cursor.fetchone()
    if row is None:  # a programming error: the query was not an aggregate
        raise LookupError("the query returned no row")
    return row
