"""Flock user lists (no real sample): full layout, header variants, redactions, rejects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

from alpr_audit.core.errors import UnknownFormatError
from alpr_audit.ingest.formats.flock.audit import FlockAuditImporter
from alpr_audit.ingest.formats.flock.users import FlockUsersImporter
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.ingest.probe import probe_file
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv

HEADER = ["First Name", "Last Name", "Email", "Phone", "Title", "Role", "Identity Provider",
          "User Mgmt", "Search", "Hotlist Tool", "Last Login"]


def ingest(store: Store, path: Path, agency: str | None = "Example CA PD"):
    return ingest_file(store, path, agency=agency, importers=[FlockUsersImporter()])


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Users") -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
            elif value is not None:
                ws.write(r, c, value)
    wb.close()
    return path


def test_full_layout_workbook_with_excel_types_and_redactions(store: Store, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "users.xlsx", [
        HEADER,
        ["Jane", "Doe", "jdoe@example.gov", 5551234567, "Sergeant", "Admin", "Flock",
         "Enabled", "Enabled", "Disabled", "12/01/2025, 3:45:12 PM UTC"],
        ["REDACTED", "REDACTED", "***", "", "Officer", "Standard", "Okta",
         "Disabled", "Enabled", "Enabled", "Never"],
        ["Al", "Poe", "apoe@example.gov", None, None, "Standard", "Flock",
         None, None, None, dt.datetime(2025, 11, 2, 8, 30)],
        [], [],
        ["Bo", "Li", "bli@example.gov", None, None, "Standard", "Flock",
         "Disabled", "7923.600 GC", "Disabled", "2025-10-01T06:00:00Z"],
    ])
    r = ingest(store, path)
    assert (r.format, r.status, r.publisher_agency_id) == ("flock_users", "ingested", "example-ca-pd")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (4, 4, 0, 0)
    got = store.query("""SELECT locator, user_ref, display_name, email, phone, title, role,
        identity_provider, permissions, last_login, redacted FROM users ORDER BY locator""")
    assert got[0] == {
        "locator": "Users!2", "user_ref": "jdoe@example.gov", "display_name": "Jane Doe",
        "email": "jdoe@example.gov", "phone": "5551234567", "title": "Sergeant", "role": "Admin",
        "identity_provider": "Flock", "permissions": ["user_mgmt", "search"],
        "last_login": dt.datetime(2025, 12, 1, 15, 45, 12), "redacted": []}
    assert got[1] | {"locator": None} == {
        "locator": None, "user_ref": None, "display_name": None, "email": None, "phone": None,
        "title": "Officer", "role": "Standard", "identity_provider": "Okta",
        "permissions": ["search", "hotlist_tool"], "last_login": None,
        "redacted": ["display_name", "email"]}
    # blank permission cells say nothing (NULL, not "none enabled"); Excel dates are read
    assert got[2]["permissions"] is None
    assert abs(got[2]["last_login"] - dt.datetime(2025, 11, 2, 8, 30)) < dt.timedelta(seconds=1)
    assert (got[3]["locator"], got[3]["permissions"], got[3]["redacted"], got[3]["last_login"]) == (
        "Users!7", [], ["permissions"], dt.datetime(2025, 10, 1, 6, 0))
    assert store.query("SELECT DISTINCT agency_id FROM users") == [{"agency_id": "example-ca-pd"}]
    assert ingest(store, path).status == "already_ingested"


def test_header_variants_extra_columns_and_csv(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv",
                     [" firstname", "LASTNAME ", "E-mail", "Role", "HotlistTool", "Search",
                      "User Management", "Last Login (UTC)", "Department"],
                     [["Ann", "Lee", "alee@x.gov", "Admin", "enabled", "Yes", "No",
                       "2026-01-05 10:00:00", "Patrol"]])
    r = ingest(store, path)
    assert (r.format, r.rows_loaded, r.rows_rejected) == ("flock_users", 1, 0)
    got = store.query("SELECT locator, display_name, permissions, last_login, phone FROM users")
    assert got == [{"locator": "row 2", "display_name": "Ann Lee",
                    "permissions": ["search", "hotlist_tool"],
                    "last_login": dt.datetime(2026, 1, 5, 10, 0), "phone": None}]


def test_one_name_column_variant(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "u.csv", ["Name", "Email", "Search", "Hotlist Tool"],
                     [["Kim Park", "", "Enabled", "Disabled"]])
    assert ingest(store, path).rows_loaded == 1
    assert store.query("SELECT user_ref, display_name, email, permissions FROM users") == [
        {"user_ref": "Kim Park", "display_name": "Kim Park", "email": None,
         "permissions": ["search"]}]


def test_bad_cells_are_rejected_with_place_raw_and_reason(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "u.csv", HEADER, [
        ["Bob", "Roe", "b@x.gov", "", "", "", "", "maybe", "Enabled", "Enabled", ""],
        ["Cy", "Fox", "c@x.gov", "", "", "", "", "Enabled", "Enabled", "Enabled", "yesterday"],
        ["", "-", "n/a", "", "", "Admin", "", "Enabled", "Enabled", "Enabled", ""],
        ["Di", "Orr", "d@x.gov", "", "", "", "", "Enabled", "Enabled", "Enabled", ""],
    ])
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 1, 3)
    rejects = store.query("SELECT locator, raw, reason FROM rejects ORDER BY locator")
    assert [(x["locator"], x["reason"]) for x in rejects] == [
        ("row 2", 'User Mgmt: expected Enabled or Disabled, found "maybe"'),
        ("row 3", 'Last Login: expected a timestamp such as "2025-12-01 14:03:00", found "yesterday"'),
        ("row 4", "First Name/Last Name/Email empty: a user row needs a name or an e-mail"),
    ]
    assert '"Email":"b@x.gov"' in rejects[0]["raw"]


def test_identical_rows_are_two_accounts_and_a_resent_list_is_recognised(store: Store, tmp_path: Path) -> None:
    row = ["Ann", "Lee", "", "", "", "Standard", "", "Enabled", "Enabled", "Disabled", ""]
    a = write_csv(tmp_path / "a.csv", HEADER, [row, row])
    b = write_xlsx(tmp_path / "b.xlsx", [HEADER, row, row, ["Zed", "Ray"] + row[2:]])
    results = ingest_paths(store, [a, b], agency="Example CA PD", importers=[FlockUsersImporter()])
    assert [(x.rows_loaded, x.rows_duplicate) for x in results] == [(2, 0), (1, 2)]


def test_sniff_takes_flock_user_lists_only(tmp_path: Path) -> None:
    users = write_csv(tmp_path / "u.csv", HEADER, [["A", "B", "", "", "", "", "", "", "", "", ""]])
    generic = write_csv(tmp_path / "g.csv", ["Name", "Email", "Role", "Last Login"],
                        [["Kim Park", "k@x.gov", "Admin", "2025-01-01"]])
    names = write_csv(tmp_path / "n.csv", ["Name"], [["Kim Park"], ["Ann Lee"]])
    imp = FlockUsersImporter()
    assert imp.sniff(probe_file(users)) is not None
    assert imp.sniff(probe_file(generic)) is None and imp.sniff(probe_file(names)) is None
    # nor is a Flock search audit a user list, or a user list a search audit
    assert imp.sniff(probe_file(fixture_file("flock/constructed_network-audit_sample.csv"))) is None
    assert FlockAuditImporter().sniff(probe_file(users)) is None


def test_truncated_workbook_fails_cleanly(store: Store, tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "u.xlsx", [HEADER, ["A", "B", "a@x.gov"]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:700])
    with pytest.raises(UnknownFormatError):
        ingest(store, cut)
    [r] = ingest_paths(store, [cut], importers=[FlockUsersImporter()])
    assert r.status == "failed" and store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0
