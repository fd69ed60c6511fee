"""Vigilant Agency Data Sharing Report (PDF): the OCSD 2025 report, wrapped names, both text
columns, the four sections, OCR-noisy variants and broken files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from alpr_audit.core.errors import IngestError, UnknownFormatError
from alpr_audit.ingest import pdftext
from alpr_audit.ingest.base import StageContext
from alpr_audit.ingest.formats.vigilant.sharing_report import VigilantSharingReportImporter
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.ingest.probe import probe_file
from alpr_audit.store import Store
from fixturekit import fixture_file
from pdf_builder import write_pdf

OCSD = "vigilant/ocsd_agency-data-sharing-report_2025-03-11.pdf"
IMPORTERS = [VigilantSharingReportImporter()]


def _count(store: Store, where: str = "true") -> int:
    return store.query(f"SELECT count(*) AS n FROM sharing WHERE {where}")[0]["n"]


@pytest.fixture
def ocsd(store: Store):  # noqa: ANN201
    r = ingest_file(store, fixture_file(OCSD), importers=IMPORTERS)
    return store, r


def test_ocsd_report_loads_every_section_with_exact_counts(ocsd) -> None:
    store, r = ocsd
    assert (r.format, r.status) == ("vigilant_sharing_report", "ingested")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (306, 306, 0, 0)
    assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    assert r.publisher_agency_id == "orange-county-sheriffs-department"
    got = store.query("""SELECT direction, data_kind, count(*) AS n,
        count(*) FILTER (status = 'inactive') AS inactive FROM sharing GROUP BY ALL ORDER BY ALL""")
    # Detections Shared 149 (46+52+50+1 on pages 1-4), Detections Received 138 (30+36+36+36),
    # Hot List Sharing "None", Hot List Received 19 (17+2)
    assert got == [
        {"direction": "in", "data_kind": "detections", "n": 138, "inactive": 6},
        {"direction": "in", "data_kind": "hotlist", "n": 19, "inactive": 0},
        {"direction": "out", "data_kind": "detections", "n": 149, "inactive": 13},
    ]
    assert store.query("SELECT DISTINCT observed_on FROM sharing") == [
        {"observed_on": dt.date(2025, 3, 11)}]
    pages = store.query("""SELECT direction, data_kind, locator, count(*) AS n FROM sharing
        GROUP BY ALL ORDER BY direction DESC, data_kind, locator""")
    assert [(p["direction"], p["locator"], p["n"]) for p in pages] == [
        ("out", "page 1", 46), ("out", "page 2", 52), ("out", "page 3", 50), ("out", "page 4", 1),
        ("in", "page 4", 30), ("in", "page 5", 36), ("in", "page 6", 36), ("in", "page 7", 36),
        ("in", "page 8", 17), ("in", "page 9", 2),
    ]
    assert store.query("SELECT count(*) AS n FROM rejects") == [{"n": 0}]


def _staged(store: Store, path: Path) -> list[dict]:
    """The stage rows in file order (rowid), straight from the importer."""
    imp = VigilantSharingReportImporter()
    probe = probe_file(path)
    ctx = StageContext(store.con, path, probe, imp.sniff(probe), None, lambda n: None,
                       lambda n: None)
    imp.stage(ctx)
    cur = store.con.execute("SELECT * FROM stage_sharing ORDER BY rowid")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=False)) for row in cur.fetchall()]


def test_two_text_columns_are_read_row_by_row(store: Store) -> None:
    rows = [r for r in _staged(store, fixture_file(OCSD)) if r["direction"] == "out"]
    names = [r["partner_name_raw"] for r in rows]
    assert len(names) == len(set(names)) == 149
    # left column, then right column, row by row: the report's alphabetical order
    assert names[:6] == ["Alameda County Narcotics Task Force", "Alameda Police Department",
                         "Anaheim Police Department", "Antioch Police Department CA",
                         "Arroyo Grande Police Department-CA", "Auburn Police Department CA"]
    assert names == sorted(names, key=str.lower)
    # the left name runs into the right column without a space: "…Office (CA)Riverside …"
    i = names.index("Riverside County District Attorneys Office (CA)")
    assert names[i + 1] == "Riverside County Sheriffs Department (CA)"
    assert rows[i]["_locator"] == rows[i + 1]["_locator"] == "page 3"
    assert (names[-1], rows[-1]["_locator"]) == ("Yolo County Sheriffs Department", "page 4")
    assert {r["_has_id"] for r in rows} == {False} and all(r["_kb"] is not None for r in rows)


def test_wrapped_names_are_rejoined(ocsd) -> None:
    store, _ = ocsd
    out = {r["partner_name_raw"] for r in store.query(
        "SELECT partner_name_raw FROM sharing WHERE direction = 'out'")}
    for name in ("California Department of Fish And Wildlife (CA)",
                 "El Dorado County District Attorneys Office (CA)",
                 "Los Angeles County District Attorneys Office (CA)",
                 "University of California Riverside Police Department (CA)",
                 "Sacramento County District Attorneys Office (CA)"):
        assert name in out
    assert "(CA)" not in out and "Department (CA)" not in out
    hot = store.query("""SELECT partner_name_raw, hotlists, locator FROM sharing
        WHERE data_kind = 'hotlist' AND partner_name_raw LIKE 'Sa%' ORDER BY partner_name_raw""")
    assert hot == [
        {"partner_name_raw": "Sacramento County District Attorneys Office (CA)",
         "hotlists": ["LEARN_Sacramento County DA Office"], "locator": "page 8"},
        {"partner_name_raw": "San Joaquin County Sheriffs Department (CA)",
         "hotlists": ["LEARN_San Joaquin County Sheriffs Department (CA)"], "locator": "page 8"},
        {"partner_name_raw": "San Pablo Police Department CA",
         "hotlists": ["LEARN_San Pablo Police Department CA"], "locator": "page 8"},
    ]


def test_inactive_partners_and_received_city_state(ocsd) -> None:
    store, _ = ocsd
    inactive_in = store.query("""SELECT partner_name_raw, flags FROM sharing
        WHERE direction = 'in' AND status = 'inactive' ORDER BY partner_name_raw""")
    assert [r["partner_name_raw"] for r in inactive_in] == [
        "Inactive Buena Park Police Department", "Inactive Linn County Sheriffs Office (IA)",
        "Inactive Los Alamitos Police Department", "Inactive Orange County Sheriff",
        "Inactive University of CA San Francisco Police Department (CA)",
        "Inactive Ventura Police Department (CA)"]
    assert inactive_in[1]["flags"] == ["city:Cedar Rapids", "state:IA"]
    assert _count(store, "partner_name_raw LIKE 'Inactive %' AND status <> 'inactive'") == 0
    rows = {r["partner_name_raw"]: r["flags"] for r in store.query(
        "SELECT partner_name_raw, flags FROM sharing "
        "WHERE direction = 'in' AND data_kind = 'detections'")}
    assert rows["Carson City Sheriffs Dept"] == ["city:Carson City", "state:NV"]
    assert rows["Villa Park Police Department"] == ["city:Villa Park", "state:IL"]
    assert rows["L6A UbiHub Demo"] is None  # City and State are N/A
    # 138 received, less NV IL CT IN IA AZ PA CO and one N/A
    assert _count(store, "direction = 'in' AND data_kind = 'detections' "
                         "AND list_contains(flags, 'state:CA')") == 129
    # the registry reads the Inactive prefix too
    dead = store.query("SELECT deactivated FROM agencies WHERE 'Inactive Orange County Sheriff' "
                       "= ANY(aliases)")
    assert dead == [{"deactivated": True}]


def test_second_ingest_is_already_ingested(ocsd) -> None:
    store, r = ocsd
    again = ingest_file(store, fixture_file(OCSD), importers=IMPORTERS)
    assert again.status == "already_ingested" and again.source_id == r.source_id
    assert _count(store) == 306


def _noisy_report(path: Path) -> Path:
    """An older-style report with the OCR noise seen in scans."""
    head = [(250, 9, 20, "LEA.J i Agency"), (224, 33, 16, "Data Sharing Report")]
    foot = "Date Created: 11-18-22 VehicleManager Agency Data Sharing Report Page {} of 2"
    page1 = head + [
        (230, 80, 16, "Detections Shared"),
        (74, 110, 9.5, "The Irvine Police Department Agency is Sharing its Detection data "
                       "withthe followingAgencies:"),
        (67.5, 140, 11, "Anaheim Police Department"),
        (294.5, 140, 11, "Brea Police Department Shared NVLS"),
        (67.5, 167.6, 11, "California Department of Fish And Wildlife"),
        (294.5, 167.6, 11, "Inactive Chino Police Department"),
        (67.5, 184.2, 11, "(CA)"),
        (67.5, 211.8, 11, "@ @"),
        (67.5, 239.4, 11, "Orange County Sheriff NVLS"),
        (6, 822, 10, foot.format(1)),
    ]
    page2 = head + [
        (222, 80, 16, "Detections Received"),
        (76, 110, 9.5, "The Irvine Police Department Agency is receiving Detection data from "
                       "the following Agencies:"),
        (174, 135, 11, "Agency"), (418, 135, 11, "City"), (520, 135, 11, "State"),
        (130, 157, 11, "Carson City Sheriffs Dept"), (400, 157, 11, "Carson City"),
        (527, 157, 11, "NV"),
        (148, 177.6, 11, "L6A UbiHub Demo"), (419, 177.6, 11, "N/A"), (526, 177.6, 11, "N/A"),
        (239, 230, 16, "Hot List Sharing"),
        (78, 260, 9.5, "The Irvine Police Department Agency is sharing Hot List records with "
                       "the following Agencies:"),
        (47.5, 290, 12, "Agency:"), (296.5, 290, 12, "Hot List(s):"),
        (67.5, 315, 11, "Tustin Police Department"), (321.5, 315, 11, "IPD Stolen Vehicles"),
        (233, 370, 16, "Hot List Received"),
        (57, 400, 9.5, "The Irvine Police Department Agency is receiving Shared Hot List "
                       "records from the following Agencies:"),
        (47.5, 430, 12, "Agency:"), (296.5, 430, 12, "Hot List(s):"),
        (272, 455, 20, "None"),
        (6, 822, 10, foot.format(2)),
    ]
    return write_pdf(path, [page1, page2])


def test_ocr_noisy_report_with_nvls_markers(store: Store, tmp_path: Path) -> None:
    r = ingest_file(store, _noisy_report(tmp_path / "report.pdf"), importers=IMPORTERS)
    assert (r.format, r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (
        "vigilant_sharing_report", 9, 8, 1, 0)
    assert r.publisher_agency_id is not None and "irvine" in r.publisher_agency_id
    rows = store.query("""SELECT partner_name_raw AS name, direction, data_kind, status, flags,
        hotlists, observed_on, locator FROM sharing""")
    by = {x["name"]: x for x in rows}
    assert sorted(by) == ["Anaheim Police Department", "Brea Police Department",
                          "California Department of Fish And Wildlife (CA)",
                          "Carson City Sheriffs Dept", "Inactive Chino Police Department",
                          "L6A UbiHub Demo", "Orange County Sheriff", "Tustin Police Department"]
    assert by["Brea Police Department"]["flags"] == ["Shared NVLS"]
    assert by["Orange County Sheriff"]["flags"] == ["NVLS"]
    assert by["Inactive Chino Police Department"]["status"] == "inactive"
    assert by["Carson City Sheriffs Dept"]["flags"] == ["city:Carson City", "state:NV"]
    assert (by["Carson City Sheriffs Dept"]["direction"], by["Carson City Sheriffs Dept"]["locator"]
            ) == ("in", "page 2")
    tustin = by["Tustin Police Department"]
    assert (tustin["direction"], tustin["data_kind"], tustin["hotlists"]) == (
        "out", "hotlist", ["IPD Stolen Vehicles"])
    assert {x["observed_on"] for x in rows} == {dt.date(2022, 11, 18)}
    rej = store.query("SELECT locator, raw, reason FROM rejects")
    assert len(rej) == 1 and rej[0]["locator"] == "page 1" and "@ @" in rej[0]["raw"]
    assert "no letters" in rej[0]["reason"]


def test_truncated_report_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    data = fixture_file(OCSD).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as err:
        ingest_file(store, cut, importers=IMPORTERS)
    assert err.value.path == str(cut)
    assert store.query("SELECT count(*) AS n FROM sources") == [{"n": 0}]


def test_missing_pages_are_an_error_not_a_short_load(store: Store, tmp_path: Path) -> None:
    # a file holding page 1 of a report whose footer says "Page 1 of 2"
    one = tmp_path / "one.pdf"
    page1 = [(250, 9, 20, "Agency"), (224, 33, 16, "Data Sharing Report"),
             (230, 80, 16, "Detections Shared"),
             (74, 110, 9.5, "The Irvine Police Department Agency is Sharing its Detection data "
                            "with the following Agencies:"),
             (67.5, 140, 11, "Anaheim Police Department"),
             (6, 822, 10, "Date Created: 11-18-22 VehicleManager Agency Data Sharing Report "
                          "Page 1 of 2")]
    write_pdf(one, [page1])
    with pytest.raises(IngestError, match="2 pages"):
        ingest_file(store, one, importers=IMPORTERS)
    assert store.query("SELECT count(*) AS n FROM sources") == [{"n": 0}]


def test_other_pdfs_are_not_this_format(store: Store, tmp_path: Path) -> None:
    other = write_pdf(tmp_path / "memo.pdf", [[(72, 72, 12, "Dashboard Hit Ratio Report"),
                                               (72, 100, 11, "Report By: someone")]])
    with pytest.raises(UnknownFormatError):
        ingest_file(store, other, importers=IMPORTERS)
    with pytest.raises(UnknownFormatError):
        ingest_file(store, fixture_file("flock/irvine-pd_flock-devices-sharing_2022.pdf"),
                    importers=IMPORTERS)
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.4\n this is not really a pdf")
    with pytest.raises(UnknownFormatError):
        ingest_file(store, garbage, importers=IMPORTERS)


def _ocr_page(number: int, items: list[tuple[float, float, float, str]]) -> pdftext.PageText:
    """What pdftext returns for an OCR'd page: word boxes (no characters) grouped in lines."""
    words = []
    for x, top, size, text in items:
        for word in text.split():
            words.append(pdftext.Word(word, x, x + 0.5 * size * len(word), top, top + size, 90.0))
            x += 0.5 * size * (len(word) + 1)
    return pdftext.PageText(number, pdftext.group_lines(words), scanned=True, ocr=True)


def test_scan_without_text_layer_is_read_through_ocr(store: Store, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    scan = write_pdf(tmp_path / "scan.pdf", [None])
    items = [(224, 33, 16, "Data Sharing Report"), (230, 80, 16, "Detections Shared"),
             (74, 110, 9.5, "The Tustin Police Department Agency is Sharing its Detection data "
                            "with the following Agencies:"),
             (67.5, 140, 11, "Anaheim Police Department"),
             (294.5, 140, 11, "Brea Police Department"),
             (67.5, 167.6, 11, "Inactive Chino Police Department"),
             (6, 822, 10, "Date Created: 01-02-20 VehicleManager Agency Data Sharing Report "
                          "Page 1 of 1")]
    page = _ocr_page(1, items)
    monkeypatch.setattr(pdftext, "first_page_text", lambda path: page.text)
    monkeypatch.setattr(pdftext, "read_pages", lambda path, max_pages=None: [page])
    r = ingest_file(store, scan, importers=IMPORTERS)
    assert (r.format, r.rows_read, r.rows_loaded) == ("vigilant_sharing_report", 3, 3)
    rows = store.query("SELECT partner_name_raw, status, observed_on FROM sharing "
                       "ORDER BY partner_name_raw")
    assert [(x["partner_name_raw"], x["status"]) for x in rows] == [
        ("Anaheim Police Department", "active"), ("Brea Police Department", "active"),
        ("Inactive Chino Police Department", "inactive")]
    assert rows[0]["observed_on"] == dt.date(2020, 1, 2)


def test_scan_without_ocr_is_a_clear_error(store: Store, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    scan = write_pdf(tmp_path / "scan.pdf", [None])
    # nothing on the page to recognise: not this format (whether or not tesseract is there)
    with pytest.raises(UnknownFormatError):
        ingest_file(store, scan, importers=IMPORTERS)
    # recognised (say, by OCR of page 1) but the pages cannot be read: an IngestError
    monkeypatch.setattr(pdftext, "first_page_text",
                        lambda path: "Data Sharing Report Detections Shared")

    def no_ocr(path: Path, max_pages: int | None = None) -> list:
        raise IngestError("page 1 has no text layer", path=str(path), hint=pdftext.OCR_HINT)

    monkeypatch.setattr(pdftext, "read_pages", no_ocr)
    with pytest.raises(IngestError) as err:
        ingest_file(store, scan, importers=IMPORTERS)
    assert "tesseract" in (err.value.hint or "")
    assert store.query("SELECT count(*) AS n FROM sources") == [{"n": 0}]


def test_resent_copy_is_duplicates_a_later_report_is_new(store: Store, tmp_path: Path) -> None:
    first = _noisy_report(tmp_path / "report.pdf")
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(first.read_bytes() + b"% re-sent\n")  # other bytes, same report
    ingest_file(store, first, importers=IMPORTERS)
    again = ingest_file(store, copy, importers=IMPORTERS)
    assert (again.status, again.rows_read, again.rows_loaded, again.rows_rejected,
            again.rows_duplicate) == ("ingested", 9, 0, 1, 8)
    later = tmp_path / "later.pdf"
    later.write_bytes(first.read_bytes().replace(b"11-18-22", b"11-18-23"))
    r = ingest_file(store, later, importers=IMPORTERS)
    assert (r.rows_loaded, r.rows_duplicate) == (8, 0)
    assert _count(store) == 16
