"""Benchmark: full ingest of a Flock network audit vs. merely reading it with DuckDB.

Method (docs/benchmarks.md):

1. Synthesize an N-record network audit CSV with the project's generator (two-line time
   frames, redactions, `——`, repeated ids — the real quirks), seed 1.
2. In the same run, alternate R times: (a) the baseline, a fresh `python -c` that runs DuckDB
   `COPY (SELECT * FROM read_csv(file, all_varchar = true)) TO out.parquet`; (b) `alpr-audit
   ingest file` into a fresh store. Both are child processes timed by wall clock, with peak
   RSS from wait4(); both pay interpreter start-up.
3. Report medians and the ratio ingest/baseline (target ≤ 2.0), and peak memory.

Run: ``python benchmarks/ingest_network_audit.py --records 2000000 --repeat 3``
      ``python benchmarks/ingest_network_audit.py --records 10000000 --repeat 1``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure  # noqa: E402
from alpr_audit.synth.flock import write_audit_csv  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    ap.add_argument("--memory-limit", default=None, help="ALPR_AUDIT_MEMORY_LIMIT for ingest")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    ap.add_argument("--stdlib", action="store_true",
                    help="also time the plain-Python csv+regex reference scanner once")
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="alpr-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv = work / f"network_audit_{args.records}.csv"
    t0 = time.perf_counter()
    manifest = write_audit_csv(csv, args.records, seed=1, log_kind="network",
                               time_frame_style="mixed", duplicate_rows=0, bad_rows=0)
    synth_s = time.perf_counter() - t0
    size_mb = csv.stat().st_size / 1e6
    print(f"synthesized {manifest['rows']:,} records, {size_mb:,.0f} MB in {synth_s:.1f}s")

    py = sys.executable
    path_sql = str(csv).replace("'", "''")
    bare_out = work / "bare.parquet"
    baseline = [py, "-c", "import duckdb; duckdb.connect().execute(\"COPY (SELECT * FROM "
                f"read_csv('{path_sql}', all_varchar = true)) TO '{bare_out}' (FORMAT parquet)\")"]
    env = {"ALPR_AUDIT_MEMORY_LIMIT": args.memory_limit} if args.memory_limit else None
    bare, ingest = [], []
    for i in range(args.repeat):
        bare.append(measure(baseline))
        store = work / "store"
        shutil.rmtree(store, ignore_errors=True)
        ingest.append(measure([py, "-m", "alpr_audit", "--store", str(store), "ingest", str(csv)],
                              env=env))
        print(f"run {i + 1}: baseline {bare[-1].seconds:.2f}s ({bare[-1].peak_rss_mb:,.0f} MB), "
              f"ingest {ingest[-1].seconds:.2f}s ({ingest[-1].peak_rss_mb:,.0f} MB)")
    b = statistics.median(r.seconds for r in bare)
    g = statistics.median(r.seconds for r in ingest)
    result = {
        "records": manifest["rows"], "csv_mb": round(size_mb, 1), "repeat": args.repeat,
        "baseline_s": round(b, 2), "ingest_s": round(g, 2), "ratio": round(g / b, 2),
        "baseline_peak_mb": round(max(r.peak_rss_mb for r in bare)),
        "ingest_peak_mb": round(max(r.peak_rss_mb for r in ingest)),
        "records_per_s": round(manifest["rows"] / g),
    }
    if args.stdlib:
        scanner = Path(__file__).parent / "_stdlib_scanner.py"
        ref = measure([py, str(scanner), str(csv)])
        result["stdlib_scanner_s"] = round(ref.seconds, 2)
        result["stdlib_scanner_ratio"] = round(ref.seconds / b, 2)
    print(json.dumps(result, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"ingest_network_audit_{args.records}.json").write_text(json.dumps(result, indent=2))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
