"""Benchmark: ingest time of sharing-list PDFs (issue 3: a 20-page report takes seconds).

Method: each run is a fresh `python -m alpr_audit ingest` child process into a fresh store
(interpreter start-up included), timed by wall clock with peak RSS from wait4(). Files: the
real OCSD Vigilant Agency Data Sharing Report (9 pages), the Irvine Flock devices page (11
pages), and a 22-page PDF made by appending the Irvine file to itself with pypdfium2 (the
devices importer has no page-count footer to contradict). Run: python benchmarks/ingest_pdf.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def doubled(src: Path, out: Path) -> Path:
    doc = pdfium.PdfDocument(str(src))
    doc.import_pages(pdfium.PdfDocument(str(src)))
    doc.save(str(out))
    return out


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="alpr-pdf-bench-"))
    files = {
        "vigilant sharing report, 9 pages": FIXTURES / "vigilant" / "ocsd_agency-data-sharing-report_2025-03-11.pdf",
        "flock devices page, 11 pages": FIXTURES / "flock" / "irvine-pd_flock-devices-sharing_2022.pdf",
    }
    files["flock devices page doubled, 22 pages"] = doubled(
        files["flock devices page, 11 pages"], work / "devices-22.pdf")
    results = {}
    for label, path in files.items():
        store = work / "store"
        shutil.rmtree(store, ignore_errors=True)
        run = measure([sys.executable, "-m", "alpr_audit", "--store", str(store), "ingest", str(path)])
        results[label] = {"seconds": round(run.seconds, 2), "peak_mb": round(run.peak_rss_mb)}
        print(f"{label}: {run.seconds:.2f} s, {run.peak_rss_mb:.0f} MB")
    print(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
