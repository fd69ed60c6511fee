"""The one-command experience: synthesize an agency, ingest it, print the first reports."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .ingest.pipeline import ingest_paths
from .reports import run_report
from .store import Store

DEMO_REPORTS = ("searches-by-month", "searches-by-reason", "searches-by-org", "search-types")
#: How many rows of each report the demo prints (the store keeps them all).
DEMO_ROWS = 12


def synthesize(out: Path, *, scale: int, seed: int, agency: str) -> dict[str, Any]:
    """Write a synthetic agency's files to ``out``; return the generator's manifest."""
    from .synth.agency_set import write_agency_set

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = write_agency_set(out, scale=scale, seed=seed, publisher=agency)
    manifest["dir"] = str(out)
    return manifest


def data_files(manifest: dict[str, Any]) -> list[Path]:
    """The data files a manifest lists (not the manifest itself), in ingest order."""
    return sorted(Path(f["path"]) for f in manifest["files"])


def run_demo(
    store_dir: Path | None,
    *,
    scale: int = 5_000,
    seed: int = 0,
    memory_limit: str | None = None,
    show: Callable[[str, Any], None] | None = None,
) -> dict[str, Any]:
    """Synthesize, ingest and report. ``store_dir`` None → a new folder under the temp dir.

    ``show(stage, payload)`` is called as each step finishes, so people see progress; the
    returned dict holds everything (the ``demo --json`` output).
    """
    show = show or (lambda stage, payload: None)
    work = Path(tempfile.mkdtemp(prefix="alpr-audit-demo-"))
    manifest = synthesize(work / "files", scale=scale, seed=seed, agency="Mapleton CA PD")
    show("synth", manifest)
    store_path = Path(store_dir) if store_dir is not None else work / "store"
    with Store.open(store_path, memory_limit=memory_limit) as store:
        results = ingest_paths(store, data_files(manifest), agency="Mapleton CA PD")
        show("ingest", results)
        reports = {}
        for name in DEMO_REPORTS:
            rows = run_report(store, name)
            reports[name] = rows
            show("report", (name, rows[:DEMO_ROWS]))
    show("store", store_path)
    return {
        "store": str(store_path),
        "files": manifest["files"],
        "ingest": [r.to_json() for r in results],
        "reports": reports,
    }
