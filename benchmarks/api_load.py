"""Benchmark: the web app under load — `alpr-audit serve` on a loopback port, N concurrent
clients for a bounded time, optionally with an ingest running at the same time.

Target (issue 6): API p95 latency under 100 ms for 50 concurrent local clients; 0 errors
(issue 8), also while files are ingested into the store being served.

Method: a store of a synthetic world (two agencies, ~40k searches, 400k reads, audited) is
built unless --store is given. `alpr-audit serve` runs as a child process on a free
127.0.0.1 port. N client threads (each with its own keep-alive httpx connection) loop over a
mix of requests: the API's lists, details of findings and agencies, every public report, and
the HTML pages linked from the home page; each waits --think seconds between requests (0 =
closed loop, the harshest case). Latency is wall time per request on the client; an error is
any status other than 200 or any exception. With --ingest, `alpr-audit ingest` (a separate
writing process) ingests one new file after another into the served store during the run.

Run: python benchmarks/api_load.py --clients 50 --seconds 60 [--ingest] [--think 0.05]
Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

PYTHON = sys.executable
#: the concurrent ingest runs niced, as a background job beside a server should (on two
#: cores an un-niced DuckDB ingest takes both and the server waits for CPU)
NICE = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_store(root: Path) -> Path:
    """A synthetic world of two agencies, ingested and audited (about 20 s)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))
    from webkit import build_world_store

    return build_world_store(root)


def start_server(store: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [PYTHON, "-m", "alpr_audit", "--store", str(store), "serve", "--host", "127.0.0.1",
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("serve exited: " + proc.stderr.read().decode()[-2000:])  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/reports", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("serve did not answer within 60 s")


def request_mix(base: str) -> list[str]:
    """The URLs clients pick from: API lists, details, reports and the pages."""
    with httpx.Client(base_url=base, timeout=30) as c:
        findings = c.get("/api/findings", params={"limit": 1000}).json()["items"]
        agencies = c.get("/api/agencies", params={"limit": 1000}).json()["items"]
        reports = [r["name"] for r in c.get("/api/reports").json()["items"] if r["public"]]
        home = c.get("/")
        pages = ["/"] if home.status_code == 200 else []
        if pages:
            for href in re.findall(r'href="(/[^"#]*)"', home.text):
                if not href.startswith(("/static/", "/api/")) and href not in pages:
                    pages.append(href.replace("&amp;", "&"))
    rng = random.Random(0)
    urls = ["/api/agencies", "/api/findings", "/api/findings?severity=high",
            "/api/findings?rule=sharing", "/api/sources", "/api/requests", "/api/reports"]
    urls += [f"/api/findings/{f['finding_id']}" for f in rng.sample(findings, min(20, len(findings)))]
    busy = sorted(agencies, key=lambda a: -a["findings"])[:5]
    urls += [f"/api/agencies/{a['agency_id']}" for a in busy]
    urls += [f"/api/findings?agency={a['agency_id']}" for a in busy[:2]]
    urls += [f"/api/reports/{r}" for r in reports]
    urls += [f"/api/reports/{r}?since=2025-01-01" for r in reports]
    urls += pages[:15]
    return urls


def warm(base: str, urls: list[str]) -> None:
    """One pass over the mix first: the first report on a fresh copy compiles its query."""
    with httpx.Client(base_url=base, timeout=60) as c:
        for u in urls:
            c.get(u)


def client_loop(base: str, urls: list[str], stop: threading.Event, think: float, seed: int,
                out: list[tuple[float, str, int]], errors: list[str]) -> None:
    """One client: a keep-alive connection (stdlib http.client: the load generator shares
    the two cores with the server, so it must cost little), random URLs until ``stop``."""
    rng = random.Random(seed)
    port = int(base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        url = rng.choice(urls)
        t = time.perf_counter()
        try:
            conn.request("GET", url)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            status = -1
            errors.append(f"{url}: {exc!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out.append((time.perf_counter() - t, url, status))
        if status not in (200, -1):
            errors.append(f"{url}: HTTP {status}")
        if think:
            stop.wait(rng.uniform(0.5, 1.5) * think)
    conn.close()


def ingest_loop(store: Path, files: list[Path], stop: threading.Event, env: dict[str, str],
                done: list[dict[str, Any]]) -> None:
    """Ingest one file after another into the served store (a separate writing process)."""
    for f in files:
        if stop.is_set():
            return
        t = time.perf_counter()
        r = subprocess.run(["nice", "-n", str(NICE), PYTHON, "-m", "alpr_audit", "--store", str(store), "--json", "ingest",
                            str(f), "--agency", "Loadville CA PD"],
                           capture_output=True, text=True, env=env)
        try:
            status = json.loads(r.stdout)[0]["status"]
        except (ValueError, IndexError, KeyError):
            status = f"error: {r.stderr.strip()[-300:]}"
        done.append({"file": f.name, "status": status, "seconds": round(time.perf_counter() - t, 2)})


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def run_load(store: Path, *, clients: int = 50, seconds: float = 60.0, think: float = 0.0,
             ingest: bool = False, work: Path | None = None) -> dict[str, Any]:
    """Serve ``store`` and load it; returns counts, latency percentiles (ms) and errors."""
    env = dict(os.environ, ALPR_AUDIT_TOKEN="")
    env.pop("ALPR_AUDIT_TOKEN")
    work = Path(work or tempfile.mkdtemp(prefix="alpr-audit-load-"))
    files: list[Path] = []
    if ingest:
        from alpr_audit.cli.demo import synthesize

        synthesize(work / "ingest", scale=max(2000, int(seconds * 400)), seed=7,
                   agency="Loadville CA PD")
        files = sorted((work / "ingest").glob("flock_*"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(store, port, env)
    try:
        urls = request_mix(base)
        warm(base, urls)
        stop = threading.Event()
        samples: list[list[tuple[float, str, int]]] = [[] for _ in range(clients)]
        errors: list[str] = []
        ingested: list[dict[str, Any]] = []
        threads = [threading.Thread(target=client_loop,
                                    args=(base, urls, stop, think, i, samples[i], errors))
                   for i in range(clients)]
        if ingest:
            threads.append(threading.Thread(target=ingest_loop,
                                            args=(store, files, stop, env, ingested)))
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    every = [s for per in samples for s in per]
    lat = sorted(s[0] * 1000 for s in every)
    api = sorted(s[0] * 1000 for s in every if s[1].startswith("/api/"))
    pages = sorted(s[0] * 1000 for s in every if not s[1].startswith("/api/"))
    result = {
        "clients": clients, "seconds": round(elapsed, 1), "think_s": think, "ingest": ingest,
        "requests": len(every), "rps": round(len(every) / elapsed, 1), "errors": len(errors),
        "error_samples": errors[:5], "distinct_urls": len(urls),
        "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(lat[-1], 1) if lat else None,
        "api_p95_ms": round(percentile(api, 95), 1),
        "pages_p95_ms": round(percentile(pages, 95), 1) if pages else None,
        "ingested": ingested,
    }
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, help="store to serve (default: build a synthetic one)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--think", type=float, default=0.0,
                    help="mean pause of a client between requests, seconds (0 = closed loop)")
    ap.add_argument("--ingest", action="store_true", help="ingest files while serving")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="alpr-audit-load-"))
    try:
        store = args.store
        if store is None:
            store = build_store(work)
        elif args.ingest:  # never write into the caller's store
            shutil.copytree(store, work / "store")
            store = work / "store"
        result = run_load(store, clients=args.clients, seconds=args.seconds, think=args.think,
                          ingest=args.ingest, work=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
