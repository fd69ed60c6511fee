"""Benchmark: the full california audit over many searches and row-level detections.

Target (issue 4): all california rules over 10M searches + 100M detections on a 2-core
machine within a few minutes and bounded memory.

Method: a store is built directly with DuckDB (Parquet files registered like ingested sources;
ingest speed is measured by ingest_network_audit.py): N searches by 2,000 users of 60 agencies
over two years with reasons drawn from a vocabulary that includes vague, immigration and
protest reasons, M detections from 400 cameras with 0.3% hits, a users list, a sharing list
and a portal snapshot stating 365-day retention. Then `python -m alpr_audit audit` runs as a
child process (DuckDB memory cap ALPR_AUDIT_MEMORY_LIMIT, default 1GB here: it spills to the
store's .tmp), timed by wall clock with peak RSS from wait4(). Baseline in the same run: one
bare DuckDB pass over the same Parquet files (count, distinct users, over-age detections), so
the ratio says what the rules cost beyond reading the data once.

Run: python benchmarks/audit_scale.py --searches 10000000 --detections 100000000
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from _benchstore import register  # noqa: E402
from _measure import measure  # noqa: E402
from alpr_audit.store.store import Store  # noqa: E402

_REASONS = [
    "stolen vehicle", "burglary suspect", "robbery 25-0412", "hit and run", "missing person",
    "amber alert", "homicide investigation", "carjacking", "narcotics", "assault with a deadly weapon",
    "investigation", "inv", "case", "test", "n/a", ".", "ICE ERO assist", "immigration",
    "protest", "No Kings rally", "24-118822", "catalytic converter theft", "dui hit and run",
    "vandalism", "shots fired", "stolen plates", "warrant service", "kidnapping", "fraud", "arson",
]


def build_store(root: Path, searches: int, detections: int) -> dict[str, int]:
    """A store with the benchmark's synthetic tables; returns row counts per table."""
    store = Store.open(root)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    reasons = "[" + ", ".join("'" + r.replace("'", "''") + "'" for r in _REASONS) + "]"
    agencies = [("mapleton-ca-pd", "Mapleton CA PD", "CA")] + [
        (f"town-{i}-ca-pd", f"Town {i} CA PD", "CA") for i in range(55)] + [
        (f"city-{i}-or-pd", f"City {i} OR PD", "OR") for i in range(4)]
    for aid, name, st in agencies:
        store.con.execute("INSERT INTO agencies VALUES (?, ?, ?, 'local', false, false, false, [?])",
                          [aid, name, st, name])
    counts = {}
    counts["searches"] = register(con, store, "searches", f"""
        SELECT 'bench_searches' AS source_id, 'row ' || (i + 2) AS locator,
          'mapleton-ca-pd' AS publisher_agency_id,
          -- a user belongs to one organisation: user u searches as org u % 56
          CASE WHEN hash(i) % 2000 % 56 = 55 THEN 'mapleton-ca-pd'
               ELSE 'town-' || (hash(i) % 2000 % 56) || '-ca-pd' END AS searcher_agency_id,
          NULL::VARCHAR AS searcher_name_raw, i::VARCHAR AS record_id,
          'user' || (hash(i) % 2000) AS user_ref,
          TIMESTAMP '2024-01-01' + to_seconds((hash(i * 7) % 63072000)::BIGINT) AS searched_at,
          NULL::VARCHAR AS searched_at_raw,
          {reasons}[(1 + hash(i * 13) % {len(_REASONS)})::BIGINT] AS reason,
          NULL::VARCHAR AS case_number, NULL::VARCHAR AS offense_type,
          CASE WHEN i % 5 = 0 THEN NULL ELSE 'P' || (hash(i * 3) % 1000000) END AS plate_query,
          'search' AS search_type, false AS mobile,
          (1 + hash(i * 17) % 400)::BIGINT AS networks_searched, NULL::BIGINT AS devices_searched,
          NULL::TIMESTAMP AS time_frame_start, NULL::TIMESTAMP AS time_frame_end,
          NULL::VARCHAR AS filters, NULL::VARCHAR AS text_prompt, NULL::VARCHAR AS moderation, []::VARCHAR[] AS redacted,
          'network_audit' AS log_kind, hash(i)::UBIGINT AS natural_key, 0 AS occurrence
        FROM range({searches}) t(i)""")
    counts["detections"] = register(con, store, "detections", f"""
        SELECT 'bench_detections' AS source_id, 'row ' || (i + 2) AS locator,
          'mapleton-ca-pd' AS agency_id, i::VARCHAR AS detection_id,
          'cam' || (i % 400) AS device_id, md5((hash(i * 11) % 5000000)::VARCHAR)[:16] AS plate_token,
          'CA' AS plate_state,
          TIMESTAMP '2024-01-01' + to_seconds((hash(i * 5) % 63072000)::BIGINT) AS seen_at,
          34.0 + (i % 1000) / 10000.0 AS lat, -118.0 - (i % 1000) / 10000.0 AS lon,
          hash(i)::UBIGINT AS natural_key, 0 AS occurrence
        FROM range({detections}) t(i)""")
    counts["hits"] = register(con, store, "hits", f"""
        SELECT 'bench_hits' AS source_id, 'row ' || (j + 2) AS locator, 'mapleton-ca-pd' AS agency_id,
          j::VARCHAR AS hit_id, (j * 333)::VARCHAR AS detection_id, 'NCIC stolen' AS hotlist,
          TIMESTAMP '2024-01-01' + to_seconds((hash(j * 333 * 5) % 63072000)::BIGINT) AS hit_at,
          'confirmed' AS disposition, hash(j)::UBIGINT AS natural_key, 0 AS occurrence
        FROM range({detections // 333}) t(j)""")
    counts["users"] = register(con, store, "users", """
        SELECT 'bench_users' AS source_id, 'row ' || (u + 2) AS locator, 'mapleton-ca-pd' AS agency_id,
          'user' || u AS user_ref, NULL::VARCHAR AS display_name, NULL::VARCHAR AS email, NULL::VARCHAR AS phone, 'Officer' AS title,
          'user' AS role, NULL::VARCHAR AS identity_provider, ['search'] AS permissions,
          TIMESTAMP '2025-12-01' - to_days((u % 700)::INTEGER) AS last_login,
          CASE WHEN u % 10 = 0 THEN NULL ELSE DATE '2023-06-01' END AS training_on,
          []::VARCHAR[] AS redacted, hash(u)::UBIGINT AS natural_key, 0 AS occurrence
        FROM range(2000) t(u)""")
    counts["sharing"] = register(con, store, "sharing", """
        SELECT 'bench_sharing' AS source_id, 'row ' || (p + 2) AS locator, 'mapleton-ca-pd' AS publisher_agency_id,
          CASE WHEN p < 55 THEN 'town-' || p || '-ca-pd' ELSE 'city-' || (p - 55) || '-or-pd' END AS partner_agency_id,
          NULL::VARCHAR AS partner_name_raw, NULL::VARCHAR AS network_name, 'out' AS direction, 'detections' AS data_kind,
          'active' AS status, DATE '2025-12-01' AS observed_on, NULL::VARCHAR AS relationship, NULL::VARCHAR AS access,
          true AS search_enabled, NULL::BOOLEAN AS hotlist_enabled, NULL::BIGINT AS camera_count,
          []::VARCHAR[] AS hotlists, []::VARCHAR[] AS flags, hash(p)::UBIGINT AS natural_key, 0 AS occurrence
        FROM range(59) t(p)""")
    counts["portal_snapshots"] = register(con, store, "portal_snapshots", """
        SELECT 'bench_portal_snapshots' AS source_id, 'page' AS locator, 'mapleton-ca-pd' AS agency_id,
          'Mapleton CA PD' AS agency_name_raw, DATE '2025-12-01' AS captured_on, 365 AS retention_days,
          400::BIGINT AS camera_count, NULL::BIGINT AS vehicles_30d, NULL::BIGINT AS hits_30d,
          NULL::BIGINT AS searches_30d, []::VARCHAR[] AS hotlists,
          'Plates of vehicles' AS what_detected, 'No people' AS what_not_detected,
          'Authorized law enforcement purposes only' AS acceptable_use, 'Immigration enforcement' AS prohibited_uses,
          'Sworn staff after training; searches audited monthly' AS access_policy, NULL::VARCHAR AS hotlist_policy,
          []::VARCHAR[] AS policy_links, NULL::DATE AS last_updated, 1::UBIGINT AS natural_key, 0 AS occurrence""")
    store.close()
    return counts


def baseline(root: Path) -> float:
    """One bare DuckDB pass over the same files: what reading the data once costs."""
    start = time.perf_counter()
    con = duckdb.connect()
    t = root / "tables"
    con.execute(f"SELECT count(*), count(DISTINCT user_ref), count(reason) FROM '{t}/searches/*.parquet'").fetchall()
    con.execute(f"SELECT count(*), count(DISTINCT device_id) FROM '{t}/detections/*.parquet' "
                "WHERE seen_at < TIMESTAMP '2025-01-01'").fetchall()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--searches", type=int, default=1_000_000)
    ap.add_argument("--detections", type=int, default=10_000_000)
    ap.add_argument("--memory-limit", default="1GB")
    ap.add_argument("--keep", type=Path, help="build the store here and keep it")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="alpr-bench-")) / "store"
    try:
        t0 = time.perf_counter()
        counts = build_store(root, args.searches, args.detections)
        built = time.perf_counter() - t0
        base = baseline(root)
        run = measure([sys.executable, "-m", "alpr_audit", "--store", str(root), "--json", "audit"],
                      env={"ALPR_AUDIT_MEMORY_LIMIT": args.memory_limit})
        with Store.open(root, read_only=True) as store:
            findings = store.query("SELECT count(*) AS n, sum(evidence_count) AS ev FROM findings")[0]
        print(json.dumps({
            "rows": counts, "build_seconds": round(built, 1), "baseline_seconds": round(base, 2),
            "audit_seconds": round(run.seconds, 1), "audit_peak_rss_mb": round(run.peak_rss_mb),
            "ratio_to_baseline": round(run.seconds / base, 1), "memory_limit": args.memory_limit,
            "findings": findings["n"], "evidence_rows": findings["ev"],
        }, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(root.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
