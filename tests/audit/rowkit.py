"""Put hand-made rows into a test store's tables, so a rule test states its data exactly.

Rows go in as a Parquet file registered like an ingested source (every column of the table,
missing ones NULL), and agencies as registry rows; the views are refreshed afterwards.
"""

from __future__ import annotations

import itertools
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.core.schema import TABLES
from alpr_audit.store.store import Store

_seq = itertools.count()

_ARROW = {"VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us"), "DATE": pa.date32(),
          "BIGINT": pa.int64(), "INTEGER": pa.int32(), "UBIGINT": pa.uint64(),
          "BOOLEAN": pa.bool_(), "DOUBLE": pa.float64(), "VARCHAR[]": pa.list_(pa.string())}


def put_rows(store: Store, table: str, rows: list[dict[str, Any]], source_id: str | None = None) -> str:
    """Write ``rows`` (dicts of column → value) as one source of ``table``; returns its id.

    ``locator`` defaults to ``row N`` (N = 2, 3, … like a CSV with a header).
    """
    spec = TABLES[table]
    source_id = source_id or f"t{next(_seq):015d}"
    cols = {}
    for c in spec.columns:
        typ = _ARROW[c.type.split()[0]] if c.type.split()[0] in _ARROW else pa.string()
        values = [r.get(c.name) for r in rows]
        if c.name == "source_id":
            values = [source_id] * len(rows)
        if c.name == "locator":
            values = [r.get("locator", f"row {i + 2}") for i, r in enumerate(rows)]
        cols[c.name] = pa.array(values, type=typ)
    rel = f"tables/{table}/{source_id}.parquet"
    (store.root / rel).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), store.root / rel)
    with store.transaction() as tx:
        tx.execute("INSERT INTO table_files VALUES (?, ?, ?, ?)", [table, source_id, rel, len(rows)])
        tx.execute("INSERT OR IGNORE INTO sources (source_id, path, sha256, format, status) "
                   "VALUES (?, ?, ?, 'test', 'ingested')", [source_id, f"/test/{source_id}.csv", source_id])
    store.refresh_views()
    return source_id


def put_agency(store: Store, name: str, **overrides: Any) -> str:
    """Register agency ``name`` (state, level and flags parsed from it); returns its id."""
    parsed = parse_agency_name(name)
    row = {"agency_id": parsed.agency_id, "name": parsed.canonical, "state": parsed.state,
           "level": parsed.level, "is_federal": parsed.is_federal, "is_private": parsed.is_private,
           "deactivated": parsed.deactivated, "aliases": [name]}
    row.update(overrides)
    store.con.execute("INSERT OR REPLACE INTO agencies VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [row[k] for k in ("agency_id", "name", "state", "level", "is_federal",
                                        "is_private", "deactivated", "aliases")])
    return row["agency_id"]
