"""Read-only SQL over the normalised tables (``alpr-audit sql``)."""

from __future__ import annotations

import duckdb

from alpr_audit.core.errors import QueryError
from alpr_audit.store.store import Store

#: Statement types a read-only query may contain.
ALLOWED = {"SELECT", "EXPLAIN"}


def run_readonly_sql(store: Store, sql: str) -> list[dict[str, object]]:
    """Run one read-only statement and return its rows as dicts.

    The store is opened read-only by the caller; statements other than SELECT/EXPLAIN
    (COPY, ATTACH, INSTALL, SET …) are refused before they run, so the query cannot write
    files or change settings either.
    """
    try:
        statements = store.con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"SQL syntax error: {exc}", hint="check the query text") from None
    if len(statements) != 1:
        raise QueryError(f"expected one SQL statement, found {len(statements)}",
                         hint="run statements one at a time")
    kind = statements[0].type.name
    if kind not in ALLOWED:
        raise QueryError(
            f"only read-only queries are allowed here, not {kind}",
            hint="write a SELECT; tables: sources, rejects, agencies, searches",
        )
    try:
        return store.query(sql)
    except duckdb.Error as exc:
        raise QueryError(
            str(exc).split("\n")[0],
            hint="tables: sources, rejects, agencies, searches; see a table's columns with "
            "alpr-audit sql \"DESCRIBE searches\"",
        ) from None
