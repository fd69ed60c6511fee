"""Vigilant VehicleManager user list: OCSD's 269 names, and a sniff that takes nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from alpr_audit.core.errors import UnknownFormatError
from alpr_audit.ingest.formats.flock.users import FlockUsersImporter
from alpr_audit.ingest.formats.vigilant.users import (
    VigilantUsersImporter,
    person_like,
    sheet_agency,
)
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.ingest.probe import probe_file
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv

OCSD = "vigilant/ocsd_vehiclemanager-users.xlsx"
SHEET = "Orange County Sheriffs Departme"


def ingest(store: Store, path: Path, agency: str | None = None):
    return ingest_file(store, path, agency=agency, importers=[VigilantUsersImporter()])


def write_xlsx(path: Path, sheets: dict[str, list[list[str | None]]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write_string(r, c, value)
    wb.close()
    return path


def test_ocsd_list_loads_269_names_publisher_from_the_sheet_name(store: Store) -> None:
    r = ingest(store, fixture_file(OCSD))
    assert (r.format, r.status) == ("vigilant_users", "ingested")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (269, 269, 0, 0)
    assert r.publisher_agency_id == "orange-county-sheriffs-department"
    got = store.query("""SELECT count(DISTINCT user_ref) AS refs, count(DISTINCT lower(user_ref)) AS ci,
        max(occurrence) AS occ, count(*) FILTER (WHERE user_ref = display_name) AS same,
        count(*) FILTER (WHERE len(redacted) > 0) AS red FROM users""")[0]
    # 'Brenden Billinger' and 'Joseph Hodges' appear twice; 'MICHAEL HARRIS' once more in caps
    assert got == {"refs": 267, "ci": 266, "occ": 2, "same": 269, "red": 0}
    ends = store.query(f"""SELECT locator, user_ref FROM users
        WHERE locator IN ('{SHEET}!2', '{SHEET}!270') ORDER BY user_ref""")
    assert ends == [{"locator": f"{SHEET}!2", "user_ref": "Aaron Gates"},
                    {"locator": f"{SHEET}!270", "user_ref": "Zachary Vanden Bosch"}]
    assert ingest(store, fixture_file(OCSD)).status == "already_ingested"


def test_the_operators_agency_wins_over_the_sheet_name(store: Store) -> None:
    r = ingest(store, fixture_file(OCSD), agency="Orange County CA SO")
    assert r.publisher_agency_id == "orange-county-ca-so"
    assert store.query("SELECT DISTINCT agency_id FROM users") == [{"agency_id": "orange-county-ca-so"}]


def test_csv_with_redactions_empty_markers_and_stray_cells(store: Store, tmp_path: Path) -> None:
    names = [["Kim Park"], ["Doe, John"], ["REDACTED"], ["-"]] + [[f"Ann Lee{'a' * i}"] for i in range(30)]
    path = tmp_path / "users.csv"
    path.write_text("name \n" + "\n".join(r[0] if "," not in r[0] else f'"{r[0]}"' for r in names)
                    + "\nLate Comer,note in column B\n")
    r = ingest(store, path, agency="Example CA PD")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (35, 33, 2)
    # the ragged last line sends the file through the Python reader: locators name the line
    assert store.query("SELECT user_ref, redacted FROM users WHERE locator IN "
                       "('row 3 (line 3)', 'row 4 (line 4)') ORDER BY locator") == [
        {"user_ref": "Doe, John", "redacted": []},
        {"user_ref": None, "redacted": ["user_ref", "display_name"]}]
    assert [(x["locator"], x["reason"]) for x in store.query(
        "SELECT locator, reason FROM rejects ORDER BY locator")] == [
        ("row 36 (line 36)", "expected 1 cells, found 2"),
        ("row 5 (line 5)", "name is empty: a user row needs a name")]


def test_identical_names_are_two_accounts_a_resent_list_duplicates(store: Store, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", ["Name"], [["Kim Park"], ["Kim Park"], ["Ann Lee"]])
    b = write_xlsx(tmp_path / "b.xlsx", {"Sheet1": [["Name"], ["Kim Park"], ["Kim Park"],
                                                     ["Ann Lee"], ["Bo Li"]]})
    results = ingest_paths(store, [a, b], agency="Example CA PD", importers=[VigilantUsersImporter()])
    assert [(x.rows_loaded, x.rows_duplicate) for x in results] == [(3, 0), (1, 3)]


@pytest.mark.parametrize(("name", "rows"), [
    ("agencies", [["Name"], ["Alhambra CA PD"], ["Orange County Sheriffs Department"],
                  ["Kings County Sheriff's Office CA"]]),
    ("ids", [["Name"], ["jsmith01"], ["u-4411"], ["7731"]]),
    ("two columns", [["Name", "State"], ["Kim Park", "CA"]]),
    ("data beside", [["Name"], ["Kim Park", "CA"], ["Ann Lee", "AZ"]]),
    ("header only", [["Name"]]),
    ("other header", [["User Name"], ["Kim Park"]]),
])
def test_sniff_leaves_other_one_column_sheets_alone(tmp_path: Path, name, rows) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", {"Sheet1": rows})
    assert VigilantUsersImporter().sniff(probe_file(path)) is None


def test_sniff_leaves_workbooks_with_other_sheets_and_flock_lists_alone(tmp_path: Path) -> None:
    wb = write_xlsx(tmp_path / "resp.xlsx", {
        "Users": [["Name"], ["Kim Park"], ["Ann Lee"]],
        "Audit": [["Reason", "DateTime"], ["theft", "2025-01-01 10:00"]]})
    flock = write_csv(tmp_path / "f.csv", ["First Name", "Last Name", "Email", "Search"],
                      [["Kim", "Park", "k@x.gov", "Enabled"]])
    imp = VigilantUsersImporter()
    assert imp.sniff(probe_file(wb)) is None and imp.sniff(probe_file(flock)) is None
    assert imp.sniff(probe_file(fixture_file("flock/eugene-or-pd_businesses-sharing-flock-data.csv"))) is None
    # and the Flock user-list sniff does not take the Vigilant list
    assert FlockUsersImporter().sniff(probe_file(fixture_file(OCSD))) is None


def test_person_like_and_sheet_agency() -> None:
    assert all(map(person_like, ["Z. Sandoval", "Gustavo A. Chacon Ramos", "MDC Tech",
                                 "Anne-Marie O'Neil", "Doe, John"]))
    assert not any(map(person_like, ["Alhambra CA PD", "Tustin Police", "jsmith", "John 3",
                                     "a@b.gov"]))
    assert sheet_agency(SHEET) == "Orange County Sheriffs Department"
    assert sheet_agency("Tustin Police Department") == "Tustin Police Department"
    assert sheet_agency("Sheet1") is None and sheet_agency(None) is None


def test_truncated_or_wrong_files_fail_cleanly(store: Store, tmp_path: Path) -> None:
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(fixture_file(OCSD).read_bytes()[:5000])
    with pytest.raises(UnknownFormatError):
        ingest(store, cut)
    [r] = ingest_paths(store, [fixture_file("flock/ocsd_flock-shared-networks_2025-12.xlsx")],
                       importers=[VigilantUsersImporter()])
    assert r.status == "failed" and "not a format" in r.message
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0
