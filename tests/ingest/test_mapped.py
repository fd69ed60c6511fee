"""The generic mapped import: CSV/XLSX + a TOML mapping, with the built-ins' accounting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import xlsxwriter

from alpr_audit.core.errors import IngestError, UnknownFormatError
from alpr_audit.ingest.formats.generic.mapped import MappedImporter
from alpr_audit.ingest.formats.generic.mapping import load_mapping
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.store import Store
from fixturekit import write_csv

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mappings"

SEARCH_MAPPING = """
name = "vendor-audit"
table = "searches"
zone = "America/Los_Angeles"
timestamp_format = ["%m/%d/%Y %I:%M %p", "%Y-%m-%dT%H:%M:%SZ"]
id = "Audit ID"

[fields]
record_id = "Audit ID"
searched_at = "Date/Time"
user_ref = "User"
reason = "Reason"
plate_query = "Plate"
networks_searched = "Networks"
mobile = "From Car"

[constants]
log_kind = "vendor_audit"
search_type = "search"
searcher_agency_id = "@publisher"
"""

HEADER = ["Audit ID", "Date/Time", "User", "Reason", "Plate", "Networks", "From Car", "Notes"]


def mapping_file(tmp_path: Path, text: str, name: str = "map.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def importer(tmp_path: Path, text: str = SEARCH_MAPPING) -> MappedImporter:
    return MappedImporter(load_mapping(mapping_file(tmp_path, text)))


def accounting(r) -> tuple[int, int, int, int]:  # noqa: ANN001
    assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    return r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate


def rows_by_locator(store: Store, table: str = "searches") -> dict[str, dict]:
    return {r["locator"]: r for r in store.query(f"SELECT * FROM {table}")}


def rejects(store: Store) -> dict[str, str]:
    return {r["locator"]: r["reason"] for r in store.query("SELECT locator, reason FROM rejects")}


CSV_ROWS = [
    ["A-1", "03/09/2025 1:30 AM", "jdoe", "stolen vehicle", "7ABC*23", "12", "yes", ""],
    ["A-2", "03/09/2025 3:30 AM", "***", "REDACTED", "###", "1,024", "no", "x"],
    ["A-3", "03/10/2025 9:00 AM", "asmith", "", "", "—", "", ""],
    ["A-4", "not a date", "asmith", "robbery", "", "many", "maybe", ""],
    ["A-5", "", "asmith", "robbery", "", "", "", ""],
    ["A-6", "2025-03-10T17:00:00Z", "asmith", "case 25-1", "", "3", "Y", ""],
    ["A-1", "03/09/2025 1:30 AM", "jdoe", "stolen vehicle", "7ABC*23", "12", "yes", ""],
]


def test_csv_counts_zone_rejects_redactions_and_constants(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "audit.csv", HEADER, CSV_ROWS)
    imp = importer(tmp_path)
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[imp])
    assert (r.status, r.format, r.log_kind) == ("ingested", "mapped:vendor-audit", "vendor_audit")
    # 7 records: rejected, the second A-1 a duplicate of the id in this file
    assert accounting(r) == (7, 4, 2, 1)
    rows = rows_by_locator(store)
    assert set(rows) == {"row 2", "row 3", "row 4", "row 7"}
    first = rows["row 2"]
    # 01:30 PST on the morning clocks spring forward = 09:30 UTC; 03:30 PDT = 10:30 UTC
    assert first["searched_at"] == dt.datetime(2025, 3, 9, 9, 30)
    assert rows["row 3"]["searched_at"] == dt.datetime(2025, 3, 9, 10, 30)
    assert first["searched_at_raw"] == "03/09/2025 1:30 AM"  # zone not in the text: kept
    assert first["plate_query"] == "7ABC*23"  # a wildcard, not a redaction marker
    assert (first["networks_searched"], first["mobile"]) == (12, True)
    assert (first["search_type"], first["log_kind"]) == ("search", "vendor_audit")
    assert first["publisher_agency_id"] == first["searcher_agency_id"] == "mapleton-ca-pd"
    redacted = rows["row 3"]
    assert redacted["user_ref"] is None and redacted["reason"] is None
    assert redacted["plate_query"] is None and redacted["networks_searched"] == 1024
    assert set(redacted["redacted"]) == {"user_ref", "reason", "plate_query"}
    empty = rows["row 4"]  # empty cells and sentinels are empty, not redacted, not rejected
    assert (empty["reason"], empty["networks_searched"], empty["mobile"]) == (None, None, None)
    assert empty["redacted"] == []
    explicit = rows["row 7"]  # a form ending in Z is UTC whatever the mapping's zone
    assert explicit["searched_at"] == dt.datetime(2025, 3, 10, 17, 0)
    assert explicit["searched_at_raw"] is None
    assert rejects(store) == {
        "row 5": 'Date/Time: expected a timestamp in the form %m/%d/%Y %I:%M %p or '
                 '%Y-%m-%dT%H:%M:%SZ, found "not a date"; Networks: expected a whole number, '
                 'found "many"; From Car: expected one of true, yes, y, t, 1, on, enabled, x, '
                 'false, no, n, f, 0, off, disabled, found "maybe"',
        "row 6": "Date/Time is empty: the mapping vendor-audit requires it",
    }
    raw = json.loads(store.query("SELECT raw FROM rejects WHERE locator = 'row 5'")[0]["raw"])
    assert raw["Date/Time"] == "not a date" and "Notes" in raw  # every cell, mapped or not
    again = ingest_file(store, path, agency="Mapleton CA PD", importers=[imp])
    assert again.status == "already_ingested"


@pytest.mark.parametrize(("text", "utc"), [
    ("03/09/2025 1:59 AM", dt.datetime(2025, 3, 9, 9, 59)),    # last minute of PST
    ("03/09/2025 2:30 AM", dt.datetime(2025, 3, 9, 10, 30)),   # does not exist: read as PDT
    ("03/09/2025 3:00 AM", dt.datetime(2025, 3, 9, 10, 0)),    # first minute of PDT
    ("11/02/2025 12:30 AM", dt.datetime(2025, 11, 2, 7, 30)),  # PDT
    ("11/02/2025 1:30 AM", dt.datetime(2025, 11, 2, 9, 30)),   # twice: the PST occurrence
    ("11/02/2025 2:30 AM", dt.datetime(2025, 11, 2, 10, 30)),  # PST
    ("07/04/2025 12:00 PM", dt.datetime(2025, 7, 4, 19, 0)),   # summer: UTC-7
])
def test_zone_conversion_across_dst(store: Store, tmp_path: Path, text: str, utc: dt.datetime) -> None:
    path = write_csv(tmp_path / "one.csv", HEADER, [["X", text, "u", "r", "", "", "", ""]])
    r = ingest_file(store, path, importers=[importer(tmp_path)])
    assert accounting(r) == (1, 1, 0, 0)
    assert store.query("SELECT searched_at FROM searches")[0]["searched_at"] == utc


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value, when)
                elif value is not None:
                    ws.write(r, c, value)
    wb.close()
    return path


def test_xlsx_with_excel_dates_numbers_and_an_unrelated_sheet(store: Store, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "audit.xlsx", {
        "Notes": [["Exported by the records unit"], ["see the Audit sheet"]],
        "Audit": [
            ["Search audit, March 2025"],  # title row above the header
            HEADER,
            ["B-1", dt.datetime(2025, 3, 9, 1, 30), "jdoe", 211, "", 4, True, None],
            [None] * 8,  # blank rows are not records
            ["B-2", "03/09/2025 3:30 AM", "asmith", "REDACTED", "", "4.0", False, None],
            ["B-3", "yesterday", "asmith", "robbery", "", 2, "no", None],
        ],
    })
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[importer(tmp_path)])
    assert accounting(r) == (3, 2, 1, 0)
    assert "sheets not read" in r.message and "Notes" in r.message
    rows = rows_by_locator(store)
    assert set(rows) == {"Audit!3", "Audit!5"}
    excel_date = rows["Audit!3"]  # a real Excel date is local wall time too
    assert excel_date["searched_at"] == dt.datetime(2025, 3, 9, 9, 30)
    assert (excel_date["reason"], excel_date["networks_searched"], excel_date["mobile"]) == (
        "211", 4, True)
    text_date = rows["Audit!5"]
    assert text_date["searched_at"] == dt.datetime(2025, 3, 9, 10, 30)
    assert (text_date["networks_searched"], text_date["redacted"]) == (4, ["reason"])
    assert rejects(store)["Audit!6"].startswith('Date/Time: expected a timestamp in the form')


@pytest.mark.parametrize("ident", ['"Audit ID"', '"audit id "', '"record_id"'])
def test_id_deduplicates_overlapping_files(store: Store, tmp_path: Path, ident: str) -> None:
    # the id names a column (compared loosely) or a field of the mapping
    def rec(i: int) -> list[str]:
        return [f"A-{i}", f"03/0{i}/2025 9:00 AM", "jdoe", "stolen", "", "1", "no", ""]

    imp = importer(tmp_path, SEARCH_MAPPING.replace('\nid = "Audit ID"', f"\nid = {ident}"))
    first = write_csv(tmp_path / "jan.csv", HEADER, [rec(i) for i in (1, 2, 3, 4)])
    second = write_csv(tmp_path / "feb.csv", HEADER, [rec(i) for i in (3, 4, 5, 6)])
    assert accounting(ingest_file(store, first, agency="Mapleton CA PD", importers=[imp])) == (4, 4, 0, 0)
    assert accounting(ingest_file(store, second, agency="Mapleton CA PD", importers=[imp])) == (4, 2, 0, 2)
    ids = [r["record_id"] for r in store.query("SELECT record_id FROM searches ORDER BY 1")]
    assert ids == ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"]


NO_ID_MAPPING = """
name = "no-id"
table = "searches"
zone = "America/Chicago"
timestamp_format = "%m/%d/%Y %H:%M"

[fields]
searched_at = "When"
user_ref = "User"
reason = "Reason"
"""


def test_without_id_same_rows_in_one_file_stay_but_overlaps_across_files_go(
        store: Store, tmp_path: Path) -> None:
    imp = importer(tmp_path, NO_ID_MAPPING)
    same = ["03/01/2025 10:00", "jdoe", "stolen"]  # two searches in the same minute
    first = write_csv(tmp_path / "a.csv", ["When", "User", "Reason"],
                      [same, same, ["03/02/2025 10:00", "jdoe", "theft"]])
    assert accounting(ingest_file(store, first, importers=[imp])) == (3, 3, 0, 0)
    # the overlapping re-release as a workbook: Excel dates, converted values match the CSV
    second = write_xlsx(tmp_path / "b.xlsx", {"Sheet1": [
        ["When", "User", "Reason"],
        [dt.datetime(2025, 3, 1, 10, 0), "jdoe", "stolen"],
        [dt.datetime(2025, 3, 1, 10, 0), "jdoe", "stolen"],
        [dt.datetime(2025, 3, 2, 10, 0), "jdoe", "theft"],
        [dt.datetime(2025, 3, 3, 10, 0), "jdoe", "burglary"],
    ]})
    assert accounting(ingest_file(store, second, importers=[imp])) == (4, 1, 0, 3)
    got = store.query("SELECT searched_at, occurrence FROM searches ORDER BY 1, 2")
    assert [(g["searched_at"], g["occurrence"]) for g in got] == [
        (dt.datetime(2025, 3, 1, 16, 0), 1), (dt.datetime(2025, 3, 1, 16, 0), 2),
        (dt.datetime(2025, 3, 2, 16, 0), 1), (dt.datetime(2025, 3, 3, 16, 0), 1)]


def test_explicit_key_columns(store: Store, tmp_path: Path) -> None:
    # the reason is edited between releases; the key says a record is its time and user
    # (a key entry is a column as headed in the file, or a field name of the mapping)
    imp = importer(tmp_path, NO_ID_MAPPING.replace("[fields]", 'key = ["When", "user_ref"]\n[fields]'))
    a = write_csv(tmp_path / "a.csv", ["When", "User", "Reason"], [["03/01/2025 10:00", "jdoe", "stolen"]])
    b = write_csv(tmp_path / "b.csv", ["When", "User", "Reason"],
                  [["03/01/2025 10:00", "jdoe", "stolen vehicle 25-001"], ["03/01/2025 10:00", "asmith", "x"]])
    assert accounting(ingest_file(store, a, importers=[imp])) == (1, 1, 0, 0)
    assert accounting(ingest_file(store, b, importers=[imp])) == (2, 1, 0, 1)


def test_filter_joined_columns_and_optional_columns(store: Store, tmp_path: Path) -> None:
    text = """
name = "joined"
table = "searches"
timestamp_format = "%Y-%m-%d %H:%M:%S"
zone = "Europe/Berlin"
[filter]
column = "Activity"
values = ["Report generated"]
[fields]
searched_at = { join = ["Date", "Time"] }
user_ref = "User"
case_number = { column = ["Case", "Case #"], optional = true }
"""
    path = write_csv(tmp_path / "trail.csv", ["Activity", "Date", "Time", "User"], [
        ["Report generated", "2025-03-30", "01:30:00", "jdoe"],  # before the EU change: UTC+1
        ["User logged on", "2025-03-30", "01:31:00", "jdoe"],
        ["report GENERATED", "2025-03-30", "03:30:00", "jdoe"],  # after: UTC+2
        ["Report generated", "2025-03-30", "", "jdoe"],
    ])
    r = ingest_file(store, path, importers=[importer(tmp_path, text)])
    assert accounting(r) == (4, 2, 2, 0)
    got = [x["searched_at"] for x in store.query("SELECT searched_at FROM searches ORDER BY 1")]
    assert got == [dt.datetime(2025, 3, 30, 0, 30), dt.datetime(2025, 3, 30, 1, 30)]
    assert rejects(store) == {
        "row 3": 'Activity "User logged on": not a record the mapping joined reads '
                 "(it reads Report generated)",
        "row 5": 'Date + Time: expected a timestamp in the form %Y-%m-%d %H:%M:%S, '
                 'found "2025-03-30"',
    }


SHARING_MAPPING = """
name = "boss-sharing"
table = "sharing"
publisher = "Mapleton CA PD"
separator = "|"
true_values = ["enabled"]
false_values = ["disabled"]

[fields]
partner_name_raw = "Partner Agency"
observed_on = { column = "As Of", format = "%d.%m.%Y" }
search_enabled = "Remote Query"
camera_count = "Cameras"
hotlists = "Hot Lists"

[constants]
direction = "out"
data_kind = "detections"
status = "active"
"""


def test_other_tables_sharing_with_dates_booleans_lists(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sharing.csv",
                     ["Partner Agency", "As Of", "Remote Query", "Cameras", "Hot Lists"], [
        ["Riverton CA PD", "01.03.2025", "Enabled", "42", "SVS | Amber ||"],
        ["Federal Bureau of Investigation", "01.03.2025", "disabled", "", ""],
        ["Lakeside County Sheriff", "2025/03/01", "yes", "x", "SVS"],
    ])
    r = ingest_file(store, path, importers=[importer(tmp_path, SHARING_MAPPING)])
    assert (r.format, r.log_kind, r.publisher_agency_id) == (
        "mapped:boss-sharing", "boss-sharing", "mapleton-ca-pd")
    assert accounting(r) == (3, 2, 1, 0)
    rows = rows_by_locator(store, "sharing")
    first = rows["row 2"]
    assert (first["partner_name_raw"], first["direction"], first["data_kind"]) == (
        "Riverton CA PD", "out", "detections")
    assert first["partner_agency_id"] is not None
    assert (first["observed_on"], first["search_enabled"], first["camera_count"]) == (
        dt.date(2025, 3, 1), True, 42)
    assert first["hotlists"] == ["SVS", "Amber"]
    assert (rows["row 3"]["search_enabled"], rows["row 3"]["hotlists"]) == (False, None)
    reason = rejects(store)["row 4"]
    assert reason.startswith('As Of: expected a date in the form %d.%m.%Y, found "2025/03/01"')
    assert 'Remote Query: expected one of enabled, disabled, found "yes"' in reason
    assert 'Cameras: expected a whole number, found "x"' in reason


def test_external_access_counts_and_the_lead_s_ingest_paths_call(store: Store, tmp_path: Path) -> None:
    text = """
name = "eoc-remote-queries"
table = "external_access_counts"
timestamp_format = "%Y-%m-%d"
[fields]
period_start = "From"
period_end = "To"
accesses = "Remote Queries"
"""
    mapping = mapping_file(tmp_path, text, "eoc.toml")
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "q1.csv", ["From", "To", "Remote Queries"],
              [["2025-01-01", "2025-03-31", "1,204"], ["2025-04-01", "2025-06-30", "n/a"]])
    (folder / "notes.txt").write_text("not a table\n")
    results = ingest_paths(store, [folder], agency="Mapleton CA PD",
                           importers=[MappedImporter(load_mapping(mapping))])
    by_name = {Path(x.path).name: x for x in results}
    assert accounting(by_name["q1.csv"]) == (2, 2, 0, 0)
    assert by_name["notes.txt"].status == "failed"
    got = store.query("SELECT agency_id, period_start, accesses FROM external_access_counts ORDER BY 2")
    assert got == [
        {"agency_id": "mapleton-ca-pd", "period_start": dt.datetime(2025, 1, 1), "accesses": 1204},
        {"agency_id": "mapleton-ca-pd", "period_start": dt.datetime(2025, 4, 1), "accesses": None},
    ]


def test_ragged_csv_rows_are_rejected_not_lost(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("When,User,Reason\n03/01/2025 10:00,jdoe,stolen\n03/01/2025 11:00,jdoe\n"
                    '03/01/2025 12:00,"asmith",theft,extra\n03/01/2025 13:00,bob,x\n')
    r = ingest_file(store, path, importers=[importer(tmp_path, NO_ID_MAPPING)])
    assert accounting(r) == (4, 2, 2, 0)
    assert set(rejects(store).values()) == {"expected 3 cells, found 2", "expected 3 cells, found 4"}


# --- mapping errors ---------------------------------------------------------------------


def load_error(tmp_path: Path, text: str) -> IngestError:
    path = mapping_file(tmp_path, text, "broken.toml")
    with pytest.raises(IngestError) as info:
        load_mapping(path)
    err = info.value
    assert err.path == str(path.resolve())
    assert err.message.startswith("mapping broken.toml: ")
    return err


@pytest.mark.parametrize(("text", "locator", "message", "hint"), [
    ('table = "serches"\n[fields]\nsearched_at = "t"\n', "table", "unknown table 'serches'",
     "did you mean 'searches'?"),
    ('[fields]\nsearched_at = "t"\n', "table", "names no target table", "searches"),
    ('table = "searches"\n[fields]\nsearched_at = "t"\nreasons = "r"\n', "fields.reasons",
     "searches has no column 'reasons'", "did you mean 'reason'?"),
    ('table = "searches"\nzone = "America/Los Angeles"\n[fields]\nsearched_at = "t"\n', "zone",
     "unknown time zone 'America/Los Angeles'", "America/Los_Angeles"),
    ('table = "searches"\nname = "x"\n[fields\nsearched_at = "t"\n', "line 3, column 8",
     "not valid TOML", "docs/mapped-import.md"),
    ('table = "searches"\ntimestamp_format = "%m/%d/%Y %Q"\n[fields]\nsearched_at = "t"\n',
     "timestamp_format", "is not a strptime format", "%Y"),
    ('table = "searches"\ntimestamp_format = ["%Y-%m-%d", "monday"]\n[fields]\nsearched_at = "t"\n',
     "timestamp_format[1]", "has no % directives", "%m/%d/%Y"),
    ('table = "searches"\n[fields]\nuser_ref = "u"\n', "fields", "must map searched_at",
     "searched_at ="),
    ('table = "searches"\n[fields]\nsearched_at = "t"\nsource_id = "s"\n', "fields.source_id",
     "source_id cannot be mapped", "pipeline"),
    ('table = "searches"\n[fields]\nsearched_at = "t"\nsearcher_agency_id = "a"\n',
     "fields.searcher_agency_id", "cannot be mapped", "searcher_name_raw"),
    ('table = "searches"\n[fields]\nsearched_at = "t"\n[constants]\nnetworks_searched = "3"\n',
     "constants.networks_searched", "must be a BIGINT value", "42"),
    ('table = "searches"\nkey = ["t"]\nid = "ID"\n[fields]\nsearched_at = "t"\n', "key",
     "does not include the id", "add the id"),
    ('table = "searches"\nzones = "UTC"\n[fields]\nsearched_at = "t"\n', "zones",
     "unknown key 'zones'", "did you mean 'zone'?"),
    ('table = "searches"\n[fields]\nsearched_at = { colum = "t" }\n', "fields.searched_at.colum",
     "unknown key", "did you mean 'column'?"),
    ('table = "sharing"\n[fields]\nobserved_on = { column = "d", format = "%Y-%m-%d%z" }\n',
     "fields.observed_on.format", "cannot hold a zone", "TIMESTAMP"),
    ('table = "searches"\n[fields]\nsearched_at = "t"\nlog_kind = "k"\n', "fields.log_kind",
     "log_kind is not read from a column", "[constants]"),
    ('table = "users"\n[fields]\nuser_ref = "u"\nagency_id = "a"\n', "fields.agency_id",
     "cannot be mapped", "--agency"),
])
def test_mapping_errors_name_file_key_and_fix(tmp_path: Path, text: str, locator: str,
                                               message: str, hint: str) -> None:
    err = load_error(tmp_path, text)
    assert err.locator == locator
    assert message in err.message
    assert err.hint is not None and hint in err.hint


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such mapping file"):
        load_mapping(tmp_path / "nope.toml")


def test_file_missing_a_mapped_column_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    header = ["Audit ID", "Date/Time", "User", "Reason", "Plate", "Networks"]  # no From Car
    path = write_csv(tmp_path / "short.csv", header, [["A-1", "03/09/2025 1:30 AM", "u", "r", "", "1"]])
    mapping = mapping_file(tmp_path, SEARCH_MAPPING)
    with pytest.raises(IngestError) as info:
        ingest_file(store, path, importers=[MappedImporter(load_mapping(mapping))])
    err = info.value
    assert "short.csv lacks column(s) the mapping map.toml needs: 'From Car'" in err.message
    assert (err.path, err.locator) == (str(path.resolve()), "line 1")
    assert "optional = true" in err.hint
    assert store.query("SELECT count(*) AS n FROM sources") == [{"n": 0}]  # no trace
    book = write_xlsx(tmp_path / "short.xlsx", {"Log": [["Exported 2025-03-10"], header]})
    with pytest.raises(IngestError, match="'From Car'") as info:
        ingest_file(store, book, importers=[MappedImporter(load_mapping(mapping))])
    assert info.value.locator == "Log!2"
    # through ingest_paths the file fails and the message reaches the result
    result = ingest_paths(store, [path], importers=[MappedImporter(load_mapping(mapping))])[0]
    assert result.status == "failed" and "'From Car'" in result.message


def test_an_unrelated_file_is_not_this_format(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "other.csv", ["Name", "State", "Type"], [["Riverton PD", "CA", "Police"]])
    with pytest.raises(UnknownFormatError, match="not a format alpr-audit reads"):
        ingest_file(store, path, importers=[importer(tmp_path)])


def test_sniff_never_raises(tmp_path: Path) -> None:
    from alpr_audit.ingest.base import Probe, SheetProbe

    imp = importer(tmp_path)
    assert imp.sniff(Probe(tmp_path / "x", "pdf")) is None
    assert imp.sniff(Probe(tmp_path / "x", "csv", sheets=[SheetProbe(None, [[None, 3]])])) is None  # type: ignore[list-item]


# --- the example mappings in docs/mappings ------------------------------------------------


def test_genetec_example_mapping_ingests_a_sample(store: Store, tmp_path: Path) -> None:
    mapping = load_mapping(DOCS / "genetec-activity-trail.toml")
    assert mapping.name == "genetec-activity-trail" and mapping.table == "searches"
    path = write_csv(tmp_path / "activity.csv",
                     ["Activity", "Initiator", "Initiator type", "Impacted entity", "Description",
                      "Application", "Event timestamp"], [
        ["Report generated", "jdoe", "User", "Reads", "stolen vehicle 25-00123", "Security Desk",
         "3/9/2025 1:30:15 AM"],
        ["User logged on", "jdoe", "User", "", "", "Security Desk", "3/9/2025 1:29:00 AM"],
        ["Report generated", "asmith", "User", "Hits", "REDACTED", "Security Desk",
         "3/10/2025 4:05:00 PM"],
    ])
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[MappedImporter(mapping)])
    assert (r.format, r.log_kind) == ("mapped:genetec-activity-trail", "genetec_activity")
    assert accounting(r) == (3, 2, 1, 0)
    rows = rows_by_locator(store)
    assert rows["row 2"]["searched_at"] == dt.datetime(2025, 3, 9, 9, 30, 15)
    assert (rows["row 2"]["reason"], rows["row 2"]["search_type"]) == ("stolen vehicle 25-00123", "Reads")
    assert rows["row 2"]["searcher_agency_id"] == "mapleton-ca-pd"
    assert rows["row 4"]["searched_at"] == dt.datetime(2025, 3, 10, 23, 5)
    assert rows["row 4"]["redacted"] == ["reason"]
    assert "not a record the mapping genetec-activity-trail reads" in rejects(store)["row 3"]


def test_rekor_example_mapping_ingests_a_sample(store: Store, tmp_path: Path) -> None:
    mapping = load_mapping(DOCS / "rekor-search-audit.toml")
    path = write_xlsx(tmp_path / "search-audit.xlsx", {"Search Audit": [
        ["Date/Time", "Username", "Organization", "Plate Number", "Search Type", "Search Reason",
         "Case #"],
        [dt.datetime(2025, 3, 9, 1, 30), "jdoe", "Mapleton CA PD", "7ABC123", "Plate", "stolen", "25-1"],
        ["2025-03-10T15:00:00Z", "fed1", "Federal Bureau of Investigation", "8XYZ*", "Partial",
         "immigration", None],
        ["03/11/2025 9:00", "jdoe", "Mapleton CA PD", "***", "Plate", "", ""],
    ]})
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[MappedImporter(mapping)])
    assert (r.format, r.log_kind) == ("mapped:rekor-search-audit", "rekor_search_audit")
    assert accounting(r) == (3, 3, 0, 0)
    rows = rows_by_locator(store)
    assert rows["Search Audit!2"]["searched_at"] == dt.datetime(2025, 3, 9, 6, 30)  # EST
    assert rows["Search Audit!3"]["searched_at"] == dt.datetime(2025, 3, 10, 15, 0)  # Z: UTC
    assert rows["Search Audit!4"]["searched_at"] == dt.datetime(2025, 3, 11, 13, 0)  # EDT
    assert rows["Search Audit!3"]["searcher_name_raw"] == "Federal Bureau of Investigation"
    assert rows["Search Audit!3"]["searcher_agency_id"] != rows["Search Audit!2"]["searcher_agency_id"]
    assert rows["Search Audit!4"]["redacted"] == ["plate_query"]


def test_the_full_example_in_mapped_import_md_loads_and_ingests(store: Store, tmp_path: Path) -> None:
    doc = (DOCS.parent / "mapped-import.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    imp = MappedImporter(load_mapping(mapping_file(tmp_path, example, "boss.toml")))
    assert imp.format_id == "mapped:boss-remote-queries"
    header = ["Event", "Query ID", "Query Time", "User Name", "Plate", "Reason", "From Date",
              "From Time", "To Date", "To Time", "Systems Queried"]
    path = write_csv(tmp_path / "boss.csv", header, [
        ["Remote query", "Q1", "03/09/2025 01:30:00 AM", "jdoe", "7ABC123", "stolen",
         "03/01/2025", "08:00", "03/02/2025", "20:00", "3"],
        ["Login", "Q2", "03/09/2025 01:31:00 AM", "jdoe", "", "", "", "", "", "", ""],
        ["plate search", "Q1", "03/09/2025 01:30:00 AM", "jdoe", "7ABC123", "stolen",
         "03/01/2025", "08:00", "03/02/2025", "20:00", "3"],
    ])
    r = ingest_file(store, path, importers=[imp])
    assert (r.publisher_agency_id, r.log_kind) == ("mapleton-ca-pd", "boss_remote_query")
    assert accounting(r) == (3, 1, 1, 1)  # Login is not a query; Q1 repeats its id
    got = store.query("SELECT searched_at, time_frame_start, time_frame_end, search_type FROM searches")
    assert got == [{"searched_at": dt.datetime(2025, 3, 9, 9, 30),
                    "time_frame_start": dt.datetime(2025, 3, 1, 16, 0),
                    "time_frame_end": dt.datetime(2025, 3, 3, 4, 0), "search_type": "remote_query"}]


def test_users_table_lists_dates_and_redacted(store: Store, tmp_path: Path) -> None:
    text = """
name = "elsag-users"
table = "users"
timestamp_format = "%m/%d/%Y %H:%M"
zone = "America/New_York"
date_format = "%m/%d/%Y"
[fields]
user_ref = "Login"
display_name = "Name"
permissions = { column = "Rights", separator = "," }
last_login = "Last Login"
training_on = "Trained"
[constants]
role = "operator"
"""
    path = write_xlsx(tmp_path / "users.xlsx", {"Users": [
        ["Login", "Name", "Rights", "Last Login", "Trained"],
        ["jdoe", "REDACTED", "query, hotlist ,", "01/15/2025 08:00", dt.datetime(2024, 6, 1)],
        ["asmith", "A. Smith", "", "", "06/31/2024"],
    ]})
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[importer(tmp_path, text)])
    assert accounting(r) == (2, 1, 1, 0)
    got = store.query("SELECT agency_id, user_ref, display_name, permissions, last_login, "
                      "training_on, role, redacted FROM users")
    assert got == [{"agency_id": "mapleton-ca-pd", "user_ref": "jdoe", "display_name": None,
                    "permissions": ["query", "hotlist"], "last_login": dt.datetime(2025, 1, 15, 13, 0),
                    "training_on": dt.date(2024, 6, 1), "role": "operator",
                    "redacted": ["display_name"]}]
    assert rejects(store) == {"Users!3": 'Trained: expected a date in the form %m/%d/%Y, found "06/31/2024"'}
