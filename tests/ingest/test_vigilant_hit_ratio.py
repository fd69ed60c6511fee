"""Vigilant Dashboard Hit Ratio Report (PDF): the OCSD release, the Irvine scan, period traps,
reports that do not add up, OCR noise, pages without a text layer."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from alpr_audit.core.errors import IngestError, UnknownFormatError
from alpr_audit.ingest import pdftext
from alpr_audit.ingest.formats.vigilant.dashboard import parse_date, resolve_period, split_reports
from alpr_audit.ingest.formats.vigilant.dashboard_rows import BASIS_HIT_RATIO, hit_ratio_rows
from alpr_audit.ingest.formats.vigilant.detection_report import VigilantDetectionReportImporter
from alpr_audit.ingest.formats.vigilant.hit_ratio import VigilantHitRatioImporter
from alpr_audit.ingest.pdftext import PageText, Word, group_lines, read_count
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.store import Store
from fixturekit import fixture_file

IMPORTERS = [VigilantHitRatioImporter(), VigilantDetectionReportImporter()]
Item = tuple[float, float, str]  # x, y from the top (points), text


# --- synthetic PDFs ---------------------------------------------------------------------------

def write_pdf(path: Path, pages: list[list[Item]]) -> Path:
    """A minimal PDF with a text layer (A4, Helvetica 10 pt), one list of items per page."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            ("<< /Type /Pages /Kids [" + " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
             + f"] /Count {len(pages)} >>").encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, items in enumerate(pages):
        ops = []
        for x, y, text in items:
            t = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 10 Tf {x} {842 - y} Td ({t}) Tj ET")
        stream = "\n".join(ops).encode("latin-1")
        objs.append(("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                     f"<< /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>").encode())
        objs.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").encode()
    path.write_bytes(bytes(out))
    return path


def footer(created: str | None, page: int = 1, of: int = 1) -> list[Item]:
    if created is None:
        return []
    return [(40, 820, f"Date Created: {created}"), (330, 820, "VehicleManager Report"),
            (520, 820, f"Page {page} of {of}")]


def hit_ratio_page(*, frame: str = "From 1-01-19 12 AM To 03-11-25 12 AM", total: str = "4,979,388",
                   det: str = "4944782", hits: str = "34606", created: str | None = "03-10-25",
                   ) -> list[Item]:
    return [
        (200, 40, "Dashboard Hit Ratio Report"), (250, 85, "Report Details"),
        (160, 115, "Report By: Test User"), (460, 115, "Hit Ratio Count: 2"),
        (70, 140, f"Time Frame: {frame}"), (420, 140, f"Total Records: {total}"),
        (60, 570, "Contributor"), (290, 570, "Record Type"), (485, 570, "Records"),
        (90, 600, "1"), (300, 600, "Detections"), (495, 600, det),
        (90, 622, "2"), (315, 622, "Hits"), (505, 622, hits),
        *footer(created),
    ]


def only_row(store: Store) -> dict:
    rows = store.query("SELECT * FROM detection_counts")
    assert len(rows) == 1
    return rows[0]


# --- the real releases ------------------------------------------------------------------------

def test_ocsd_report_gives_one_row_that_adds_up(store: Store) -> None:
    path = fixture_file("vigilant/ocsd_dashboard-hit-ratio-report_2019-2025.pdf")
    r = ingest_file(store, path, importers=IMPORTERS, agency="Orange County Sheriffs Department (CA)")
    assert (r.status, r.format) == ("ingested", "vigilant_hit_ratio")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (1, 1, 0, 0)
    row = only_row(store)
    assert (row["detections"], row["hits"], row["total_records"]) == (4_944_782, 34_606, 4_979_388)
    assert row["detections"] + row["hits"] == row["total_records"]
    # the period is what the report says: it ends on Mar 11 2025, not at a year's end
    assert row["period_start"] == dt.datetime(2019, 1, 1)
    assert row["period_end"] == dt.datetime(2025, 3, 11)
    assert row["period_text"] == "From 1-01-19 12 AM To 03-11-25 12 AM"
    assert row["report_created_on"] == dt.date(2025, 3, 10)
    assert row["system"] is None and row["basis"] == BASIS_HIT_RATIO
    assert row["locator"] == "page 1"
    # the report does not name its agency: the operator's --agency is the publisher
    assert row["agency_id"] == r.publisher_agency_id is not None
    again = ingest_file(store, path, importers=IMPORTERS)
    assert again.status == "already_ingested"


def test_irvine_scan_reads_all_four_reports_and_names_its_agency(store: Store) -> None:
    path = fixture_file("vigilant/irvine-pd_dashboard-hit-ratio-report_2022_scanned.pdf")
    r = ingest_file(store, path, importers=IMPORTERS)
    assert (r.status, r.format) == ("ingested", "vigilant_hit_ratio")
    # pages 1 and 3 are Hit Ratio reports (1 row each), pages 2 and 4 Detection reports
    # (a total and one agency row each)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (6, 6, 0, 0)
    assert r.publisher_agency_id == "irvine-ca-pd"
    ratio = {x["period_start"].year: x for x in store.query(
        "SELECT * FROM detection_counts WHERE hits IS NOT NULL")}
    assert (ratio[2021]["detections"], ratio[2021]["hits"], ratio[2021]["total_records"]) == (330, 0, 330)
    assert (ratio[2022]["detections"], ratio[2022]["hits"], ratio[2022]["total_records"]) == (
        504_298, 196, 504_494)
    assert ratio[2022]["locator"] == "page 3"
    # "To 12-31-22 12 AM" is the start of Dec 31: stored as written, not stretched to year end
    assert ratio[2022]["period_end"] == dt.datetime(2022, 12, 31)
    assert ratio[2021]["report_created_on"] is None  # the scan cut the footer off
    # the Detection reports' totals equal the Hit Ratio reports' Total Records, period by period
    totals = {x["period_start"].year: x["total_records"] for x in store.query(
        "SELECT * FROM detection_counts WHERE system IS NULL AND hits IS NULL")}
    assert totals == {2021: 330, 2022: 504_494}
    assert {x["agency_id"] for x in store.query("SELECT agency_id FROM detection_counts")} == {"irvine-ca-pd"}


# --- periods and dates ------------------------------------------------------------------------

def test_period_ending_dec_1_is_not_the_calendar_year(store: Store, tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "r.pdf", [hit_ratio_page(
        frame="From 1-01-18 12 AM To 12-01-18 12 AM", total="1,010", det="1000", hits="10",
        created="12-02-18")])
    ingest_file(store, path, importers=IMPORTERS)
    row = only_row(store)
    assert (row["period_start"], row["period_end"]) == (dt.datetime(2018, 1, 1), dt.datetime(2018, 12, 1))
    assert row["report_created_on"] == dt.date(2018, 12, 2)


@pytest.mark.parametrize(("frame", "start", "end"), [
    ("This Year", dt.datetime(2025, 1, 1), dt.datetime(2025, 3, 11)),
    ("Last Year", dt.datetime(2024, 1, 1), dt.datetime(2025, 1, 1)),
    ("Last Month", dt.datetime(2025, 2, 1), dt.datetime(2025, 3, 1)),
])
def test_relative_time_frames_resolve_against_date_created(store: Store, tmp_path: Path, frame: str,
                                                          start: dt.datetime, end: dt.datetime) -> None:
    path = write_pdf(tmp_path / "r.pdf", [hit_ratio_page(frame=frame, created="03-10-25")])
    ingest_file(store, path, importers=IMPORTERS)
    row = only_row(store)
    assert (row["period_start"], row["period_end"], row["period_text"]) == (start, end, frame)


def test_relative_time_frame_without_date_created_is_rejected(store: Store, tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "r.pdf", [hit_ratio_page(frame="This Year", created=None)])
    r = ingest_file(store, path, importers=IMPORTERS)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (1, 0, 1)
    rej = store.query("SELECT * FROM rejects")[0]
    assert "no 'Date Created'" in rej["reason"] and rej["locator"] == "page 1"
    assert '"Total Records": "4,979,388"' in rej["raw"]


def test_two_digit_years_pivot_at_70() -> None:
    assert parse_date("03-10-25") == dt.date(2025, 3, 10)
    assert parse_date("1-01-69") == dt.date(2069, 1, 1)
    assert parse_date("12-01-98") == dt.date(1998, 12, 1)
    assert parse_date("1-01-2019") == dt.date(2019, 1, 1)
    assert parse_date("13-01-19") is None
    start, end, problem = resolve_period("From 1-01-19 1:30 PM To 1-02-19 12 AM", None)
    assert (start, end, problem) == (dt.datetime(2019, 1, 1, 13, 30), dt.datetime(2019, 1, 2), None)
    assert resolve_period("From 1-02-19 12 AM To 1-01-19 12 AM", None)[2].endswith("ends before it starts")


# --- reports that do not add up, broken files -----------------------------------------------

def test_report_whose_numbers_do_not_add_up_is_rejected_with_the_sums(store: Store, tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "r.pdf", [hit_ratio_page(total="4,979,389")])
    r = ingest_file(store, path, importers=IMPORTERS)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (1, 0, 1, 0)
    rej = store.query("SELECT * FROM rejects")[0]
    assert rej["reason"] == ("the numbers do not add up: Detections 4,944,782 + Hits 34,606 = "
                             "4,979,388, but Total Records is 4,979,389")
    assert rej["locator"] == "page 1"


def test_missing_hits_row_is_rejected_not_taken_as_zero(store: Store, tmp_path: Path) -> None:
    page = [i for i in hit_ratio_page() if i[2] not in ("Hits", "34606")]
    r = ingest_file(store, write_pdf(tmp_path / "r.pdf", [page]), importers=IMPORTERS)
    assert (r.rows_loaded, r.rows_rejected) == (0, 1)
    assert "no Hits value" in store.query("SELECT reason FROM rejects")[0]["reason"]


def test_noise_in_the_table_does_not_spoil_a_report_that_adds_up(store: Store, tmp_path: Path) -> None:
    page = [*hit_ratio_page(), (300, 650, "l .")]
    r = ingest_file(store, write_pdf(tmp_path / "r.pdf", [page]), importers=IMPORTERS)
    assert (r.rows_loaded, r.rows_rejected) == (1, 0)


def test_same_report_in_another_file_is_a_duplicate(store: Store, tmp_path: Path) -> None:
    ingest_file(store, write_pdf(tmp_path / "a.pdf", [hit_ratio_page()]), importers=IMPORTERS)
    # a re-print: other file bytes, same period written another way, same counts
    other = write_pdf(tmp_path / "b.pdf", [hit_ratio_page(frame="From 01-01-2019 12 AM To 03-11-2025 12 AM",
                                                          created="03-11-25")])
    r = ingest_file(store, other, importers=IMPORTERS)
    assert (r.rows_read, r.rows_loaded, r.rows_duplicate) == (1, 0, 1)


def test_truncated_or_foreign_pdfs_are_not_taken_for_reports(store: Store, tmp_path: Path) -> None:
    src = fixture_file("vigilant/ocsd_dashboard-hit-ratio-report_2019-2025.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(src[: len(src) // 4])
    with pytest.raises(UnknownFormatError):
        ingest_file(store, cut, importers=IMPORTERS)
    other = write_pdf(tmp_path / "other.pdf", [[(50, 50, "Agency Data Sharing Report")]])
    with pytest.raises(UnknownFormatError):
        ingest_file(store, other, importers=IMPORTERS)
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0


# --- OCR noise on scanned pages ---------------------------------------------------------------

def test_ocr_tolerant_counts_fix_only_unambiguous_confusions() -> None:
    assert read_count("4,979,388") == pdftext.Reading(4_979_388)
    assert read_count("5O4298") .value is None  # a born-digital page is read strictly
    assert read_count("5O4298", tolerant=True) == pdftext.Reading(504_298, corrected=True)
    assert read_count("50 4,494", tolerant=True) == pdftext.Reading(504_494, corrected=True)
    assert read_count("504.494", tolerant=True) == pdftext.Reading(504_494, corrected=True)
    assert read_count("l96", tolerant=True).value == 196
    assert read_count("5B4298", tolerant=True).value is None  # B could be 8 or 3: never guessed
    assert read_count("O", tolerant=True).value is None  # no real digit to anchor the reading
    assert read_count("50.44", tolerant=True).value is None  # not a thousands separator


def scanned_page(items: list[Item]) -> PageText:
    """A page as a scan's OCR layer gives it: words with positions (6 pt per character)."""
    words = []
    for x, y, text in items:
        for part in text.split(" "):
            if part:
                words.append(Word(part, x, x + 6 * len(part), y, y + 10))
            x += 6 * (len(part) + 1)
    return PageText(1, group_lines(words), scanned=True)


def test_ocr_corrections_are_loaded_only_when_the_identity_confirms_them() -> None:
    good = scanned_page(hit_ratio_page(total="504.494", det="5O4298", hits="l96", created=None,
                                       frame="From 0l-01-22 12 AM To 12-31-22 12 AM"))
    (row,) = hit_ratio_rows(split_reports([good])[0][0])
    assert row.reject is None
    assert (row.detections, row.hits, row.total_records) == (504_298, 196, 504_494)
    assert row.period_start == dt.datetime(2022, 1, 1)
    bad = scanned_page(hit_ratio_page(total="504,494", det="5O4Z98", hits="196", created=None))
    (row,) = hit_ratio_rows(split_reports([bad])[0][0])
    assert row.reject == "cannot read Detections: '5O4Z98' is not a whole number"


# --- pages without a text layer ---------------------------------------------------------------

def render_scan(path: Path, lines: list[tuple[float, list[tuple[float, str]]]]) -> Path:
    """An image-only PDF (no text layer), as a scanner makes it: text drawn at inches."""
    from PIL import Image, ImageDraw, ImageFont

    dpi = 150
    img = Image.new("L", (int(8.5 * dpi), int(11 * dpi)), 255)
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", int(dpi * 0.16))
    except OSError:
        font = ImageFont.load_default(size=int(dpi * 0.16))
    for y, cells in lines:
        for x, text in cells:
            draw.text((int(x * dpi), int(y * dpi)), text, fill=0, font=font)
    img.save(path, "PDF", resolution=dpi)
    return path


SCAN = [
    (0.5, [(2.5, "Dashboard Hit Ratio Report")]),
    (1.0, [(3.2, "Report Details")]),
    (1.5, [(1.5, "Report By: Test User"), (5.5, "Hit Ratio Count: 2")]),
    (1.8, [(0.8, "Time Frame: From 01-01-23 12 AM To 12-01-23 12 AM"), (5.5, "Total Records: 12,345")]),
    (7.0, [(0.8, "Contributor"), (3.3, "Record Type"), (6.3, "Records")]),
    (7.4, [(1.2, "1"), (3.4, "Detections"), (6.4, "12300")]),
    (7.7, [(1.2, "2"), (3.6, "Hits"), (6.5, "45")]),
    (10.4, [(0.5, "Date Created: 01-05-24"), (4.5, "VehicleManager Report Page 1 of 1")]),
]


@pytest.mark.skipif(shutil.which("tesseract") is None,
                    reason="tesseract is not installed (apt-get install -y ocrmypdf tesseract-ocr)")
def test_page_without_text_layer_is_ocrd(store: Store, tmp_path: Path) -> None:
    path = render_scan(tmp_path / "scan.pdf", SCAN)
    r = ingest_file(store, path, importers=IMPORTERS)
    assert (r.format, r.rows_read, r.rows_loaded, r.rows_rejected) == ("vigilant_hit_ratio", 1, 1, 0)
    row = only_row(store)
    assert (row["detections"], row["hits"], row["total_records"]) == (12_300, 45, 12_345)
    assert (row["period_start"], row["period_end"]) == (dt.datetime(2023, 1, 1), dt.datetime(2023, 12, 1))
    assert row["report_created_on"] == dt.date(2024, 1, 5)


def test_a_scan_whose_only_text_is_a_stamp_counts_as_having_no_text_layer() -> None:
    from types import SimpleNamespace

    full = [{"x0": 0, "x1": 612, "top": 0, "bottom": 792}]
    stamp = SimpleNamespace(width=612, height=792, images=full, chars=list("IRV 00123"))
    report = SimpleNamespace(width=612, height=792, images=full, chars=["x"] * 200)
    born_digital = SimpleNamespace(width=612, height=792, images=[], chars=list("Page 1"))
    assert pdftext._needs_ocr(stamp)
    assert not pdftext._needs_ocr(report) and not pdftext._needs_ocr(born_digital)


def test_page_without_text_layer_and_no_ocr_says_how_to_install_it(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdftext.shutil, "which", lambda name: None)
    path = render_scan(tmp_path / "scan-no-ocr.pdf", SCAN)
    with pytest.raises(IngestError) as err:
        ingest_file(store, path, importers=IMPORTERS)
    assert "no text layer" in err.value.message and err.value.locator == "page 1"
    assert "apt-get install -y ocrmypdf tesseract-ocr" in (err.value.hint or "")
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0
