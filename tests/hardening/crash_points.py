"""Helpers of the crash-safety loop: run a CLI command, kill it -9 at a point, compare outputs.

A kill point is either a fraction of the clean run's wall time or a file-system event seen
while the command runs (the store's ``.staging`` has a file, an output's hidden ``.alpr-tmp``
folder holds its CSV but not yet its PDF …): events put kills inside the short write phases
that time alone would rarely hit. The child is polled every few milliseconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from python_calamine import CalamineWorkbook

from alpr_audit.core.schema import INGEST_TABLES
from alpr_audit.store import Store

Event = Callable[[Path], bool]  # given the work folder: has the point been reached?


@dataclass(frozen=True)
class KillPoint:
    phase: str  # ingest, audit, respond
    name: str
    at: float | Event  # fraction of the clean run's time, or an event


def cli_args(store: Path, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "alpr_audit", "--store", str(store), "--json",
            *(str(a) for a in args)]


def run_and_kill(args: list[str], work: Path, point: KillPoint, clean_s: float,
                 limit_s: float = 120) -> bool:
    """Run ``args``, kill -9 it at ``point``; True when the kill landed while it ran."""
    env = {**os.environ}
    env.pop("ALPR_AUDIT_STORE", None)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, cwd=work)
    start = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - start < limit_s:
            due = (time.monotonic() - start >= point.at * clean_s
                   if isinstance(point.at, float) else point.at(work))
            if due:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.003)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def any_file(pattern: str) -> Event:
    return lambda work: any(p.is_file() for p in work.glob(pattern))


def no_file(pattern: str) -> Callable[[Path], bool]:
    return lambda work: not any(work.glob(pattern))


def both(a: Event, b: Event) -> Event:
    return lambda work: a(work) and b(work)


# --- comparing a recovered run with a clean one -----------------------------------------------


def store_state(store: Store) -> dict[str, object]:
    """Sources (without times and run ids), rejects and every ingest table's rows, as text."""
    state: dict[str, object] = {
        "sources": store.query("SELECT source_id, sha256, format, publisher_agency_id, "
                               "rows_read, rows_loaded, rows_rejected, rows_duplicate "
                               "FROM sources ORDER BY source_id"),
        "rejects": store.query("SELECT * FROM rejects ORDER BY source_id, locator"),
        "agencies": store.query("SELECT agency_id, name FROM agencies ORDER BY agency_id"),
    }
    for table in INGEST_TABLES:
        state[table.name] = store.con.execute(
            f'SELECT count(*), md5(coalesce(string_agg(CAST(t AS VARCHAR), \'|\' '
            f'ORDER BY CAST(t AS VARCHAR)), \'\')) FROM "{table.name}" t').fetchone()
    return state


def latest_findings(store: Store) -> list[dict[str, object]]:
    return store.query(
        "SELECT rule_id, severity, agency_id, subject, evidence_count, first_at, last_at, "
        "message FROM findings WHERE run_id = (SELECT run_id FROM audit_runs "
        "ORDER BY started_at DESC LIMIT 1) ORDER BY ALL")


def _cell(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _norm(text: str, ids: set[str]) -> str:
    """Drop what differs between two clean runs: ids of the run, its time, its timings."""
    for i in ids:
        text = text.replace(i, "ID")
    text = re.sub(r"\d{8}T\d{6}-[0-9a-f]{6}", "RUN", text)
    today = dt.datetime.now(dt.UTC).date()
    for day in {today, today - dt.timedelta(days=1)}:  # a run near midnight
        text = re.sub(re.escape(day.isoformat()) + r"[ T]?(\d{2}:\d{2}(:\d{2})?(\.\d+)?)?Z?",
                      "NOW", text)
        text = text.replace(day.strftime("%B %-d, %Y"), "NOW")
    return re.sub(r"\d+(\.\d+)? ?s\b", "Ns", text)


def output_text(path: Path) -> str:
    """A file's content as text, for comparison after :func:`_norm`."""
    if path.suffix == ".pdf":
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            return "\n".join(page.get_textpage().get_text_range() for page in pdf)
        finally:
            pdf.close()
    if path.suffix == ".xlsx":
        book = CalamineWorkbook.from_path(str(path))
        return "\n".join(f"{name}:" + "\t".join(_cell(c) for c in row)
                         for name in book.sheet_names
                         for row in book.get_sheet_by_name(name).to_python())
    if path.name == "manifest.json":  # hashes of files that carry the time are not compared
        return _manifest(json.loads(path.read_text(encoding="utf-8")))
    return path.read_text(encoding="utf-8")


def _manifest(data: object) -> str:
    def strip(node: object) -> object:
        if isinstance(node, dict):
            path = str(node.get("path", node.get("file", "")))
            timed = path.endswith((".pdf", ".xlsx"))
            return {k: strip(v) for k, v in node.items()
                    if not (timed and k in ("sha256", "bytes", "size", "size_bytes"))}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    return json.dumps(strip(data), sort_keys=True, indent=1)


def folder_texts(folder: Path) -> dict[str, str]:
    """Every output file of ``folder`` as normalised text (finding ids read from findings.csv)."""
    ids: set[str] = set()
    findings = folder / "findings.csv"
    if findings.exists():
        with findings.open(newline="", encoding="utf-8") as fh:
            ids = {r["finding_id"] for r in csv.DictReader(fh)}
    texts = {p.name: _norm(output_text(p), ids) for p in sorted(folder.iterdir()) if p.is_file()}
    if "manifest.json" in texts:
        # The manifest hashes files that hold the run's ids; the files themselves are compared
        # above (normalised), so only the hashes' presence and shape are compared here.
        texts["manifest.json"] = re.sub(r'"sha256": "[0-9a-f]{64}"', '"sha256": "HASH"',
                                        texts["manifest.json"])
    return texts
