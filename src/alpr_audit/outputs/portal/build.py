"""``build_portal``: the static transparency site, written atomically.

The site is written with :func:`alpr_audit.outputs.atomic.atomic_dir`: built in a hidden
folder next to ``out`` and swapped in whole, so a reader (or a web server) never sees half a
portal, and a failed or killed build leaves the previous one intact. Its ``manifest.json``
(every file with its hash) marks the folder as a portal a later build may replace.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from alpr_audit.core.records import Finding, severity_rank
from alpr_audit.outputs import atomic
from alpr_audit.outputs.portal import charts as ch
from alpr_audit.outputs.portal.data import gather, problem_kinds
from alpr_audit.outputs.portal.render import Links, render
from alpr_audit.outputs.portal.sharing_graph import sharing_svg
from alpr_audit.store import Store

#: What :mod:`alpr_audit.outputs.atomic` calls a portal
KIND = "portal"
#: The file in every built portal that lets ``--out`` replace it (the one shared marker)
MARKER = atomic.MARKER
STATIC = ("portal.css",)
#: vl-convert renders in native code; two workers keep both cores of a small machine busy.
CHART_WORKERS = 2
#: Findings listed one by one on a page (most serious first); every finding is counted in the
#: summary by kind, and all of them are in the audit report and the live findings browser.
#: Ten thousand vague-purpose findings would make a page no one reads and no phone loads.
LIST_FINDINGS = 60


@dataclass
class PortalResult:
    """What ``build_portal`` wrote (the ``portal build --json`` output)."""

    out_dir: Path
    index: Path
    pages: list[Path] = field(default_factory=list)
    charts: int = 0
    agencies: int = 0
    findings: int = 0
    bytes: int = 0
    largest_page: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "index": str(self.index),
                "url": self.index.resolve().as_uri(), "pages": [str(p) for p in self.pages],
                "charts": self.charts, "agencies": self.agencies, "findings": self.findings,
                "bytes": self.bytes, "largest_page_bytes": self.largest_page,
                "seconds": round(self.seconds, 3)}


def static_dir() -> Path:
    """The packaged CSS folder (served under ``/static`` by the live app)."""
    return Path(str(resources.files("alpr_audit.outputs.portal").joinpath("static")))


def build_portal(store: Store, out_dir: Path | str, *, agencies: list[str] | None = None,
                 progress: Callable[[str, int, int], None] | None = None,
                 today: dt.date | None = None) -> PortalResult:
    """Write the portal for the store's agencies (or ``agencies``) to ``out_dir``.

    ``progress(step, done, total)`` is called as pages are written.
    """
    started = time.perf_counter()
    out = Path(out_dir).expanduser().absolute()
    atomic.check_target(out, KIND)
    tick = progress or (lambda step, done, total: None)
    tick("gathering figures", 0, 1)
    data = gather(store, agencies, today=today)
    pages = data["agencies"]
    with atomic.atomic_dir(out, KIND, mode=0o755) as tmp:  # a published site is meant to be read
        result = _write(tmp, data, tick)
        atomic.write_marker(tmp, KIND)
    result.out_dir = out
    result.index = out / "index.html"
    result.pages = [out / p.relative_to(tmp) for p in result.pages]
    result.agencies = len(pages)
    result.seconds = time.perf_counter() - started
    return result


def agency_context(data: dict[str, Any], page: dict[str, Any], render_charts: bool = True
                   ) -> dict[str, Any]:
    """Template context of one agency page (shared with the live app)."""
    return {"a": page, "run": data["run"], "generated_on": data["generated_on"],
            "listed": page["findings"][:LIST_FINDINGS],
            "charts": ch.agency_charts(page, render_charts),
            "graph": sharing_svg(page["name"], page["sharing"]),
            "pages": {p["agency_id"] for p in data["agencies"]}}


def all_findings(data: dict[str, Any]) -> list[Finding]:
    """Every agency's findings in one list, most serious first."""
    rows: list[Finding] = [f for p in data["agencies"] for f in p["findings"]]
    return sorted(rows, key=lambda f: (severity_rank(f.severity), f.agency or "",
                                       -f.evidence_count))


def _write(root: Path, data: dict[str, Any], tick: Callable[[str, int, int], None]
           ) -> PortalResult:
    pages = data["agencies"]
    (root / "agencies").mkdir()
    (root / "charts").mkdir()
    (root / "static").mkdir()
    for name in STATIC:
        shutil.copyfile(static_dir() / name, root / "static" / name)
    written: list[Path] = []

    def page_file(path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        written.append(path)

    top = Links(live=False, depth=0)
    page_file(root / "index.html", render("index.html", top, agencies=pages, run=data["run"],
                                          generated_on=data["generated_on"]))
    findings = all_findings(data)
    page_file(root / "findings.html", render(
        "findings.html", top, findings=findings[:LIST_FINDINGS * 5], total=len(findings),
        kinds=problem_kinds(findings), run=data["run"], generated_on=data["generated_on"]))
    deep = Links(live=False, depth=1)
    n_charts = 0

    def one(page: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return page, agency_context(data, page)

    with ThreadPoolExecutor(max_workers=CHART_WORKERS) as pool:
        for i, (page, ctx) in enumerate(pool.map(one, pages)):
            for c in ctx["charts"]:
                if c.svg is not None:
                    (root / "charts" / f"{page['agency_id']}-{c.key}.svg").write_text(
                        c.svg, encoding="utf-8")
                    n_charts += 1
            page_file(root / "agencies" / f"{page['agency_id']}.html",
                      render("agency.html", deep, **ctx))
            tick("agency pages", i + 1, len(pages))
    sizes = [p.stat().st_size for p in written]
    total = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    return PortalResult(root, root / "index.html", written, n_charts, len(pages), len(findings),
                        total, max(sizes, default=0))
