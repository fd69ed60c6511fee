"""From a filled ``stage`` table to a committed source: de-duplicate, write, commit.

Row accounting (invariant 1): every staged row is exactly one of

* **rejected** — ``_reject`` is set; kept in ``rejects`` with locator, raw text and reason;
* **duplicate** — its natural key is already in the store for the same publisher and log
  kind, or (for records with a vendor id) earlier in the same file;
* **loaded** — written to the table's Parquet file.

so ``rows_read = rows_loaded + rows_rejected + rows_duplicate`` holds by construction and is
checked before anything is committed.

Natural keys (documented in docs/formats.md): records with a vendor id are keyed by
(publisher, log kind, id, search time, searching org, search type) — ids alone repeat for
~0.6 % of Flock rows that are distinct searches; portal rows by (publisher, log kind, id);
records without an id by all their cells plus their occurrence number inside the file, so two
identical rows in one file stay two searches while the same pair in an overlapping re-release
is recognised.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..agencies import registry as agency_registry
from ..errors import StoreError
from ..schema import SEARCHES
from ..store import Store
from .base import StageResult


#: Log kinds whose searches were all made by the publishing agency's own users.
OWN_SEARCH_LOGS = ("org_audit", "portal_audit")


@dataclass
class Counts:
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_duplicate: int


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _prepare_agencies(store: Store, publisher: str | None) -> tuple[list[Any], str | None]:
    """Parse the searching organisations' names; map them in TEMP table ``_agency_map``."""
    names = [r[0] for r in store.con.execute(
        "SELECT DISTINCT searcher_name_raw FROM stage WHERE _reject IS NULL "
        "AND searcher_name_raw IS NOT NULL").fetchall()]
    parsed = agency_registry.parse_names(names + ([publisher] if publisher else []))
    store.con.execute("CREATE OR REPLACE TEMP TABLE _agency_map (raw VARCHAR, agency_id VARCHAR)")
    if names:
        store.con.executemany("INSERT INTO _agency_map VALUES (?, ?)",
                              [(n, parsed[n].agency_id) for n in names if n in parsed])
    publisher_id = parsed[publisher].agency_id if publisher in parsed else None
    return list(parsed.values()), publisher_id


def _write_searches(store: Store, staged: Path, source_id: str, result: StageResult,
                    publisher_id: str | None) -> int:
    """Write the loaded rows of ``stage`` to ``staged``; return how many."""
    con = store.con
    # Ranks only for keys that occur more than once: most files have few or none.
    con.execute("""CREATE OR REPLACE TEMP TABLE _ranks AS
        SELECT rowid AS _row, row_number() OVER (
            PARTITION BY _kb, record_id, searched_at, searcher_name_raw, search_type, mobile
            ORDER BY rowid) AS rk
        FROM stage
        WHERE _reject IS NULL AND _kb IN (
            SELECT _kb FROM stage WHERE _reject IS NULL GROUP BY _kb HAVING count(*) > 1)""")
    has_existing = bool(store.table_files("searches"))
    existing = ""
    if has_existing:
        existing = f"""AND NOT EXISTS (SELECT 1 FROM searches e
            WHERE e.publisher_agency_id IS NOT DISTINCT FROM {_lit(publisher_id)}
              AND e.log_kind = {_lit(result.log_kind)}
              AND e.natural_key = k.natural_key AND e.occurrence = k.occurrence
              AND e.record_id IS NOT DISTINCT FROM k.record_id
              AND e.searched_at IS NOT DISTINCT FROM k.searched_at
              AND e.searcher_name_raw IS NOT DISTINCT FROM k.searcher_name_raw
              AND e.search_type IS NOT DISTINCT FROM k.search_type)"""
    cols = ", ".join(f'"{c}"' for c in SEARCHES.column_names)
    # Organisation and portal audits list the publisher's own users' searches.
    own = _lit(publisher_id) if result.log_kind in OWN_SEARCH_LOGS else "NULL"
    sql = f"""COPY (
      SELECT {cols} FROM (
        SELECT {_lit(source_id)} AS source_id,
          coalesce(s._locator, 'row ' || (s.rowid + {result.locator_base})) AS locator,
          {_lit(publisher_id)} AS publisher_agency_id,
          coalesce(m.agency_id, {own}) AS searcher_agency_id,
          s.* EXCLUDE (_locator, _reject, _raw, _kb, _has_id),
          {_lit(result.log_kind)} AS log_kind,
          CASE WHEN s._has_id THEN s._kb ELSE hash(s._kb, coalesce(r.rk, 1)) END AS natural_key,
          CAST(CASE WHEN s._has_id THEN 1 ELSE coalesce(r.rk, 1) END AS INTEGER) AS occurrence
        FROM stage s
        LEFT JOIN _ranks r ON s.rowid = r._row
        LEFT JOIN _agency_map m ON s.searcher_name_raw = m.raw
        WHERE s._reject IS NULL AND NOT (s._has_id AND coalesce(r.rk, 1) > 1)
      ) k WHERE true {existing}
    ) TO '{str(staged).replace("'", "''")}' (FORMAT parquet, COMPRESSION snappy)"""
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def finalize(
    store: Store,
    *,
    source_id: str,
    sha256: str,
    path: Path,
    format_id: str,
    result: StageResult,
    run_id: str,
    details: dict[str, Any],
) -> Counts:
    """De-duplicate and write the staged rows, then commit the source atomically."""
    con = store.con
    read, rejected = con.execute("SELECT count(*), count(_reject) FROM stage").fetchone()
    parsed, publisher_id = _prepare_agencies(store, result.publisher_name)
    store.staging_dir.mkdir(parents=True, exist_ok=True)
    staged = store.staging_dir / f"{source_id}.parquet"
    loaded = _write_searches(store, staged, source_id, result, publisher_id)
    counts = Counts(read, loaded, rejected, read - rejected - loaded)
    if counts.rows_duplicate < 0:  # pragma: no cover - guards the accounting identity
        raise StoreError(f"row accounting failed for {path}: {counts}", path=str(path))

    final = store.table_dir(SEARCHES.name) / f"{source_id}.parquet"
    relpath = final.relative_to(store.root).as_posix()
    if loaded:
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)  # invisible until the catalog names it below
    else:
        staged.unlink(missing_ok=True)
    try:
        with store.transaction() as tx:
            tx.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ingested', ?, ?, ?, ?)",
                [source_id, str(path), sha256, format_id, publisher_id, result.log_kind,
                 counts.rows_read, counts.rows_loaded, counts.rows_rejected,
                 counts.rows_duplicate, datetime.now(UTC).replace(tzinfo=None), run_id,
                 path.stat().st_size, json.dumps(details, default=str)],
            )
            tx.execute(
                f"""INSERT INTO rejects SELECT {_lit(source_id)},
                    coalesce(_locator, 'row ' || (rowid + {result.locator_base})), _raw, _reject
                FROM stage WHERE _reject IS NOT NULL ORDER BY rowid""")
            agency_registry.upsert(tx, parsed)
            if loaded:
                tx.execute("INSERT INTO table_files VALUES (?, ?, ?, ?)",
                           [SEARCHES.name, source_id, relpath, loaded])
    except BaseException:
        if loaded:
            final.unlink(missing_ok=True)
        raise
    finally:
        for tmp in ("stage", "_ranks", "_agency_map"):
            con.execute(f"DROP TABLE IF EXISTS {tmp}")
    store.refresh_views()
    return counts
