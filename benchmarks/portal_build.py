"""Benchmark: `alpr-audit portal build` for 200 agencies' portal snapshots and N searches.

Target (issue 6): 200 agencies and 10M searches in under a minute; every page under 500 KB.

Method: a store is built directly with DuckDB (Parquet files registered like ingested
sources, as benchmarks/audit_scale.py does; ingest is measured elsewhere): 200 California
agencies, each with two portal captures (policy text, 30-day figures), 24 monthly detection
counts and 20 sharing partners (some out of state, some federal); N searches spread over the
agencies' network audit logs with reasons from a vocabulary that includes vague, immigration
and protest reasons. `alpr-audit audit` runs once so the pages have findings, then
`alpr-audit --json portal build` runs as a child process, timed by wall clock with peak RSS.

Run: python benchmarks/portal_build.py --searches 10000000 [--agencies 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from _benchstore import register  # noqa: E402
from alpr_audit.core.schema import TABLES  # noqa: E402
from alpr_audit.store.store import Store  # noqa: E402

_REASONS = [
    "stolen vehicle", "burglary suspect", "robbery 25-0412", "hit and run", "missing person",
    "amber alert", "homicide investigation", "carjacking", "narcotics", "investigation", "inv",
    "case", "test", "n/a", "ICE ERO assist", "protest", "24-118822", "vandalism", "fraud", "arson",
]
_POLICY = ("Authorized purposes: stolen vehicles and wanted persons. Users complete training. "
           "Searches are audited monthly. Data is shared only with California agencies. "
           "The custodian is the Chief of Police. Hits are verified for accuracy.")


def _select(table: str, exprs: dict[str, str], source: str) -> str:
    """SELECT of every column of ``table`` in schema order (NULL where not given)."""
    cols = []
    for c in TABLES[table].columns:
        if c.name == "source_id":
            cols.append(f"'{source}' AS source_id")
        elif c.name in exprs:
            cols.append(f"{exprs[c.name]} AS {c.name}")
        else:
            cols.append(f"NULL::{c.type.split()[0]} AS {c.name}")
    return "SELECT " + ", ".join(cols)


def build_store(root: Path, searches: int, agencies: int) -> dict[str, int]:
    """The benchmark store; returns row counts per table."""
    store = Store.open(root)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    for i in range(agencies):
        store.con.execute("INSERT INTO agencies VALUES (?, ?, 'CA', 'local', false, false, false, [?])",
                          [f"town-{i}-ca-pd", f"Town {i} CA PD", f"Town {i} CA PD"])
    for i in range(10):
        store.con.execute("INSERT INTO agencies VALUES (?, ?, 'NV', 'local', false, false, false, [?])",
                          [f"city-{i}-nv-pd", f"City {i} NV PD", f"City {i} NV PD"])
    store.con.execute("INSERT INTO agencies VALUES ('us-dhs', 'US Department of Homeland Security', "
                      "'US', 'federal', true, false, false, ['DHS'])")
    reasons = "[" + ", ".join("'" + r.replace("'", "''") + "'" for r in _REASONS) + "]"
    n = {}
    n["searches"] = register(con, store, "searches", _select("searches", {
        "locator": "'row ' || (i + 2)",
        "publisher_agency_id": f"'town-' || (hash(i) % {agencies}) || '-ca-pd'",
        "searcher_agency_id": f"'town-' || (hash(i * 3) % {agencies}) || '-ca-pd'",
        "record_id": "i::VARCHAR", "user_ref": "'user' || (hash(i) % 5000)",
        "searched_at": "TIMESTAMP '2024-01-01' + to_seconds((hash(i * 7) % 63072000)::BIGINT)",
        "reason": f"{reasons}[(1 + hash(i * 13) % {len(_REASONS)})::BIGINT]",
        "plate_query": "'P' || (hash(i * 3) % 1000000)", "search_type": "'search'",
        "mobile": "false", "redacted": "[]::VARCHAR[]", "log_kind": "'network_audit'",
        "natural_key": "hash(i)::UBIGINT", "occurrence": "0",
    }, "bench_searches") + f" FROM range({searches}) t(i)")
    n["portal_snapshots"] = register(con, store, "portal_snapshots", _select("portal_snapshots", {
        "locator": "'page'", "agency_id": "'town-' || a || '-ca-pd'",
        "agency_name_raw": "'Town ' || a || ' CA PD'",
        "captured_on": "DATE '2025-06-30' + to_days((c * 180)::INTEGER)",
        "retention_days": "CASE WHEN a % 7 = 0 THEN 365 ELSE 30 END",
        "camera_count": "(10 + a % 40 + c * 2)::BIGINT", "vehicles_30d": "(50000 + a * 100)::BIGINT",
        "hits_30d": "(100 + a + c * 5)::BIGINT", "searches_30d": "(300 + a * 3)::BIGINT",
        "hotlists": "['NCIC Stolen Vehicles']", "what_detected": f"'{_POLICY}'",
        "policy_links": "[]::VARCHAR[]", "natural_key": "hash(a * 2 + c)::UBIGINT",
        "occurrence": "0",
    }, "bench_portal_snapshots") + f" FROM range({agencies}) t(a), range(2) u(c)")
    n["detection_counts"] = register(con, store, "detection_counts", _select("detection_counts", {
        "locator": "'page ' || m", "agency_id": "'town-' || a || '-ca-pd'",
        "period_start": "TIMESTAMP '2024-01-01' + to_months(m::INTEGER)",
        "period_end": "TIMESTAMP '2024-01-01' + to_months((m + 1)::INTEGER) - INTERVAL 1 SECOND",
        "detections": "(40000 + hash(a * 31 + m) % 20000)::BIGINT",
        "hits": "(50 + hash(a * 17 + m) % 150)::BIGINT", "basis": "'detections+hits'",
        "natural_key": "hash(a * 100 + m)::UBIGINT", "occurrence": "0",
    }, "bench_detection_counts") + f" FROM range({agencies}) t(a), range(24) u(m)")
    n["sharing"] = register(con, store, "sharing", _select("sharing", {
        "locator": "'row ' || (a * 20 + p)", "publisher_agency_id": "'town-' || a || '-ca-pd'",
        "partner_agency_id": f"""CASE WHEN p = 0 AND a % 5 = 0 THEN 'us-dhs'
             WHEN p = 1 AND a % 3 = 0 THEN 'city-' || (a % 10) || '-nv-pd'
             ELSE 'town-' || ((a + p * 7) % {agencies}) || '-ca-pd' END""",
        "direction": "CASE WHEN p % 4 = 3 THEN 'in' ELSE 'out' END",
        "data_kind": "'detections'", "status": "'active'", "observed_on": "DATE '2025-12-01'",
        "hotlists": "[]::VARCHAR[]", "flags": "[]::VARCHAR[]",
        "natural_key": "hash(a * 20 + p)::UBIGINT", "occurrence": "0",
    }, "bench_sharing") + f" FROM range({agencies}) t(a), range(20) u(p)")
    store.close()
    return n


def measure(cmd: list[str], stdout: Path) -> dict[str, float]:
    """Wall seconds and peak RSS (MB, via wait4) of ``cmd``; its stdout goes to ``stdout``."""
    start = time.perf_counter()
    with open(stdout, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {stdout.read_text()[-2000:]}")
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--searches", type=float, default=10_000_000)
    ap.add_argument("--agencies", type=int, default=200)
    ap.add_argument("--keep", type=Path, help="keep the store and site in this folder")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="alpr-portal-bench-"))
    store, site = work / "store", work / "site"
    try:
        if not (store / "catalog.duckdb").exists():
            t = time.perf_counter()
            counts = build_store(store, int(args.searches), args.agencies)
            print(f"built store {counts} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            audit = measure([sys.executable, "-m", "alpr_audit", "--store", str(store), "--json",
                             "audit"], work / "audit.json")
            print(f"audit: {audit['seconds']:.1f} s, peak {audit['peak_rss_mb']:.0f} MB",
                  file=sys.stderr)
        run = measure([sys.executable, "-m", "alpr_audit", "--store", str(store), "--json",
                       "portal", "build", "--out", str(site)], work / "portal.json")
        out = json.loads((work / "portal.json").read_text())
        result = {"searches": int(args.searches), "agencies": out["agencies"],
                  "findings": out["findings"], "pages": len(out["pages"]),
                  "charts": out["charts"], "wall_seconds": round(run["seconds"], 1),
                  "peak_rss_mb": round(run["peak_rss_mb"]),
                  "largest_page_kb": round(out["largest_page_bytes"] / 1024, 1),
                  "site_mb": round(out["bytes"] / 1e6, 1)}
        print(json.dumps(result))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
