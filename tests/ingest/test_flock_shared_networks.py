"""Flock SharedNetworks export: OCSD's December 2025 release, old two-column exports, markers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from alpr_audit.core.cells import install_macros
from alpr_audit.core.errors import UnknownFormatError
from alpr_audit.ingest.base import StageContext
from alpr_audit.ingest.formats.flock.shared_networks import (
    FlockSharedNetworksImporter,
    observed_date,
    split_networks,
)
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.ingest.probe import probe_file
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv

OCSD = "flock/ocsd_flock-shared-networks_2025-12.xlsx"
SHEET = "SharedNetworks_2025_December_30"
HEADER = ["Organization Name", "Networks Shared With Me", "Networks I'm Sharing"]


def ingest(store: Store, path: Path, agency: str | None = "Orange County CA SO"):
    return ingest_file(store, path, agency=agency, importers=[FlockSharedNetworksImporter()])


def write_xlsx(path: Path, rows: list[list[str | None]], sheet: str = "Sheet1") -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write_string(r, c, value)
    wb.close()
    return path


def test_ocsd_export_gives_one_row_per_organisation_network_and_direction(store: Store) -> None:
    r = ingest(store, fixture_file(OCSD))
    assert (r.format, r.status, r.publisher_agency_id) == (
        "flock_shared_networks", "ingested", "orange-county-ca-so")
    # 487 networks shared with OCSD + 3,192 OCSD networks shared out, from 391 organisations
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (3679, 3679, 0, 0)
    assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    details = json.loads(store.query("SELECT details FROM sources")[0]["details"])
    assert (details["organisations"], details["observed_on"], details["observed_on_from"]) == (
        391, "2025-12-30", "sheet name")
    by_dir = store.query("""SELECT direction, count(*) AS n, count(DISTINCT partner_name_raw) AS orgs
        FROM sharing GROUP BY direction ORDER BY direction""")
    assert by_dir == [{"direction": "in", "n": 487, "orgs": 330},
                      {"direction": "out", "n": 3192, "orgs": 308}]
    got = store.query("""SELECT count(DISTINCT partner_name_raw) AS orgs,
        count(DISTINCT partner_agency_id) AS ids, max(occurrence) AS occ,
        count(*) FILTER (WHERE data_kind = 'detections') AS detections,
        count(*) FILTER (WHERE observed_on = DATE '2025-12-30') AS dated,
        count(DISTINCT publisher_agency_id) AS publishers FROM sharing""")[0]
    assert got == {"orgs": 391, "ids": 391, "occ": 2, "detections": 3679, "dated": 3679,
                   "publishers": 1}
    # San Luis Obispo County CA SO lists one network name twice: two records, as written
    assert store.query("SELECT locator FROM sharing WHERE occurrence = 2") == [
        {"locator": f"{SHEET}!B126 #3"}]
    # organisations sharing both ways, only in, only out
    ways = store.query("""SELECT n, count(*) AS orgs FROM (SELECT partner_name_raw,
        string_agg(DISTINCT direction, '+' ORDER BY direction) AS n FROM sharing GROUP BY 1)
        GROUP BY n ORDER BY n""")
    assert ways == [{"n": "in", "orgs": 83}, {"n": "in+out", "orgs": 247}, {"n": "out", "orgs": 61}]


def test_ocsd_names_locators_and_markers(store: Store) -> None:
    ingest(store, fixture_file(OCSD))
    first = store.query(f"""SELECT partner_name_raw, direction, relationship, status FROM sharing
        WHERE locator IN ('{SHEET}!B2 #1', '{SHEET}!C2 #11') ORDER BY locator""")
    # the organisation cell has a trailing space; it is trimmed
    assert first == [
        {"partner_name_raw": "Kings County Sheriff's Office CA", "direction": "in",
         "relationship": "Networks Shared With Me", "status": "active"},
        {"partner_name_raw": "Kings County Sheriff's Office CA", "direction": "out",
         "relationship": "Networks I'm Sharing", "status": "active"},
    ]
    # 'University of California, Berkeley' is one network, not two
    assert [r["locator"] for r in store.query(
        f"SELECT locator FROM sharing WHERE locator LIKE '{SHEET}!B147 %'")] == [f"{SHEET}!B147 #1"]
    marked = store.query("""SELECT locator, partner_name_raw, status, flags FROM sharing
        WHERE status <> 'active' OR len(flags) > 0 ORDER BY locator""")
    assert marked == [
        {"locator": f"{SHEET}!B215 #1",
         "partner_name_raw": "[Federal] Loma Linda Healthcare System CA Veterans Affairs PD",
         "status": "active", "flags": ["federal"]},
        {"locator": f"{SHEET}!B64 #7", "partner_name_raw": "Contra Costa County CA SO",
         "status": "inactive", "flags": []},
    ]
    fed = store.query("""SELECT a.is_federal, a.state FROM sharing s JOIN agencies a
        ON a.agency_id = s.partner_agency_id WHERE s.locator = ?""", [f"{SHEET}!B215 #1"])
    assert fed == [{"is_federal": True, "state": "CA"}]


def test_second_ingest_of_the_same_bytes_is_already_ingested(store: Store) -> None:
    path = fixture_file(OCSD)
    ingest(store, path)
    again = ingest(store, path)
    assert again.status == "already_ingested" and again.rows_loaded == 3679
    assert store.query("SELECT count(*) AS n FROM sharing")[0]["n"] == 3679


def test_network_names_are_staged(tmp_path: Path) -> None:
    # The sharing table has no network column yet; the stage keeps the name for when it has.
    path = fixture_file(OCSD)
    con = duckdb.connect()
    install_macros(con)
    imp = FlockSharedNetworksImporter()
    probe = probe_file(path)
    ctx = StageContext(con, path, probe, imp.sniff(probe), None, lambda n: None, lambda n: None)
    imp.stage(ctx)
    rows = con.execute("""SELECT _locator, network_name FROM stage_sharing
        WHERE _locator IN (?, ?, ?) ORDER BY _locator""",
                       [f"{SHEET}!B147 #1", f"{SHEET}!B224 #1", f"{SHEET}!C2 #8"]).fetchall()
    assert rows == [(f"{SHEET}!B147 #1", "University of California, Berkeley"),
                    (f"{SHEET}!B224 #1", "Danville, CA PD Ravens"),
                    (f"{SHEET}!C2 #8", "City of Laguna Niguel CA (OCSD)")]
    assert con.execute("SELECT count(DISTINCT network_name) FROM stage_sharing").fetchone() == (499,)


def test_split_networks_keeps_commas_followed_by_a_space() -> None:
    assert split_networks("A CA PD,B, Inc (CA) ,,C ") == ["A CA PD", "B, Inc (CA) ", "C "]
    assert split_networks("") == [] and split_networks(None) == []


@pytest.mark.parametrize(("names", "day"), [
    (("SharedNetworks_2025_December_30", "x.xlsx"), dt.date(2025, 12, 30)),
    ((None, "SharedNetworks_2026_Jan_5.csv"), dt.date(2026, 1, 5)),
    (("Sheet1", "ocsd_shared_2025-11-03.csv"), dt.date(2025, 11, 3)),
    (("Sheet1", "ocsd_flock-shared-networks_2025-12.xlsx"), None),
    (("SharedNetworks_2025_Smarch_30", "a.csv"), None),
])
def test_observed_date_from_the_export_name(names, day) -> None:
    assert observed_date(*names) == day


def test_old_two_column_export_as_csv(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "SharedNetworks_2024_March_4.csv", HEADER[:2], [
        ["Alhambra CA PD ", "Alhambra CA PD,Alhambra CA PD - Condor"],
        ["Talega", ""],
        ["Mesa AZ PD", "n/a"],
    ])
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 4, 0)
    got = store.query("""SELECT locator, partner_name_raw, direction, observed_on FROM sharing
        ORDER BY locator""")
    assert got == [
        {"locator": "row 2 col B #1", "partner_name_raw": "Alhambra CA PD", "direction": "in",
         "observed_on": dt.date(2024, 3, 4)},
        {"locator": "row 2 col B #2", "partner_name_raw": "Alhambra CA PD", "direction": "in",
         "observed_on": dt.date(2024, 3, 4)},
        # listed with no network named: kept, direction unknown
        {"locator": "row 3 col A", "partner_name_raw": "Talega", "direction": None,
         "observed_on": dt.date(2024, 3, 4)},
        {"locator": "row 4 col A", "partner_name_raw": "Mesa AZ PD", "direction": None,
         "observed_on": dt.date(2024, 3, 4)},
    ]


@pytest.mark.parametrize("header", [
    ["organization name ", "NETWORKS SHARED WITH ME", "Networks I\u2019m Sharing"],
    [" Organization  Name", "Networks Shared with Me ", "Networks Im Sharing"],
])
def test_header_variants_and_title_rows(store: Store, tmp_path: Path, header) -> None:
    path = write_xlsx(tmp_path / "export.xlsx", [
        ["Shared networks of Example County SO"], [], header,
        ["Yuma AZ PD", "Yuma AZ PD", "Example County SO"]])
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded) == (2, 2)
    assert store.query("SELECT locator, direction FROM sharing ORDER BY locator") == [
        {"locator": "Sheet1!B4 #1", "direction": "in"}, {"locator": "Sheet1!C4 #1", "direction": "out"}]


def test_markers_deactivated_federal_redacted(store: Store, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "export.xlsx", [HEADER,
        ["Foo CA PD deactivated ", "Foo CA PD", "Ours - East"],
        ["Bar CA PD", "Bar CA PD,deactivated", "Ours - East,Ours - West - Inactive"],
        ["[Federal] HSI San Diego", "HSI San Diego - LPR", ""],
        ["REDACTED", "***", "Ours - East"],
        ["Baz CA PD", "Deactivated", ""],
    ])
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (9, 9, 0)
    got = store.query("""SELECT locator, partner_name_raw AS p, direction AS d, status, flags
        FROM sharing ORDER BY locator""")
    assert [(g["locator"], g["p"], g["d"], g["status"], g["flags"]) for g in got] == [
        ("Sheet1!B2 #1", "Foo CA PD deactivated", "in", "deactivated", []),
        ("Sheet1!B3 #1", "Bar CA PD", "in", "deactivated", []),
        ("Sheet1!B4 #1", "[Federal] HSI San Diego", "in", "active", ["federal"]),
        ("Sheet1!B5 #1", None, "in", "active", ["redacted"]),
        ("Sheet1!B6", "Baz CA PD", "in", "deactivated", []),
        ("Sheet1!C2 #1", "Foo CA PD deactivated", "out", "deactivated", []),
        ("Sheet1!C3 #1", "Bar CA PD", "out", "active", []),
        ("Sheet1!C3 #2", "Bar CA PD", "out", "inactive", []),
        ("Sheet1!C5 #1", None, "out", "active", ["redacted"]),
    ]
    assert store.query("SELECT deactivated FROM agencies WHERE name = 'Foo CA PD'") == [
        {"deactivated": True}]


def test_unusable_rows_are_rejected_with_place_and_raw_text(store: Store, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "export.xlsx", [HEADER,
        ["Yuma AZ PD", "Yuma AZ PD", ""],
        [None, "Orphan CA PD", "Ours"],
        ["Mesa AZ PD", "Mesa AZ PD", "Ours", "stray note"],
        [], [],
    ])
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (3, 1, 2, 0)
    rejects = store.query("SELECT locator, raw, reason FROM rejects ORDER BY locator")
    assert [(x["locator"], x["reason"]) for x in rejects] == [
        ("Sheet1!4", "cells beyond the 3 header columns"),
        ("Sheet1!A3", "Organization Name is empty: a sharing row needs the partner"),
    ]
    assert "stray note" in rejects[0]["raw"] and "Orphan CA PD" in rejects[1]["raw"]


def test_same_export_as_csv_and_xlsx_is_recognised_a_later_one_is_new(store: Store, tmp_path: Path) -> None:
    rows = [["Yuma AZ PD", "Yuma AZ PD,Yuma AZ PD - Condor", "Ours"], ["Mesa AZ PD", "", "Ours"]]
    a = write_csv(tmp_path / "SharedNetworks_2025_December_30.csv", HEADER, rows)
    b = write_xlsx(tmp_path / "copy.xlsx", [HEADER, *rows], sheet="SharedNetworks_2025_December_30")
    c = write_csv(tmp_path / "SharedNetworks_2026_January_30.csv", HEADER,
                  [*rows, ["Tempe AZ PD", "Tempe AZ PD", ""]])
    results = ingest_paths(store, [a, b, c], agency="Example CA SO",
                           importers=[FlockSharedNetworksImporter()])
    # the same day's relationships are duplicates; a later export is a new observation
    assert [(x.status, x.rows_loaded, x.rows_duplicate) for x in results] == [
        ("ingested", 4, 0), ("ingested", 0, 4), ("ingested", 5, 0)]


def test_windows_1252_csv_is_read(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\r\nCa\xf1on City CO PD,Ca\xf1on City CO PD,Ours\r\n")
    r = ingest(store, path)
    assert r.rows_loaded == 2
    assert store.query("SELECT DISTINCT partner_name_raw FROM sharing") == [
        {"partner_name_raw": "Ca\u00f1on City CO PD"}]


def test_truncated_or_other_files_fail_cleanly(store: Store, tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "export.xlsx", [HEADER, ["Yuma AZ PD", "Yuma AZ PD", "Ours"]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:600])
    other = write_csv(tmp_path / "other.csv", ["Name", "State", "Type"], [["Acme", "CA", "Business"]])
    for path in (cut, other):
        with pytest.raises(UnknownFormatError):
            ingest(store, path)
    results = ingest_paths(store, [cut, other], importers=[FlockSharedNetworksImporter()])
    assert [x.status for x in results] == ["failed", "failed"]
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0
