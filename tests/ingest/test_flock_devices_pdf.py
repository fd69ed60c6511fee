"""Flock "Devices - <Agency>" page printed to PDF: the Irvine 2022 scan (OCR layer), blocks
across page breaks, OCR-noisy labels, relationships, and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpr_audit.core.errors import IngestError, UnknownFormatError
from alpr_audit.ingest import pdftext
from alpr_audit.ingest.formats.flock.devices_pdf import FlockDevicesPdfImporter
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.store import Store
from fixturekit import fixture_file
from pdf_builder import write_pdf

IRVINE = "flock/irvine-pd_flock-devices-sharing_2022.pdf"
IMPORTERS = [FlockDevicesPdfImporter()]


def _blocks_page(blocks: list[list[str]], top: float = 58) -> list[tuple[float, float, float, str]]:
    """Label (5 pt) / value (7 pt) lines, alternating, as on the Devices page."""
    items = []
    for block in blocks:
        for i, text in enumerate(block):
            items.append((120, top, 5 if i % 2 == 0 else 7, text))
            top += 8.5
        top += 30
    return items


@pytest.fixture
def irvine(store: Store):  # noqa: ANN201
    return store, ingest_file(store, fixture_file(IRVINE), importers=IMPORTERS)


def _rows(store: Store) -> dict[str, dict]:
    rows = store.query("SELECT * FROM sharing")
    return {r["partner_name_raw"]: r for r in rows}


def test_irvine_devices_page_one_row_per_block(irvine) -> None:
    store, r = irvine
    assert (r.format, r.status) == ("flock_devices_pdf", "ingested")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (91, 91, 0, 0)
    assert r.publisher_agency_id == "irvine-ca-pd"
    got = store.query("""SELECT count(*) AS n, count(DISTINCT partner_name_raw) AS names,
        count(camera_count) AS counted, sum(camera_count) AS cameras,
        count(*) FILTER (search_enabled) AS search_on,
        count(*) FILTER (hotlist_enabled) AS hotlist_on,
        count(*) FILTER (NOT hotlist_enabled) AS hotlist_off,
        count(*) FILTER (relationship = 'Access' AND direction = 'in'
                         AND data_kind = 'detections' AND status = 'active') AS access_in
        FROM sharing""")[0]
    assert got == {"n": 91, "names": 91, "counted": 90, "cameras": 2351, "search_on": 91,
                   "hotlist_on": 5, "hotlist_off": 86, "access_in": 91}
    pages = store.query("SELECT locator, count(*) AS n FROM sharing GROUP BY locator "
                        "ORDER BY CAST(split_part(any_value(locator), ' ', 2) AS INT)")
    assert [p["n"] for p in pages] == [8, 9, 8, 9, 8, 8, 9, 8, 9, 8, 7]
    assert pages[0]["locator"] == "page 1" and pages[-1]["locator"] == "page 11"


def test_irvine_blocks_field_by_field(irvine) -> None:
    store, _ = irvine
    rows = _rows(store)
    akron = rows["Akron OH PD"]
    assert (akron["camera_count"], akron["relationship"], akron["access"], akron["search_enabled"],
            akron["hotlist_enabled"], akron["locator"], akron["partner_agency_id"]) == (
        143, "Access", None, True, False, "page 1", "akron-oh-pd")
    club = rows["CA- Newport Beach Country Club"]
    assert (club["camera_count"], club["search_enabled"], club["hotlist_enabled"],
            club["locator"]) == (1, True, True, "page 2")
    assert {n for n, x in rows.items() if x["hotlist_enabled"]} == {
        "CA- Newport Beach Country Club", "Huntington Beach CA PD", "NC - Icemorlee",
        "Turtle Rock Pointe (CA)", "Westpark Las Palmas (CA)"}
    # a block whose Name is at the foot of page 2 and whose switches are on page 3
    elsinore = rows["City of Lake Elsinore CA- RCSD"]
    assert (elsinore["camera_count"], elsinore["search_enabled"], elsinore["hotlist_enabled"],
            elsinore["locator"]) == (20, True, False, "page 2")
    # OCR read the label as "Hot!ist Tool" / "Hotlist Too!": the switch is still read
    for name in ("Alcoa TN PD", "Orange County FL SO", "West Covina CA PD"):
        assert rows[name]["hotlist_enabled"] is False
    # OCR read "(5 cameras)" as "(S cameras)": left empty, not guessed
    assert rows["Grants Pass OR PD"]["camera_count"] is None
    assert rows["USMS"]["camera_count"] == 1
    assert rows["City of Laguna Hills CA (OCSD)"]["camera_count"] == 20
    assert rows["Ben Clark Training Center - County - RCSD"]["camera_count"] == 3


def test_second_ingest_is_already_ingested(irvine) -> None:
    store, r = irvine
    again = ingest_file(store, fixture_file(IRVINE), importers=IMPORTERS)
    assert again.status == "already_ingested" and again.source_id == r.source_id
    assert store.query("SELECT count(*) AS n FROM sharing") == [{"n": 91}]


def test_relationships_labels_and_page_breaks(store: Store, tmp_path: Path) -> None:
    page1 = [(239, 31, 12, "Devices - Springfield OR PD")] + _blocks_page([
        ["Name", "[Federal] Test Agency (3 cameras)", "Relationship", "Access",
         "Search", "Enabled", "Hot!ist Too!", "Disabled"],
        ["Name", "Springfield OR PD (12 cameras)", "Relationship", "Owner",
         "Search", "Enabled", "Hotlist Tool", "Enabled"],
        ["Name", "Old Town PD (Deactivated) (5 cameras)", "Relationship", "Access",
         "Search", "Disabled", "Hotlist Tool", "Disabled"],
        ["Name", "Partner County SO (7 cameras)", "Relationship", "Mutual",
         "Search", "Enabled", "Hotlist Tool", "Disabled"],
    ]) + [(120, 700, 5, "Name"), (120, 708.5, 7, "Long Name Homeowners"),
          (120, 717, 7, "Association (2 cameras)"), (120, 725.5, 5, "Relationship")]
    # page 2 opens with the value of the Relationship label at the foot of page 1
    page2 = [(120, 40 + 8.5 * i, 7, text) for i, text in enumerate(
        ["Access", "Access", "Read Only", "Search", "Disabled", "Hotlist Tool", "Enabled"])]
    path = write_pdf(tmp_path / "devices.pdf", [page1, page2])
    r = ingest_file(store, path, importers=IMPORTERS)
    assert (r.format, r.rows_read, r.rows_loaded, r.rows_rejected) == ("flock_devices_pdf", 5, 3, 2)
    assert r.publisher_agency_id is not None and "springfield" in r.publisher_agency_id
    rows = _rows(store)
    fed = rows["[Federal] Test Agency"]
    assert (fed["flags"], fed["direction"], fed["hotlist_enabled"], fed["camera_count"]) == (
        ["federal"], "in", False, 3)
    assert rows["Old Town PD (Deactivated)"]["status"] == "deactivated"
    hoa = rows["Long Name Homeowners Association"]
    assert (hoa["camera_count"], hoa["relationship"], hoa["access"], hoa["search_enabled"],
            hoa["hotlist_enabled"], hoa["locator"]) == (2, "Access", "Read Only", False, True,
                                                        "page 1")
    rej = store.query("SELECT locator, raw, reason FROM rejects ORDER BY reason")
    assert [x["reason"].split(" (")[0].split(":")[0] for x in rej] == [
        "the publisher's own network", "unknown relationship 'Mutual'"]
    assert "Springfield OR PD (12 cameras)" in rej[0]["raw"] and rej[0]["locator"] == "page 1"


def test_broken_and_foreign_files_are_clear_errors(store: Store, tmp_path: Path) -> None:
    data = fixture_file(IRVINE).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(IngestError):
        ingest_file(store, cut, importers=IMPORTERS)
    with pytest.raises(UnknownFormatError):
        ingest_file(store, fixture_file("vigilant/ocsd_agency-data-sharing-report_2025-03-11.pdf"),
                    importers=IMPORTERS)
    empty = write_pdf(tmp_path / "title-only.pdf", [[(239, 31, 12, "Devices - Irvine CA PD")]])
    with pytest.raises(UnknownFormatError):
        ingest_file(store, empty, importers=IMPORTERS)
    assert store.query("SELECT count(*) AS n FROM sources") == [{"n": 0}]


def test_scan_without_text_layer_is_read_through_ocr(store: Store, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    scan = write_pdf(tmp_path / "scan.pdf", [None])
    words = [pdftext.Word(text, 120, 120 + 3 * len(text), top, top + 6)
             for top, text in zip(range(20, 200, 9), [
                 "Devices - Irvine CA PD", "Name", "Akron OH PD (143 cameras)", "Relationship",
                 "Access", "Search", "Enabled", "Hotlist Tool", "Disabled"], strict=False)]
    page = pdftext.PageText(1, pdftext.group_lines(words), scanned=True, ocr=True)
    monkeypatch.setattr(pdftext, "first_page_text", lambda path: page.text)
    monkeypatch.setattr(pdftext, "read_pages", lambda path, max_pages=None: [page])
    r = ingest_file(store, scan, importers=IMPORTERS)
    assert (r.format, r.rows_read, r.rows_loaded, r.publisher_agency_id) == (
        "flock_devices_pdf", 1, 1, "irvine-ca-pd")
    assert store.query("SELECT partner_name_raw, camera_count, search_enabled FROM sharing") == [
        {"partner_name_raw": "Akron OH PD", "camera_count": 143, "search_enabled": True}]


def test_a_value_lost_by_ocr_does_not_shift_the_fields(store: Store, tmp_path: Path) -> None:
    page = [(239, 31, 12, "Devices - Irvine CA PD")] + _blocks_page([
        ["Name", "Alcoa TN PD (12 cameras)", "Relationship", "Access", "Search",
         "Hotlist Tool", "Enabled"],  # OCR lost the Search value
        ["Name", "Relationship", "Access", "Search", "Enabled"],  # and this block's name
    ])
    r = ingest_file(store, write_pdf(tmp_path / "devices.pdf", [page]), importers=IMPORTERS)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (2, 1, 1)
    assert store.query("SELECT partner_name_raw, search_enabled, hotlist_enabled FROM sharing") == [
        {"partner_name_raw": "Alcoa TN PD", "search_enabled": None, "hotlist_enabled": True}]
    assert store.query("SELECT reason FROM rejects") == [
        {"reason": "block without an organisation name"}]
