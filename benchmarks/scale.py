"""Cost curves: ingest, the full california audit, a report and a response packet against size,
on DuckDB (memory-capped, spilling) and on local Spark; fitted exponents and a 10^9 estimate.

Two ways to get a store of a given size:

* ``world`` (the real path, used up to 10^7 reads): ``write_world`` (synth/world.py) writes K
  agencies' files — detections.csv (ingest/readings.py format), Flock network-audit CSVs,
  users, sharing, event log, portal page — and each agency's folder is ingested through the CLI
  like a user would. Reads = 200,000 x scale x K; searches ≈ 19,000 x scale x K (about 1:10).
* ``direct`` (for 10^8): ``audit_scale.build_store`` writes the tables straight to Parquet
  (ingest is then not measured at that size; its curve comes from the world sizes).

Every step is a child process (``python -m alpr_audit …``) timed by wall clock; memory is the
peak summed RSS of the child and its descendants (Spark's JVM included), see ``_tree.py``.
DuckDB runs with ALPR_AUDIT_MEMORY_LIMIT (default 4GB here) and spills to the store's .tmp.

    python benchmarks/scale.py world --sizes 1e6,3e6,1e7 --engines duckdb,spark
    python benchmarks/scale.py direct --detections 1e8 --searches 1e7 [--store DIR]
    python benchmarks/scale.py plot          # fits, 10^9 estimates, docs/scale_*.png

Results accumulate in benchmarks/results/scale.jsonl (one JSON object per measured step).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _tree import run  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = Path(os.environ.get("SCALE_RESULTS", HERE / "results" / "scale.jsonl"))
DOCS = HERE.parent / "docs"
REQUEST = HERE.parent.parent / "shared" / "fixtures" / "requests" / "muckrock_lapd-25-2170_alpr-audits.txt"
AGENCIES = 5
REPORT = "searches-by-purpose"
CLI = [sys.executable, "-m", "alpr_audit"]


def _record(row: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    row = {**row, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with RESULTS.open("a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


def _rows(store: Path) -> dict[str, int]:
    from alpr_audit.store.store import Store

    with Store.open(store, read_only=True) as s:
        return {t: s.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("detections", "searches", "hits")}


def _findings(store: Path, run_id: str) -> list[tuple]:
    from alpr_audit.store.store import Store

    with Store.open(store, read_only=True) as s:
        return sorted(s.con.execute(
            "SELECT rule_id, agency_id, subject, evidence_count FROM findings WHERE run_id = ?",
            [run_id]).fetchall(), key=repr)


def measure_steps(store: Path, size: int, mode: str, engines: list[str], env: dict[str, str],
                  agency: str, work: Path) -> None:
    """Audit, report and packet on each engine; records each step."""
    rows = _rows(store)
    base = {"mode": mode, "size": size, "detections": rows["detections"],
            "searches": rows["searches"], "memory_limit": env["ALPR_AUDIT_MEMORY_LIMIT"]}
    runs: dict[str, str] = {}
    for engine in engines:
        audit = run([*CLI, "--store", str(store), "--engine", engine, "--json", "audit"], env=env)
        result = json.loads(audit.stdout)
        runs[engine] = result["run_id"]
        _record({**base, "engine": engine, "step": "audit", "seconds": round(audit.seconds, 1),
                 "peak_rss_mb": round(audit.peak_rss_mb), "findings": len(result["findings"])})
        rep = run([*CLI, "--store", str(store), "--engine", engine, "--json", "report", REPORT],
                  env=env)
        _record({**base, "engine": engine, "step": "report", "seconds": round(rep.seconds, 1),
                 "peak_rss_mb": round(rep.peak_rss_mb), "rows": len(json.loads(rep.stdout))})
    if len(runs) == 2:
        same = _findings(store, runs["duckdb"]) == _findings(store, runs["spark"])
        _record({**base, "engine": "both", "step": "findings_identical", "identical": same})
    if REQUEST.exists():  # the packet reads the store with DuckDB (no engine option)
        out = work / f"packet-{size}"
        pk = run([*CLI, "--store", str(store), "--json", "respond", str(REQUEST), "--agency",
                  agency, "--out", str(out)], env=env)
        _record({**base, "engine": "duckdb", "step": "packet", "seconds": round(pk.seconds, 1),
                 "peak_rss_mb": round(pk.peak_rss_mb)})
        shutil.rmtree(out, ignore_errors=True)


def world(sizes: list[int], engines: list[str], env: dict[str, str], keep: bool,
          agencies: int = AGENCIES) -> None:
    from alpr_audit.synth.world import write_world

    for size in sizes:
        scale = max(1, round(size / (200_000 * agencies)))
        work = Path(tempfile.mkdtemp(prefix=f"alpr-scale-{size}-"))
        try:
            t0 = time.perf_counter()
            made = write_world(work / "in", seed=1, scale=scale, agencies=agencies)
            synth_s = time.perf_counter() - t0
            store = work / "store"
            secs, peak = 0.0, 0.0
            for a in made["agencies"]:
                r = run([*CLI, "--store", str(store), "--json", "ingest", "--agency", a["name"],
                         str(work / "in" / a["folder"])], env=env)
                failed = [x for x in json.loads(r.stdout) if x["status"] == "failed"]
                if failed:
                    raise RuntimeError(f"ingest failed: {failed[0]}")
                secs, peak = secs + r.seconds, max(peak, r.peak_rss_mb)
            rows = _rows(store)
            _record({"mode": "world", "size": size, "engine": "duckdb", "step": "ingest",
                     "detections": rows["detections"], "searches": rows["searches"],
                     "seconds": round(secs, 1), "peak_rss_mb": round(peak),
                     "synth_seconds": round(synth_s, 1),
                     "memory_limit": env["ALPR_AUDIT_MEMORY_LIMIT"]})
            measure_steps(store, size, "world", engines, env, made["agencies"][0]["name"], work)
        finally:
            if not keep:
                shutil.rmtree(work, ignore_errors=True)


def direct(detections: int, searches: int, store: Path | None, engines: list[str],
           env: dict[str, str]) -> None:
    from audit_scale import build_store

    work = Path(tempfile.mkdtemp(prefix="alpr-scale-direct-"))
    try:
        if store is None:
            store = work / "store"
            t0 = time.perf_counter()
            build_store(store, searches, detections)
            print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
        measure_steps(store, detections, "direct", engines, env, "Mapleton CA PD", work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- fit and plot ----------------------------------------------------------------------------


def fit(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares ``y = c * x^k`` on log-log: (k, c); None with fewer than two sizes."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len({p[0] for p in pts}) < 2:
        return None
    n = len(pts)
    mx, my = sum(p[0] for p in pts) / n, sum(p[1] for p in pts) / n
    k = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    return k, math.exp(my - k * mx)


def load() -> list[dict[str, Any]]:
    if not RESULTS.exists():
        return []
    rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    # the latest measurement of each (mode, size, engine, step) counts
    latest: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        latest[(r["mode"], r["size"], r["engine"], r["step"])] = r
    return [r for r in latest.values() if "seconds" in r]


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (mode, step, engine): exponents of time and memory against detections, and the
    10^9 estimates. Modes are fitted apart: their stores differ in shape (5 agencies with hits,
    users, event logs vs one agency's bulk tables)."""
    out = []
    for mode, step, engine in sorted({(r["mode"], r["step"], r["engine"]) for r in rows}):
        pts = [r for r in rows if (r["mode"], r["step"], r["engine"]) == (mode, step, engine)]
        t = fit([(r["detections"], r["seconds"]) for r in pts])
        m = fit([(r["detections"], r["peak_rss_mb"]) for r in pts])
        out.append({
            "mode": mode, "step": step, "engine": engine,
            "sizes": sorted({r["detections"] for r in pts}),
            "time_exponent": round(t[0], 2) if t else None,
            "seconds_at_1e9": round(t[1] * 1e9 ** t[0]) if t else None,
            "memory_exponent": round(m[0], 2) if m else None,
            "peak_rss_mb_at_1e9": round(m[1] * 1e9 ** m[0]) if m else None,
        })
    return out


def plot(rows: list[dict[str, Any]]) -> None:
    import altair as alt
    import pandas as pd

    def label(r: dict[str, Any]) -> str:
        return f"{r['step']} · {r['engine']} · {r['mode']}"

    df = pd.DataFrame([{"detections": r["detections"], "series": label(r),
                        "seconds": r["seconds"], "peak_rss_mb": r["peak_rss_mb"],
                        "how": "measured"} for r in rows])
    ext = []
    for s in summary(rows):
        if s["time_exponent"] is None:
            continue
        last = max(s["sizes"])
        mine = [r for r in rows if label(r) == label(s) and r["detections"] == last][0]
        series = label(s)
        ext += [{"detections": last, "series": series, "seconds": mine["seconds"],
                 "peak_rss_mb": mine["peak_rss_mb"], "how": "extrapolated"},
                {"detections": 1e9, "series": series, "seconds": s["seconds_at_1e9"],
                 "peak_rss_mb": s["peak_rss_mb_at_1e9"], "how": "extrapolated"}]
    df = pd.concat([df, pd.DataFrame(ext)]) if ext else df
    x = alt.X("detections:Q", scale=alt.Scale(type="log"), title="detections (reads) in the store",
              axis=alt.Axis(values=[1e6, 1e7, 1e8, 1e9], format="~s"))
    for field, title, name in (("seconds", "wall time (s)", "scale_time.png"),
                               ("peak_rss_mb", "peak memory, process tree (MiB)",
                                "scale_memory.png")):
        base = alt.Chart(df).encode(x=x, y=alt.Y(f"{field}:Q", scale=alt.Scale(type="log"),
                                                 title=title),
                                    color=alt.Color("series:N", title="step · engine · store"))
        chart = (base.transform_filter(alt.datum.how == "measured").mark_line(point=True)
                 + base.transform_filter(alt.datum.how == "extrapolated")
                 .mark_line(strokeDash=[4, 4])).properties(
            width=520, height=320, title=f"{title} against size (dashed: extrapolated to 10^9)")
        chart.save(str(DOCS / name), scale_factor=1.5)


def markdown(rows: list[dict[str, Any]]) -> str:
    """The measurements and the fits as Markdown tables (pasted into docs/benchmarks.md)."""
    out = ["| store | detections | searches | step | engine | seconds | peak MiB |",
           "|---|---:|---:|---|---|---:|---:|"]
    for r in sorted(rows, key=lambda r: (r["mode"] != "world", r["detections"], r["step"],
                                         r["engine"])):
        out.append(f"| {r['mode']} | {r['detections']:,} | {r['searches']:,} | {r['step']} | "
                   f"{r['engine']} | {r['seconds']:,.1f} | {r['peak_rss_mb']:,} |")
    out += ["", "| store | step | engine | sizes | time exponent | est. s at 10^9 | "
            "memory exponent |", "|---|---|---|---|---:|---:|---:|"]
    for f in summary(rows):
        if f["time_exponent"] is None:
            continue
        sizes = ", ".join(f"{n:.0e}" for n in f["sizes"])
        out.append(f"| {f['mode']} | {f['step']} | {f['engine']} | {sizes} | "
                   f"{f['time_exponent']} | {f['seconds_at_1e9']:,} | {f['memory_exponent']} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("world")
    w.add_argument("--sizes", default="1e6,3e6,1e7")
    w.add_argument("--keep", action="store_true")
    w.add_argument("--agencies", type=int, default=AGENCIES)
    d = sub.add_parser("direct")
    d.add_argument("--detections", default="1e8")
    d.add_argument("--searches", default="1e7")
    d.add_argument("--store", type=Path, help="an existing direct store to measure")
    for p in (w, d):
        p.add_argument("--engines", default="duckdb,spark")
        p.add_argument("--memory-limit", default="4GB")
        p.add_argument("--spark-memory", default="4g")
    sub.add_parser("plot")
    args = ap.parse_args()
    if args.cmd == "plot":
        rows = load()
        plot(rows)
        print(markdown(rows))
        return
    env = {"ALPR_AUDIT_MEMORY_LIMIT": args.memory_limit, "SPARK_DRIVER_MEMORY": args.spark_memory}
    engines = args.engines.split(",")
    if args.cmd == "world":
        world([int(float(s)) for s in args.sizes.split(",")], engines, env, args.keep,
              args.agencies)
    else:
        direct(int(float(args.detections)), int(float(args.searches)), args.store, engines, env)


if __name__ == "__main__":
    main()
