"""Vigilant Dashboard Detection Report (PDF): the OCSD release, sums, the per-agency form,
unreadable counts and OCR noise."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from test_vigilant_hit_ratio import IMPORTERS, Item, footer, scanned_page, write_pdf

from alpr_audit.ingest.formats.vigilant.dashboard import split_reports
from alpr_audit.ingest.formats.vigilant.dashboard_rows import (
    BASIS_AGENCY,
    BASIS_SYSTEM,
    BASIS_TOTAL,
    detection_rows,
)
from alpr_audit.ingest.formats.vigilant.detection_report import VigilantDetectionReportImporter
from alpr_audit.ingest.formats.vigilant.hit_ratio import VigilantHitRatioImporter
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.ingest.probe import probe_file
from alpr_audit.store import Store
from fixturekit import fixture_file

OCSD_SYSTEMS = [  # as printed, in report order (pages 1 and 2)
    ("OCSD Dana Point LPR Car", 1_131_043), ("OCSD San Clemente LPR", 795_476),
    ("OCSD Mission Viejo LPR", 768_395), ("OCSD Yorba Linda", 689_777),
    ("OCSD LN LPR CAR 2", 356_906), ("OCSD Lake Forest LPR", 340_092),
    ("OCSD Stanton LPR", 327_067), ("OCSD Octa 2", 289_286), ("OCSD North LPR 2847 Car", 79_922),
    ("OCSD LN LPR Car", 75_725), ("OCSD octa 3", 61_632), ("OCSD Octa 4", 39_462),
    ("OCSD San Juan Capistrano", 15_670), ("OCSD - San Clemente LPR", 6_149),
    ("OCSD Laguna Hills", 2_782), ("Mobile Companion", 4), ("OCATT Melatti", 0),
    ("OCSD North LPR (Deleted)", 0), ("OCSD OCATT", 0), ("OCSD OCATT2", 0), ("OCSD OCATT3", 0),
    ("OCSD Systems Test", 0), ("ocsd_special_ops", 0),
]


def detection_page(rows: list[tuple[str, str]], *, total: str, label: str = "System",
                   count: int | None = None, frame: str = "From 1-01-19 12 AM To 03-11-25 12 AM",
                   created: str | None = "03-10-25") -> list[Item]:
    items: list[Item] = [
        (200, 40, "Dashboard Detection Report"), (250, 85, "Report Details"),
        (160, 115, "Report By: Test User"), (440, 115, f"{label} Count: {count or len(rows)}"),
        (70, 140, f"Time Frame: {frame}"), (410, 140, f"Total Detections: {total}"),
        (60, 570, "Contributor"), (290, 570, label), (480, 570, "Detections"),
    ]
    for i, (name, n) in enumerate(rows):
        y = 600 + 22 * i
        items += [(90, y, str(i + 1)), (230, y, name), (495, y, n)]
    return items + footer(created)


# --- the real release -------------------------------------------------------------------------

def test_ocsd_report_gives_23_systems_that_sum_to_the_total(store: Store) -> None:
    path = fixture_file("vigilant/ocsd_dashboard-detection-report_2019-2025.pdf")
    r = ingest_file(store, path, importers=IMPORTERS)
    assert (r.status, r.format) == ("ingested", "vigilant_detection_report")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (24, 24, 0, 0)
    systems = store.query("""SELECT system, total_records, detections, hits, locator, basis
        FROM detection_counts WHERE system IS NOT NULL ORDER BY split_part(locator, ',', 1),
        CAST(split_part(locator, 'line ', 2) AS INTEGER)""")
    assert [(s["system"], s["total_records"]) for s in systems] == OCSD_SYSTEMS
    assert all(s["detections"] is None and s["hits"] is None and s["basis"] == BASIS_SYSTEM
               for s in systems)
    assert sum(n for _, n in OCSD_SYSTEMS) == 4_979_388
    assert sum(1 for _, n in OCSD_SYSTEMS if n == 0) == 7
    # the table goes on over page 2 (title and column header again, no Report Details)
    assert systems[0]["locator"] == "page 1, line 7"
    assert systems[9]["locator"] == "page 2, line 4"
    total = store.query("SELECT * FROM detection_counts WHERE system IS NULL")
    assert len(total) == 1
    t = total[0]
    assert (t["total_records"], t["basis"], t["locator"]) == (4_979_388, BASIS_TOTAL, "page 1, line 5")
    assert (t["period_start"], t["period_end"]) == (dt.datetime(2019, 1, 1), dt.datetime(2025, 3, 11))
    assert t["report_created_on"] == dt.date(2025, 3, 10)
    assert ingest_file(store, path, importers=IMPORTERS).status == "already_ingested"


def test_detection_total_equals_the_hit_ratio_reports_total_records(store: Store) -> None:
    ingest_file(store, fixture_file("vigilant/ocsd_dashboard-detection-report_2019-2025.pdf"),
                importers=IMPORTERS)
    ingest_file(store, fixture_file("vigilant/ocsd_dashboard-hit-ratio-report_2019-2025.pdf"),
                importers=IMPORTERS)
    got = store.query("""SELECT hits IS NOT NULL AS ratio, total_records FROM detection_counts
        WHERE system IS NULL ORDER BY ratio""")
    assert [(g["ratio"], g["total_records"]) for g in got] == [(False, 4_979_388), (True, 4_979_388)]


def test_each_importer_claims_only_its_own_report() -> None:
    det = probe_file(fixture_file("vigilant/ocsd_dashboard-detection-report_2019-2025.pdf"))
    ratio = probe_file(fixture_file("vigilant/ocsd_dashboard-hit-ratio-report_2019-2025.pdf"))
    sharing = probe_file(fixture_file("vigilant/ocsd_agency-data-sharing-report_2025-03-11.pdf"))
    assert VigilantDetectionReportImporter().sniff(det) is not None
    assert VigilantHitRatioImporter().sniff(det) is None
    assert VigilantDetectionReportImporter().sniff(ratio) is None
    assert VigilantHitRatioImporter().sniff(sharing) is None
    assert VigilantDetectionReportImporter().sniff(sharing) is None


# --- synthetic variants -----------------------------------------------------------------------

def test_systems_that_do_not_sum_to_the_total_are_kept_and_the_gap_recorded(store: Store, tmp_path: Path) -> None:
    page = detection_page([("Cam A", "100"), ("Cam B (Deleted)", "0"), ("Cam C", "5")], total="110",
                          count=4)
    r = ingest_file(store, write_pdf(tmp_path / "d.pdf", [page]), importers=IMPORTERS)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 4, 0)
    t = store.query("SELECT * FROM detection_counts WHERE system IS NULL")[0]
    assert t["total_records"] == 110
    assert t["basis"] == (BASIS_TOTAL + "; the 3 rows of the report sum to 105, not to this total"
                          "; System Count says 4, the table lists 3")
    names = [x["system"] for x in store.query("SELECT system FROM detection_counts WHERE system IS NOT NULL")]
    assert "Cam B (Deleted)" in names


def test_per_agency_form_names_the_publisher(store: Store, tmp_path: Path) -> None:
    page = detection_page([("Mapleton Police Department (CA)", "504494")], total="504,494",
                          label="Agency")
    r = ingest_file(store, write_pdf(tmp_path / "d.pdf", [page]), importers=IMPORTERS,
                    agency="Somebody Else PD (CA)")
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)
    assert r.publisher_agency_id == "mapleton-ca-pd"  # the report's own word beats --agency
    row = store.query("SELECT * FROM detection_counts WHERE system IS NOT NULL")[0]
    assert (row["system"], row["total_records"], row["basis"]) == (
        "Mapleton Police Department (CA)", 504_494, BASIS_AGENCY)


def test_unreadable_count_and_stray_line_are_rejected_with_place_and_text(store: Store, tmp_path: Path) -> None:
    page = detection_page([("Cam A", "100"), ("Cam B", "12a45")], total="12,445")
    page.append((230, 700, "a note someone typed"))
    r = ingest_file(store, write_pdf(tmp_path / "d.pdf", [page]), importers=IMPORTERS)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (4, 2, 2, 0)
    rej = {x["locator"]: x for x in store.query("SELECT * FROM rejects")}
    assert rej["page 1, line 7"]["reason"] == "cannot read the Detections of 'Cam B': '12a45' is not a whole number"
    assert json.loads(rej["page 1, line 7"]["raw"]) == {"Contributor": "2", "System": "Cam B",
                                                        "Detections": "12a45"}
    assert "a note someone typed" in rej["page 1, line 8"]["reason"]


def test_table_continued_on_the_next_page(store: Store, tmp_path: Path) -> None:
    first = detection_page([("Cam A", "7")], total="10", count=2)
    first[-1] = (520, 820, "Page 1 of 2")
    second = [(200, 40, "Dashboard Detection Report"), (60, 85, "Contributor"), (290, 85, "System"),
              (480, 85, "Detections"), (90, 113, "2"), (230, 113, "Cam B"), (500, 113, "3"),
              *footer("03-10-25", 2, 2)]
    r = ingest_file(store, write_pdf(tmp_path / "d.pdf", [first, second]), importers=IMPORTERS)
    assert (r.rows_read, r.rows_loaded) == (3, 3)
    b = store.query("SELECT * FROM detection_counts WHERE system = 'Cam B'")[0]
    assert (b["locator"], b["total_records"], b["period_end"]) == ("page 2, line 3", 3, dt.datetime(2025, 3, 11))
    assert store.query("SELECT basis FROM detection_counts WHERE system IS NULL")[0]["basis"] == BASIS_TOTAL


# --- OCR noise --------------------------------------------------------------------------------

def test_ocr_fixed_counts_load_when_the_total_confirms_them() -> None:
    page = scanned_page(detection_page([("Cam A", "1OO"), ("Cam B", "2 5")], total="125", created=None))
    rows = detection_rows(split_reports([page])[0][0])
    assert [(r.system, r.total_records, r.reject) for r in rows] == [
        (None, 125, None), ("Cam A", 100, None), ("Cam B", 25, None)]


def test_ocr_fixed_counts_are_rejected_when_the_total_does_not_confirm_them() -> None:
    page = scanned_page(detection_page([("Cam A", "1OO"), ("Cam B", "25")], total="135", created=None))
    total, a, b = detection_rows(split_reports([page])[0][0])
    assert total.reject is None and total.total_records == 135  # read without any fix
    assert "system rows sum to 125 and Total Detections reads 135" in (a.reject or "")
    assert a.total_records is None
    assert b.reject is None and b.total_records == 25
