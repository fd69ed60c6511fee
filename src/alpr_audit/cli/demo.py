"""The one-command experience: synthesize a world of agencies, ingest, report, audit."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.reports import run_report
from alpr_audit.store import Store

DEMO_REPORTS = ("searches-by-month", "searches-by-purpose", "searches-by-org")
#: How many rows of each report the demo prints (the store keeps them all).
DEMO_ROWS = 12


def synthesize(out: Path, *, scale: int, seed: int, agency: str) -> dict[str, Any]:
    """Write a synthetic agency's files to ``out``; return the generator's manifest."""
    from alpr_audit.synth.agency_set import write_agency_set

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
    scale: int = 1,
    seed: int = 0,
    memory_limit: str | None = None,
    show: Callable[[str, Any], None] | None = None,
    out_dir: Path | None = None,
) -> dict[str, Any]:
    """Synthesize a world of two agencies, ingest it, report on it, audit it, build the portal.

    ``store_dir`` None → a new folder under the temp dir; the audit report goes to ``out_dir``
    (default: next to the store), the transparency portal to ``out_dir/portal``.
    ``show(stage, payload)`` is called as each step finishes, so people see progress; the
    returned dict holds everything (the ``demo --json`` output).
    """
    from alpr_audit.audit.engine import run_audit
    from alpr_audit.outputs.audit_report.report import write_audit_report
    from alpr_audit.outputs.portal.build import build_portal
    from alpr_audit.synth.world import write_world

    show = show or (lambda stage, payload: None)
    work = Path(tempfile.mkdtemp(prefix="alpr-audit-demo-"))
    world = work / "files"
    truth = write_world(world, seed=seed, scale=scale, agencies=2)
    files = sorted(str(p) for p in world.rglob("*") if p.is_file() and not p.name.startswith("."))
    show("synth", {"dir": str(world), "files": files, "agencies": [a["name"] for a in truth["agencies"]]})
    store_path = Path(store_dir) if store_dir is not None else work / "store"
    out_dir = Path(out_dir) if out_dir is not None else work / "audit"
    with Store.open(store_path, memory_limit=memory_limit) as store:
        results = []
        for agency in truth["agencies"]:  # the logs do not name their agency: say it
            results += ingest_paths(store, [world / agency["folder"]], agency=agency["name"])
        show("ingest", results)
        reports = {}
        for name in DEMO_REPORTS:
            rows = run_report(store, name, agency=truth["agencies"][0]["name"],
                              log_kind="network_audit")
            reports[name] = rows
            show("report", (name, rows[:DEMO_ROWS]))
        audit = run_audit(store)
        show("audit", audit)
        report = write_audit_report(store, out_dir, run_id=audit.run_id, overwrite=True)
        show("report_files", report)
        portal = build_portal(store, out_dir / "portal")
        show("portal", portal)
    show("store", store_path)
    return {
        "store": str(store_path),
        "files": files,
        "ingest": [r.to_json() for r in results],
        "reports": reports,
        "audit": audit.to_json(),
        "audit_report": report.to_json(),
        "portal": portal.to_json(),
    }
