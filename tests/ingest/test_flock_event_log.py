"""Flock event log: the Riverside release, its local-time trap, Event Id and networkShare
variants, broken detail blocks, redactions and rejects."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import xlsxwriter

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.formats.flock.event_log import (
    FlockEventLogImporter,
    parse_details,
    resolve_times,
)
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv

RIVERSIDE = "flock/riverside-so_flock-event-log_cpra-c001586.xlsx"
HEADER = ["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"]
SHEET = "CPRA C001586"


def _ingest(store: Store, path: Path, agency: str | None = None):  # noqa: ANN202
    return ingest_file(store, path, agency=agency, importers=[FlockEventLogImporter()])


def _event(store: Store, locator: str) -> dict:
    rows = store.query(f"SELECT * FROM hotlist_events WHERE locator = '{locator}'")
    assert len(rows) == 1
    return rows[0]


def _xlsx(path: Path, header: list[str], rows: list[list], extra_sheet: bool = False) -> Path:
    """A workbook whose datetime values are typed Excel dates (as Power Query leaves them)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Events")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss.000"})
    ws.write_row(0, 0, header)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(i, j, v, fmt)
            elif v is not None:
                ws.write_string(i, j, v)
    if extra_sheet:
        wb.add_worksheet("Notes").write_row(0, 0, ["Prepared for CPRA request", "by records unit"])
    wb.close()
    return path


def _entry(plate: str, expiry: str, reason: str = "stolen vehicle") -> str:
    return (f"Hotlist Name: STOLEN\nLicense: {plate}\nState: california\nReason: {reason}\n"
            f"Case: 25-001\nExpiry: {expiry}\nConsolidated: false\n")


# --- the real release ----------------------------------------------------------------------


def test_riverside_release_loads_every_event_once(store: Store) -> None:
    path = fixture_file(RIVERSIDE)
    r = _ingest(store, path, agency="Riverside County Sheriff")
    assert (r.format, r.status) == ("flock_event_log", "ingested")
    # 2,031 events; the sheet's 1,722 hidden blank rows between them are not records
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (2031, 2031, 0, 0)
    assert r.publisher_agency_id == "riverside-county-ca-so"
    got = store.query("""SELECT count(*) AS n, count(DISTINCT user_ref) AS users,
        count(plate_query) AS plates, count(expires_at) AS expiring, count(details) AS details,
        count(*) FILTER (details LIKE '%"_text"%') AS irregular,
        max(locator) FILTER (locator = 'CPRA C001586!3754') AS last,
        count(DISTINCT agency_id) AS agencies, min(occurrence) AS o1, max(occurrence) AS o2,
        min("at") AS t0, max("at") AS t1
        FROM hotlist_events""")[0]
    assert got == {"n": 2031, "users": 249, "plates": 2, "expiring": 785, "details": 2029,
                   "irregular": 4, "last": "CPRA C001586!3754", "agencies": 1, "o1": 1, "o2": 1,
                   "t0": dt.datetime(2025, 7, 20, 21, 38, 8, 934000),
                   "t1": dt.datetime(2025, 8, 19, 20, 36, 30, 943000)}
    by_kind = store.query("""SELECT entity_type, event_type, count(*) AS n FROM hotlist_events
        GROUP BY ALL ORDER BY ALL""")
    assert [(x["entity_type"], x["event_type"], x["n"]) for x in by_kind] == [
        ("Custom Hotlist Entry", "create", 789), ("Custom Hotlist Entry", "delete", 515),
        ("Custom Hotlist Entry", "update", 388), ("customHotlist", "create", 113),
        ("customHotlist", "delete", 81), ("customHotlist", "update", 145)]
    # no networkShare events in this release: nothing in sharing, and the empty second
    # sheet ("Sheet1") is neither read nor reported as ignored
    assert store.query("SELECT count(*) AS n FROM sharing")[0]["n"] == 0
    ledger = json.loads(store.query("SELECT details FROM sources")[0]["details"])
    assert [p["sheet"] for p in ledger["parts"]] == [SHEET] and "ignored_sheets" not in ledger
    again = _ingest(store, path, agency="Riverside County Sheriff")
    assert (again.status, again.rows_loaded) == ("already_ingested", 2031)
    assert store.query("SELECT count(*) AS n FROM hotlist_events")[0]["n"] == 2031


def test_riverside_rows_field_by_field(store: Store) -> None:
    _ingest(store, fixture_file(RIVERSIDE))
    # Timestamps are Pacific local time (Power Query typed them): 13:29:05 PDT = 20:29:05 UTC,
    # which is where the entry's 30-day Expiry (written in UTC) also falls.
    e = _event(store, f"{SHEET}!3")
    assert e["at"] == dt.datetime(2025, 8, 19, 20, 29, 5, 808000)
    assert (e["event_type"], e["entity_type"], e["hotlist_name"]) == (
        "update", "Custom Hotlist Entry", "488 SUSPECT VEHICLE")
    assert (e["plate_query"], e["plate_state"], e["reason"], e["case_number"]) == (
        None, "california", "488 PC FIND PC STOP FI ONLY", None)
    assert e["expires_at"] == dt.datetime(2025, 9, 18, 20, 29, 2, 354000)
    assert json.loads(e["details"]) == {
        "Hotlist Name": "488 SUSPECT VEHICLE", "License": "", "State": "california",
        "Reason": "488 PC FIND PC STOP FI ONLY", "Case": "", "Expiry": "2025-09-18T20:29:02.354Z"}
    assert e["event_id"] is None and e["redacted"] == [] and e["user_ref"]

    e = _event(store, f"{SHEET}!2")
    assert (e["at"], e["event_type"], e["hotlist_name"], e["expires_at"]) == (
        dt.datetime(2025, 8, 19, 20, 36, 30, 943000), "delete", "DISTRICT TEAM", None)

    # a customHotlist's own "Name" is the hot list
    e = _event(store, f"{SHEET}!5")
    assert (e["entity_type"], e["event_type"], e["hotlist_name"]) == (
        "customHotlist", "create", "488 SUSPECT VEHICLE")
    assert set(json.loads(e["details"])) == {
        "Name", "Organization Hotlist", "Audience Users", "Audience Roles"}

    # a value holding colons stays one value
    e = _event(store, f"{SHEET}!8")
    assert json.loads(e["details"])["Deleted Plates"] == "License:  State: california"
    assert e["hotlist_name"] == "CCAT" and e["plate_query"] is None

    e = _event(store, f"{SHEET}!98")
    assert (e["case_number"], e["reason"], e["hotlist_name"]) == ("probation", "Ro", "MORTON")

    # "Expiry: never" is no expiry; the text stays in details
    e = _event(store, f"{SHEET}!3754")
    assert (e["at"], e["expires_at"], e["hotlist_name"]) == (
        dt.datetime(2025, 7, 20, 21, 38, 8, 934000), None, "Moval List")
    assert json.loads(e["details"])["Expiry"] == "never"

    # hand-redacted blocks lost a colon: the key is recovered and the text kept whole
    e = _event(store, f"{SHEET}!496")
    d = json.loads(e["details"])
    assert e["reason"] == "GB for 10851" and d["Reason"] == "GB for 10851"
    assert "Reason- GB for 10851" in d["_text"]
    e = _event(store, f"{SHEET}!1293")
    assert e["hotlist_name"] == "Almadin #5957" and e["reason"] == "POSS VICTOR"

    # an empty Entity Details cell is still an event
    e = _event(store, f"{SHEET}!1563")
    assert (e["event_type"], e["details"], e["hotlist_name"]) == ("update", None, None)


def test_riverside_zone_is_inferred_from_expiries() -> None:
    path = fixture_file(RIVERSIDE)
    import duckdb

    from alpr_audit.core.cells import install_macros
    from alpr_audit.ingest.base import StageContext
    from alpr_audit.ingest.probe import probe_file

    con = duckdb.connect()
    install_macros(con)
    probe = probe_file(path)
    imp = FlockEventLogImporter()
    plan = imp.sniff(probe)
    assert plan is not None
    result = imp.stage(StageContext(con, path, probe, plan, None, lambda n: None, lambda n: None))
    rule = result.details["timestamp"]
    assert rule.startswith("timestamps without a zone read as America/Los_Angeles (570 of 785")
    assert result.tables == ("hotlist_events",) and result.publisher_name is None


# --- zone rule on synthetic data -----------------------------------------------------------


def test_winter_local_times_pick_the_zone_with_daylight_saving() -> None:
    # PST (UTC-8) in January: Los Angeles fits, Phoenix (UTC-7 all year) does not
    local = [dt.datetime(2025, 1, d, 9, 15) for d in range(1, 11)]
    parsed = [(t, t.isoformat(sep=" "), t + dt.timedelta(days=30, hours=8), "…Z") for t in local]
    at, rule = resolve_times(parsed)
    assert at[0] == dt.datetime(2025, 1, 1, 17, 15)
    assert "America/Los_Angeles" in rule and "Phoenix" not in rule
    # UTC evidence keeps UTC; no evidence keeps Flock's UTC convention
    utc = [(t, t.isoformat(sep=" "), t + dt.timedelta(days=30), "…Z") for t in local]
    assert resolve_times(utc)[0] == local
    bare = [(t, t.isoformat(sep=" "), None, None) for t in local]
    at, rule = resolve_times(bare)
    assert at == local and "read as UTC" in rule
    explicit = [(t, t.isoformat() + "Z", None, None) for t in local]
    assert resolve_times(explicit) == (local, "timestamps name their zone")


# --- synthetic variants --------------------------------------------------------------------


def test_event_id_and_network_share_events(store: Store, tmp_path: Path) -> None:
    header = ["Event Id", *HEADER]
    share = ("Network Name: Riverside County SO CA\nPermissions: Search, Hotlist\n"
             "Receiving Organization: {org}\n")
    rows = [
        ["ev-1", "2025-08-19T20:00:00.000Z", "admin1", "create", "networkShare",
         share.format(org="ANAHEIM CA PD")],
        ["ev-2", "2025-08-20T20:00:00.000Z", "admin1", "delete", "networkShare",
         share.format(org="[Federal] Homeland Security Investigations")],
        ["ev-3", "2025-08-21T01:00:00.000Z", "admin1", "create", "networkShare",
         "Network Name: Riverside County SO CA\nPermissions: Hotlist\n"
         "Receiving Organization: SAN DIEGO CA PD (Deactivated)\n"],
        ["ev-4", "2025-08-21T02:00:00.000Z", "admin2", "update", "networkShareSettings",
         "Setting: Allow Nationwide Lookup\nValue: false\n"],
        ["ev-5", "2025-08-21T03:00:00.000Z", "admin2", "update", "role",
         "Name: Patrol\nPermissions: Search\n"],
        ["ev-6", "2025-08-21T04:00:00.000Z", "admin2", "create", "user",
         "Name: Doe, Jane\nRole: Patrol\n"],
        ["ev-6", "2025-08-21T04:00:00.000Z", "admin2", "create", "user",
         "Name: Doe, Jane\nRole: Patrol\n"],  # the same event exported twice
    ]
    r = _ingest(store, write_csv(tmp_path / "event_log.csv", header, rows), agency="RIVERSIDE CA SO")
    # 7 events + 3 sharing rows read; the repeated Event Id is a duplicate
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (10, 9, 0, 1)
    ev = store.query("SELECT * FROM hotlist_events ORDER BY locator")
    assert [e["event_id"] for e in ev] == ["ev-1", "ev-2", "ev-3", "ev-4", "ev-5", "ev-6"]
    assert ev[0]["locator"] == "row 2 (line 2)" and ev[0]["at"] == dt.datetime(2025, 8, 19, 20)
    assert ev[4]["hotlist_name"] is None  # a role's Name is not a hot list
    assert json.loads(ev[3]["details"]) == {"Setting": "Allow Nationwide Lookup", "Value": "false"}
    sh = store.query("""SELECT locator, partner_name_raw, partner_agency_id, publisher_agency_id,
        direction, data_kind, status, observed_on, relationship, access, search_enabled,
        hotlist_enabled, flags FROM sharing ORDER BY locator""")
    assert [(s["partner_name_raw"], s["data_kind"], s["status"], s["relationship"], s["flags"])
            for s in sh] == [
        ("ANAHEIM CA PD", "detections", "active", "networkShare create", []),
        ("[Federal] Homeland Security Investigations", "detections", "removed",
         "networkShare delete", ["federal"]),
        ("SAN DIEGO CA PD (Deactivated)", "hotlist", "deactivated", "networkShare create", []),
    ]
    assert sh[0]["locator"] == ev[0]["locator"] and sh[0]["observed_on"] == dt.date(2025, 8, 19)
    assert (sh[0]["direction"], sh[0]["access"], sh[0]["search_enabled"], sh[0]["hotlist_enabled"]
            ) == ("out", "Search, Hotlist", True, True)
    assert (sh[2]["search_enabled"], sh[2]["hotlist_enabled"]) == (False, True)
    assert sh[0]["partner_agency_id"] == "anaheim-ca-pd"
    assert {s["publisher_agency_id"] for s in sh} == {"riverside-ca-so"}
    # a re-release of the same events adds nothing
    again = write_csv(tmp_path / "event_log_resent.csv", header, rows[:3])
    r2 = _ingest(store, again, agency="RIVERSIDE CA SO")
    assert (r2.rows_read, r2.rows_loaded, r2.rows_duplicate) == (6, 0, 6)


def test_rows_without_ids_overlap_by_occurrence(store: Store, tmp_path: Path) -> None:
    same = ["2025-08-19 13:00:00", "officer", "create", "Custom Hotlist Entry",
            _entry("", "never")]
    other = ["2025-08-19 14:00:00", "officer", "delete", "Custom Hotlist Entry",
             "Hotlist Name: STOLEN\n"]
    first = write_csv(tmp_path / "a.csv", HEADER, [same, same, other])
    # the re-release has its columns reordered and a column of its own
    order = [4, 0, 3, 2, 1]
    second = write_csv(tmp_path / "b.csv", [HEADER[i] for i in order] + ["Note"],
                       [[r[i] for i in order] + ["resent"] for r in [same, same, same, other]])
    a, b = ingest_paths(store, [first, second], importers=[FlockEventLogImporter()])
    # two identical rows in one file are two events; the re-release adds only the third
    assert (a.rows_loaded, a.rows_duplicate) == (3, 0)
    assert (b.rows_read, b.rows_loaded, b.rows_duplicate) == (4, 1, 3)
    assert store.query("SELECT count(*) AS n FROM hotlist_events")[0]["n"] == 4


def test_typed_local_dates_in_a_workbook_with_other_sheets(store: Store, tmp_path: Path) -> None:
    local = [dt.datetime(2025, 12, d, 10, 30, 15, 250000) for d in range(1, 9)]
    rows = [[t, "officer", "create", "Custom Hotlist Entry",
             _entry("", (t + dt.timedelta(days=30, hours=8)).isoformat(timespec="milliseconds") + "Z")]
            for t in local]
    rows.insert(3, [None, None, None, None, None])  # blank rows between and after events
    rows += [[None] * 5] * 5
    r = _ingest(store, _xlsx(tmp_path / "log.xlsx", HEADER, rows, extra_sheet=True))
    assert (r.rows_read, r.rows_loaded) == (8, 8)
    assert "sheets not read (not this format): Notes" in r.message
    got = store.query("SELECT locator, \"at\", expires_at FROM hotlist_events ORDER BY \"at\"")
    assert got[0]["at"] == dt.datetime(2025, 12, 1, 18, 30, 15, 250000)  # PST + 8 h
    assert got[3]["locator"] == "Events!6"  # the blank row 5 keeps the sheet's numbering
    assert all((g["expires_at"] - g["at"]).total_seconds() % 86400 == 0 for g in got)


def test_redaction_markers_are_a_state(store: Store, tmp_path: Path) -> None:
    rows = [["2025-08-19T20:00:00Z", "REDACTED", "create", "Custom Hotlist Entry",
             "Hotlist Name: STOLEN\nLicense: ***\nState: california\nReason: [REDACTED]\n"
             "Case: 7923.600 GC\nExpiry: never\nAudience Users: [REDACTED]\n"],
            ["2025-08-19T21:00:00Z", "officer", "create", "Custom Hotlist Entry",
             _entry("7ABC*23", "2025-09-18T21:00:00.000Z")]]
    _ingest(store, write_csv(tmp_path / "log.csv", HEADER, rows))
    ev = store.query("SELECT * FROM hotlist_events ORDER BY \"at\"")
    assert (ev[0]["user_ref"], ev[0]["plate_query"], ev[0]["reason"], ev[0]["case_number"]) == (
        None, None, None, None)
    assert ev[0]["redacted"] == ["user_ref", "plate_query", "reason", "case_number",
                                 "details.Audience Users"]
    assert json.loads(ev[0]["details"])["License"] == "***"  # the marker as written
    assert ev[1]["plate_query"] == "7ABC*23" and ev[1]["redacted"] == []  # a wildcard, not a marker


def test_broken_details_are_kept_and_bad_times_rejected(store: Store, tmp_path: Path) -> None:
    rows = [["2025-08-19T20:00:00Z", "officer", "update", "Custom Hotlist Entry",
             "garbled export text\nReason: meeting at\n10:30 at the station\nLicense\n"],
            ["yesterday", "officer", "create", "Custom Hotlist Entry", "Hotlist Name: X\n"],
            ["", "officer", "create", "Custom Hotlist Entry", "Hotlist Name: Y\n"]]
    r = _ingest(store, write_csv(tmp_path / "log.csv", HEADER, rows))
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (3, 1, 2)
    d = json.loads(store.query("SELECT details FROM hotlist_events")[0]["details"])
    assert d["_unparsed"] == ["garbled export text"]
    assert d["Reason"] == "meeting at\n10:30 at the station" and d["License"] == ""
    assert d["_text"].startswith("garbled export text\n")
    rej = store.query("SELECT locator, raw, reason FROM rejects ORDER BY locator")
    assert [x["locator"] for x in rej] == ["row 3 (line 7)", "row 4 (line 9)"]
    assert rej[0]["reason"].startswith('Timestamp: expected a timestamp') and '"yesterday"' in rej[0]["reason"]
    assert rej[1]["reason"] == "Timestamp is empty: an event needs its time"
    assert json.loads(rej[0]["raw"])["Entity Details"] == "Hotlist Name: X\n"


def test_parse_details_edge_cases() -> None:
    assert parse_details(None) == ({}, False)
    assert parse_details("  \n") == ({}, False)
    pairs, irregular = parse_details("Hotlist Name: A\r\n\r\nLicense: 1ABC234\nLicense: 2DEF345")
    assert pairs == {"Hotlist Name": "A", "License": ["1ABC234", "2DEF345"]} and not irregular
    pairs, irregular = parse_details("Expiry: 2025-09-18T20:29:02.354Z")  # colons in the value
    assert pairs == {"Expiry": "2025-09-18T20:29:02.354Z"} and not irregular


def test_other_files_are_not_event_logs(store: Store, tmp_path: Path) -> None:
    audit = write_csv(tmp_path / "audit.csv", ["Name", "Org Name", "Search Time", "Reason"],
                      [["a", "X CA PD", "01/31/2022, 11:26:24 PM UTC", "inv"]])
    with pytest.raises(IngestError, match="not a format alpr-audit reads"):
        _ingest(store, audit)
    good = _xlsx(tmp_path / "ok.xlsx", HEADER, [["2025-08-19T20:00:00Z", "u", "create",
                                                 "Custom Hotlist Entry", "Hotlist Name: A\n"]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:700])
    with pytest.raises(IngestError):
        _ingest(store, cut)
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0


def test_registered_and_keeps_the_zone_less_time_text(store) -> None:
    from alpr_audit.ingest.pipeline import ingest_file as ingest_detected

    r = ingest_detected(store, fixture_file("flock/riverside-so_flock-event-log_cpra-c001586.xlsx"))
    assert (r.format, r.rows_loaded) == ("flock_event_log", 2031)
    assert store.query('SELECT count(*) AS n FROM hotlist_events WHERE at_raw IS NULL') == [{"n": 0}]
    details = store.query("SELECT details FROM sources")[0]["details"]
    assert "America/Los_Angeles" in details
