"""Benchmark stores written straight to Parquet: a table's rows registered as if ingested.

Shared by audit_scale.py and portal_build.py, which measure what comes after ingest (ingest
speed has its own benchmark) and so build their stores without running the importers.
"""

from __future__ import annotations

import hashlib

import duckdb

from alpr_audit.store.store import Store


def register(con: duckdb.DuckDBPyConnection, store: Store, table: str, select: str) -> int:
    """Write ``select``'s rows as one Parquet file of ``table`` and register it, with a ledger
    row, in ``store``'s catalog; return the row count."""
    rel = f"tables/{table}/bench_{table}.parquet"
    (store.root / rel).parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY ({select}) TO '{store.root / rel}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    n = con.execute(f"SELECT count(*) FROM '{store.root / rel}'").fetchone()[0]
    store.con.execute("INSERT INTO table_files VALUES (?, ?, ?, ?)", [table, f"bench_{table}", rel, n])
    store.con.execute("INSERT INTO sources (source_id, path, sha256, format, status, rows_read, "
                      "rows_loaded) VALUES (?, ?, ?, 'benchmark', 'ingested', ?, ?)",
                      [f"bench_{table}", f"/bench/{table}.csv",
                       hashlib.sha256(table.encode()).hexdigest(), n, n])
    return n
