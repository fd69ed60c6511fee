"""Benchmark: ingest of many small files — saved Flock portal pages (issue 18).

Method. The real corpus (../shared/fixtures/corpus/flock-portal, 348 pages of 101 agencies)
is copied into batches. Each measurement is one `python -m alpr_audit ingest DIR` child
process into a store, timed by wall clock and by CPU (user + sys from wait4's rusage, which
the other jobs on a shared machine disturb far less than wall time):

* **batch size**: fresh stores ingesting the first 10, 50, 100 and 348 pages, and 696 (the
  corpus plus a re-download of every page: same page, different bytes, so every row is a
  duplicate of a natural key) — per-page cost amortised over the batch;
* **flat per-file cost**: the same 10 pages ingested into stores that already hold 0, 100
  and 338 other pages — the marginal cost of a file must not grow with the store;
* **baseline, same run**: the interpreter start-up alone (`alpr-audit --version`) and the
  pages parsed in-process with no store (`parse_page`), the floor any ingest pays.

Run: python benchmarks/bulk_ingest.py [--quick]    (prints a table and JSON)
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

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
CORPUS = FIXTURES / "corpus" / "flock-portal"


def _run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise RuntimeError(f"{' '.join(cmd)} failed: {err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def _ingest(store: Path, folder: Path) -> tuple[float, float]:
    return _run([sys.executable, "-m", "alpr_audit", "--store", str(store), "ingest", str(folder)])


def _batch(pages: list[Path], folder: Path, resaved: bool = False) -> Path:
    folder.mkdir(parents=True)
    for page in pages:
        name = f"{page.parent.name}_{page.name}"
        if resaved:  # a second download of the same page: new bytes, same records
            (folder / f"again_{name}").write_bytes(page.read_bytes() + b"\n<!-- saved again -->\n")
        else:
            shutil.copy(page, folder / name)
    return folder


def _parse_only(pages: list[Path]) -> float:
    """CPU seconds to read and parse every page in this process (no store)."""
    from alpr_audit.ingest.formats.flock.portal_parse import parse_page

    start = time.process_time()
    for page in pages:
        parse_page(page.read_bytes())
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 50 pages only")
    args = parser.parse_args()
    pages = sorted(CORPUS.glob("*/*.html"))
    if not pages:
        sys.exit(f"no corpus at {CORPUS}")
    work = Path(tempfile.mkdtemp(prefix="alpr-bulk-bench-"))
    out: dict[str, object] = {}
    try:
        startup = _run([sys.executable, "-m", "alpr_audit", "--version"])[1]
        out["startup_cpu_s"] = round(startup, 2)
        out["parse_only_ms_per_page"] = round(1000 * _parse_only(pages) / len(pages), 1)
        sizes = [10, 50] if args.quick else [10, 50, 100, len(pages), 2 * len(pages)]
        batches = {}
        for n in sizes:
            folder = work / f"batch-{n}"
            if n > len(pages):
                _batch(pages, folder)
                _batch(pages, folder / "again", resaved=True)
            else:
                _batch(pages[:n], folder)
            wall, cpu = _ingest(work / f"store-{n}", folder)
            batches[n] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                          "wall_ms_per_page": round(1000 * wall / n),
                          "cpu_ms_per_page": round(1000 * cpu / n),
                          "cpu_ms_per_page_net": round(1000 * (cpu - startup) / n)}
            print(f"{n:4d} pages: wall {wall:6.1f} s ({1000 * wall / n:5.0f} ms/page), "
                  f"CPU {cpu:6.1f} s ({1000 * cpu / n:5.0f} ms/page)", flush=True)
        out["batches"] = batches
        if not args.quick:
            probe = _batch(pages[-10:], work / "probe")
            marginal = {}
            for held in (0, 100, len(pages) - 10):
                store = work / f"held-{held}"
                if held:
                    _ingest(store, _batch(pages[:held], work / f"fill-{held}"))
                wall, cpu = _ingest(store, probe)
                net = 100 * (cpu - startup)
                marginal[held] = {"wall_ms_per_page": round(100 * wall),
                                  "cpu_ms_per_page_net": round(net)}
                print(f"10 pages into a store holding {held:3d}: CPU {net:5.0f} ms/page "
                      "(net of start-up)", flush=True)
            out["marginal_10_pages"] = marginal
        print(json.dumps(out, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
