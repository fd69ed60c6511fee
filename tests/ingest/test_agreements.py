"""Sharing agreements lists (agreements_csv): counts, dates, partners, header variants,
workbooks, re-sent lists, rejects and refusals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import xlsxwriter

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.formats.generic.agreements import AgreementsImporter
from alpr_audit.ingest.formats.generic.detections import DetectionsImporter
from alpr_audit.ingest.formats.generic.readings import HitsImporter
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.ingest.probe import probe_file
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv

HEADER = ["Agency", "Partner", "Kind", "Signed On", "Expires On", "Document"]
OWNER = "Mapleton CA PD"


def ingest(store: Store, path: Path, agency: str | None = None):
    return ingest_file(store, path, agency=agency,
                       importers=[DetectionsImporter(), HitsImporter(), AgreementsImporter()])


def counts(r) -> tuple[int, int, int, int]:
    assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    return r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate


ROWS = [
    [OWNER, "Rivera County CA SO", "MOU", "2024-01-05", "2026-01-04", "mou_rivera.pdf"],
    [OWNER, "Portland OR PD", "SB 34 certification", "3/5/2024", "Open-ended", ""],
    [OWNER, "Fresno CA PD", "MOU", "1/5/24", "", "https://example.gov/mou.pdf"],
    [OWNER, "Bakersfield CA PD", "MOU", "March 5, 2024", "12/31/2026", ""],
    [OWNER, "", "MOU", "2024-01-05", "", ""],  # no partner: rejected
    [OWNER, "Chico CA PD", "MOU", "soon", "", ""],  # unreadable date: rejected
    [OWNER, "Davis CA PD", "MOU", "45292", "5-Mar-2027", ""],  # Excel serial
    [OWNER, "Tulare County CA SO", "MOU", "Pending", "***", ""],  # not signed yet, withheld
    ["", "Merced CA PD", "Interagency agreement", "2023-07-01T00:00:00Z", "until terminated", ""],
]


def test_agreements_list_loads_dates_partners_and_rejects(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "agreements.csv", HEADER, ROWS)
    r = ingest(store, path, agency="Somewhere Else CA PD")  # the Agency column wins
    assert (r.format, r.status, r.publisher_agency_id) == ("agreements_csv", "ingested", "mapleton-ca-pd")
    assert counts(r) == (9, 7, 2, 0)
    got = {g["partner_name_raw"]: g for g in store.query(
        "SELECT locator, agency_id, partner_agency_id, partner_name_raw, kind, signed_on, "
        "expires_on, document FROM agreements")}
    assert got["Rivera County CA SO"] == {
        "locator": "row 2", "agency_id": "mapleton-ca-pd", "partner_agency_id": "rivera-county-ca-so",
        "partner_name_raw": "Rivera County CA SO", "kind": "MOU",
        "signed_on": dt.date(2024, 1, 5), "expires_on": dt.date(2026, 1, 4),
        "document": "mou_rivera.pdf"}
    dates = {k: (v["signed_on"], v["expires_on"]) for k, v in got.items()}
    assert dates == {
        "Rivera County CA SO": (dt.date(2024, 1, 5), dt.date(2026, 1, 4)),
        "Portland OR PD": (dt.date(2024, 3, 5), None),
        "Fresno CA PD": (dt.date(2024, 1, 5), None),  # two-digit year: 2024, not 24
        "Bakersfield CA PD": (dt.date(2024, 3, 5), dt.date(2026, 12, 31)),
        "Davis CA PD": (dt.date(2024, 1, 1), dt.date(2027, 3, 5)),
        "Tulare County CA SO": (None, None),
        "Merced CA PD": (dt.date(2023, 7, 1), None),
    }
    assert got["Portland OR PD"]["partner_agency_id"] == "portland-or-pd"
    assert got["Merced CA PD"]["locator"] == "row 10"
    rejects = store.query("SELECT locator, raw, reason FROM rejects ORDER BY locator")
    assert [(x["locator"], x["reason"]) for x in rejects] == [
        ("row 6", "Partner empty: an agreement needs the other party"),
        ("row 7", 'Signed On: expected a date such as 2024-03-05 or 3/5/2024, found "soon"'),
    ]
    assert json.loads(rejects[1]["raw"])["Partner"] == "Chico CA PD"
    details = json.loads(store.query("SELECT details FROM sources")[0]["details"])
    assert details["agency_option_differs"] == "Somewhere Else CA PD"
    assert ingest(store, path).status == "already_ingested"


def test_a_list_of_partners_only_uses_agency_as_the_partner(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mous.csv", ["Agency Name", "Agreement Type", "Date Signed",
                                              "Expiration", "File"],
                     [["Rivera County CA SO", "MOU", "2024-02-01", "2025-02-01", "a.pdf"],
                      ["Fresno CA PD", "MOU", "2024-02-02", "None", "b.pdf"]])
    r = ingest(store, path, agency=OWNER)
    assert (r.format, r.publisher_agency_id, counts(r)) == (
        "agreements_csv", "mapleton-ca-pd", (2, 2, 0, 0))
    assert store.query("SELECT agency_id, partner_name_raw, kind, expires_on, document "
                       "FROM agreements ORDER BY locator") == [
        {"agency_id": "mapleton-ca-pd", "partner_name_raw": "Rivera County CA SO", "kind": "MOU",
         "expires_on": dt.date(2025, 2, 1), "document": "a.pdf"},
        {"agency_id": "mapleton-ca-pd", "partner_name_raw": "Fresno CA PD", "kind": "MOU",
         "expires_on": None, "document": "b.pdf"}]


def test_synonyms_and_workbook_dates(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "agreements.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Agreements")
    date = wb.add_format({"num_format": "mm/dd/yyyy"})
    ws.write_row(0, 0, ["ORGANIZATION", " partner agency ", "Type", "Effective Date",
                        "End Date", "Link"])
    ws.write_row(1, 0, [OWNER, "Fresno CA PD", "MOU"])
    ws.write_datetime(1, 3, dt.datetime(2024, 6, 30), date)
    ws.write_datetime(1, 4, dt.datetime(2027, 6, 30), date)
    ws.write(1, 5, "https://example.gov/fresno")
    ws.write_row(2, 0, [OWNER, "Clovis CA PD", "MOU", "June 1 2024", "n/a", ""])
    wb.close()
    r = ingest(store, path)
    assert (r.format, r.publisher_agency_id, counts(r)) == (
        "agreements_csv", "mapleton-ca-pd", (2, 2, 0, 0))
    assert store.query("SELECT locator, partner_name_raw, signed_on, expires_on, document "
                       "FROM agreements ORDER BY locator") == [
        {"locator": "Agreements!2", "partner_name_raw": "Fresno CA PD",
         "signed_on": dt.date(2024, 6, 30), "expires_on": dt.date(2027, 6, 30),
         "document": "https://example.gov/fresno"},
        {"locator": "Agreements!3", "partner_name_raw": "Clovis CA PD",
         "signed_on": dt.date(2024, 6, 1), "expires_on": None, "document": None}]


def test_a_resent_list_is_recognised_and_a_renewal_is_new(store: Store, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "2024.csv", HEADER, ROWS[:4] + [ROWS[0]])
    assert counts(ingest(store, first)) == (5, 5, 0, 0)  # identical rows stay two rows
    resent = write_csv(tmp_path / "2025.csv", HEADER, [
        *ROWS[:4],  # the same agreements, one with a new document name
        [OWNER, "rivera county  ca so", "mou", "2024-01-05", "2026-01-04", "renamed.pdf"],
        [OWNER, "Rivera County CA SO", "MOU", "2026-01-05", "2028-01-04", "renewal.pdf"],
    ])
    # the key is (partner, kind, signed date), case- and space-insensitive: the renewal is new
    assert counts(ingest(store, resent)) == (6, 1, 0, 5)


def test_a_list_signed_by_several_agencies_is_refused(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "county.csv", HEADER, [
        ROWS[0], ["Rivera County CA SO", OWNER, "MOU", "2024-01-05", "", ""]])
    with pytest.raises(IngestError, match="several agencies"):
        ingest(store, path)
    [r] = ingest_paths(store, [path], importers=[AgreementsImporter()])
    assert r.status == "failed" and "split the file" in (r.hint or "")
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0


def test_sniff_needs_a_party_and_a_signing_date(tmp_path: Path) -> None:
    imp = AgreementsImporter()
    for header in (["Name", "State", "Type"],  # a sharing list (Eugene's) is no agreement list
                   ["Partner", "Kind", "Document"],
                   ["Agency", "Partner", "Signed On", "Plate"]):
        path = write_csv(tmp_path / "x.csv", header, [["a"] * len(header)])
        assert imp.sniff(probe_file(path)) is None, header
    eugene = fixture_file("flock/eugene-or-pd_businesses-sharing-flock-data.csv")
    assert imp.sniff(probe_file(eugene)) is None
