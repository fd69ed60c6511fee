"""Flock Organization/Network Audit importer: real sample, header variants, quirks, rejects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv

HEADER = ["ID", "Name", "Org Name", "Total Networks Searched", "Time Frame", "License Plate",
          "Reason", "Case #", "Filters", "Search Time", "Search Type"]


def row(i: int, *, when: str = "05/01/2025, 09:11:16 AM UTC", org: str = "Mapleton CA PD",
        reason: str = "stolen vehicle", rid: str | None = None) -> list[str]:
    return [rid or f"id-{i}", "***", org, "12",
            "05/01/2025, 08:00:00 AM UTC\n05/01/2025, 09:00:00 AM UTC", "***", reason, "",
            "", when, "search"]


def by_locator(store: Store) -> dict[str, dict]:
    return {r["locator"]: r for r in store.query("SELECT * FROM searches")}


def test_constructed_sample_loads_six_of_seven_with_one_exact_duplicate(store: Store) -> None:
    path = fixture_file("flock/constructed_network-audit_sample.csv")
    r = ingest_file(store, path)
    assert (r.status, r.format, r.log_kind) == ("ingested", "flock_audit", "network_audit")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (7, 6, 0, 1)
    rows = by_locator(store)
    assert "row 7" not in rows  # the second copy of a1f0c2de-0005 (record 6, row 7)
    two_line = rows["row 2"]
    assert two_line["time_frame_start"] == dt.datetime(2025, 5, 1, 8, 0)
    assert two_line["time_frame_end"] == dt.datetime(2025, 5, 1, 9, 0)
    one_line = rows["row 6"]
    assert one_line["time_frame_start"] == dt.datetime(2025, 5, 12, 10, 0)
    assert one_line["time_frame_end"] == dt.datetime(2025, 5, 12, 11, 0)
    # redacted name, plate, reason and case are a state of their own: not a value, not empty
    assert one_line["reason"] is None and one_line["user_ref"] is None
    assert set(one_line["redacted"]) == {"user_ref", "plate_query", "reason", "case_number"}
    empty_reason = rows["row 8"]
    assert empty_reason["reason"] is None and "reason" not in empty_reason["redacted"]
    unpadded = rows["row 3"]
    assert unpadded["searched_at"] == dt.datetime(2025, 4, 9, 13, 6, 41)
    assert unpadded["plate_query"] == "7ABC*23"  # a wildcard, not a redaction
    assert unpadded["devices_searched"] is None  # '——' is empty
    mobile = rows["row 5"]
    assert (mobile["search_type"], mobile["mobile"]) == ("visual", True)
    assert rows["row 4"]["reason"] == "ICE+ERO"


def test_header_names_with_stray_spaces_and_case_are_recognised(store: Store, tmp_path: Path) -> None:
    header = [f"  {h.upper()} " for h in HEADER]
    path = write_csv(tmp_path / "a.csv", header, [row(1), row(2, org="Other TX SO")])
    r = ingest_file(store, path)
    assert (r.format, r.rows_loaded, r.rows_rejected) == ("flock_audit", 2, 0)


def test_split_search_date_and_time_columns(store: Store, tmp_path: Path) -> None:
    header = HEADER[:9] + ["Search Date", "Search Time", "Search Type"]
    rows = [r[:9] + ["01/31/2022", "11:26:24 PM UTC", "lookup"] for r in (row(1), row(2))]
    r = ingest_file(store, write_csv(tmp_path / "split.csv", header, rows))
    assert r.rows_loaded == 2
    got = store.query("SELECT DISTINCT searched_at FROM searches")
    assert got == [{"searched_at": dt.datetime(2022, 1, 31, 23, 26, 24)}]


def test_newer_columns_devices_offense_type_and_no_moderation(store: Store, tmp_path: Path) -> None:
    header = ["ID", "Name", "Org Name", "Total Networks Searched", "Total Devices Searched",
              "Time Frame", "License Plate", "Reason", "Case #", "Filters", "Search Time",
              "Search Type", "Offense Type"]
    base = row(1)
    rec = base[:4] + ["1,024"] + base[4:] + ["Burglary"]
    r = ingest_file(store, write_csv(tmp_path / "new.csv", header, [rec]))
    assert r.rows_loaded == 1
    got = store.query("SELECT devices_searched, offense_type FROM searches")[0]
    assert got == {"devices_searched": 1024, "offense_type": "Burglary"}


def test_bad_cells_are_rejected_with_place_raw_text_and_reason(store: Store, tmp_path: Path) -> None:
    bad_time = row(2, when="31/02/2025, 25:61:00 XM UTC")
    bad_number = row(3)
    bad_number[3] = "twelve"
    bad_frame = row(4)
    bad_frame[4] = "last week"
    path = write_csv(tmp_path / "bad.csv", HEADER, [row(1), bad_time, bad_number, bad_frame, row(5)])
    r = ingest_file(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (5, 2, 3, 0)
    rejects = {x["locator"]: x for x in store.query("SELECT * FROM rejects")}
    assert set(rejects) == {"row 3", "row 4", "row 5"}
    assert "Search Time: expected a timestamp" in rejects["row 3"]["reason"]
    assert "31/02/2025" in rejects["row 3"]["raw"]
    assert "Total Networks Searched: expected a whole number" in rejects["row 4"]["reason"]
    assert "Time Frame" in rejects["row 5"]["reason"] and "last week" in rejects["row 5"]["raw"]
    assert {x["locator"] for x in store.query("SELECT locator FROM searches")} == {"row 2", "row 6"}


def test_redacted_search_time_is_rejected_not_dropped(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", HEADER, [row(1, when="REDACTED"), row(2)])
    r = ingest_file(store, path)
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    assert "redacted" in store.query("SELECT reason FROM rejects")[0]["reason"]


def test_ragged_rows_go_through_the_python_reader_and_are_rejected(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ragged.csv", HEADER, [row(1), row(2)])
    with path.open("a", encoding="utf-8") as fh:
        fh.write('"id-3","***","Mapleton CA PD"\n')  # three cells instead of eleven
    write_rows = [row(4)]
    with path.open("a", encoding="utf-8", newline="") as fh:
        import csv

        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(write_rows)
    r = ingest_file(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 3, 1)
    rej = store.query("SELECT * FROM rejects")[0]
    assert rej["locator"].startswith("row 4") and "expected 11 cells, found 3" in rej["reason"]
    assert rej["raw"] == "id-3,***,Mapleton CA PD"
    # locators of the good rows still count records (the two-line time frames included)
    assert sorted(x["locator"] for x in store.query("SELECT locator FROM searches")) == [
        "row 2 (line 2)", "row 3 (line 4)", "row 5 (line 7)"]


def test_windows_1252_text_is_read(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    lines = [",".join(HEADER)]
    rec = row(1)
    rec[1] = "Peña, J"
    lines.append(",".join('"' + c + '"' for c in rec))
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    r = ingest_file(store, path)
    assert r.rows_loaded == 1
    assert store.query("SELECT user_ref FROM searches")[0]["user_ref"] == "Peña, J"


def test_repeated_ids_with_different_times_are_distinct_searches(store: Store, tmp_path: Path) -> None:
    rows = [row(1, rid="same"), row(2, rid="same", when="05/02/2025, 09:11:16 AM UTC")]
    r = ingest_file(store, write_csv(tmp_path / "ids.csv", HEADER, rows))
    assert (r.rows_loaded, r.rows_duplicate) == (2, 0)


def test_id_less_identical_rows_are_two_searches_but_overlap_deduplicates(store: Store, tmp_path: Path) -> None:
    header = HEADER[1:]
    same = row(1)[1:]
    other = row(2, when="05/03/2025, 10:00:00 AM UTC")[1:]
    first = write_csv(tmp_path / "m1.csv", header, [same, same, other])
    r1 = ingest_file(store, first)
    assert (r1.rows_loaded, r1.rows_duplicate) == (3, 0)
    later = row(3, when="05/04/2025, 10:00:00 AM UTC")[1:]
    second = write_csv(tmp_path / "m2.csv", header, [same, same, same, later])
    r2 = ingest_file(store, second)
    # the first two copies were already stored; the third copy is a new search
    assert (r2.rows_read, r2.rows_loaded, r2.rows_duplicate) == (4, 2, 2)


def test_monthly_files_overlapping_by_a_day_are_deduplicated(store: Store, tmp_path: Path) -> None:
    jan = [row(i, when=f"01/{d:02d}/2025, 10:00:00 AM UTC") for i, d in enumerate(range(1, 32))]
    feb = [row(i, when="01/31/2025, 10:00:00 AM UTC") for i in (30,)] + [
        row(100 + d, when=f"02/{d:02d}/2025, 10:00:00 AM UTC") for d in range(1, 10)]
    results = ingest_paths(store, [write_csv(tmp_path / "jan.csv", HEADER, jan),
                                   write_csv(tmp_path / "feb.csv", HEADER, feb)])
    assert [(r.rows_loaded, r.rows_duplicate) for r in results] == [(31, 0), (9, 1)]


def test_organisation_audit_names_its_publisher(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", HEADER, [row(1), row(2)])
    r = ingest_file(store, path)
    assert (r.log_kind, r.publisher_agency_id) == ("org_audit", "mapleton-ca-pd")
    assert store.query("SELECT DISTINCT searcher_agency_id FROM searches") == [
        {"searcher_agency_id": "mapleton-ca-pd"}]


def test_agencies_registry_gets_state_from_flock_names(store: Store, tmp_path: Path) -> None:
    rows = [row(1, org="ALACHUA FL PD (FLEX)"), row(2, org="ALLEGAN COUNTY SO MI")]
    ingest_file(store, write_csv(tmp_path / "net.csv", HEADER, rows))
    got = {r["agency_id"]: (r["state"], r["level"]) for r in store.query("SELECT * FROM agencies")}
    assert got == {"alachua-fl-pd": ("FL", "local"), "allegan-county-mi-so": ("MI", "county")}


def _workbook(path: Path, sheets: dict[str, list[list[object]]], datetime_col: int | None = None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "mm/dd/yyyy hh:mm:ss"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, values in enumerate(rows):
            for c, v in enumerate(values):
                if isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, date_fmt)
                else:
                    ws.write(r, c, v)
    wb.close()
    return path


def test_workbook_with_a_sheet_per_month_excel_types_and_blank_tail(store: Store, tmp_path: Path) -> None:
    jan = [HEADER, row(1)[:6] + [211] + row(1)[7:], row(2)] + [[""] * 3] * 5
    feb_row = row(3)
    feb_row[9] = dt.datetime(2025, 2, 3, 4, 5, 6)  # a real Excel date cell
    feb_row[3] = 12.0  # a number cell
    path = _workbook(tmp_path / "audit.xlsx", {"Jan 2025": jan, "Feb 2025": [HEADER, feb_row]})
    r = ingest_file(store, path)
    assert (r.format, r.rows_read, r.rows_loaded, r.rows_rejected) == ("flock_audit", 3, 3, 0)
    rows = by_locator(store)
    assert set(rows) == {"Jan 2025!2", "Jan 2025!3", "Feb 2025!2"}
    assert rows["Jan 2025!2"]["reason"] == "211"  # Excel's number turned back into the text typed
    assert rows["Feb 2025!2"]["searched_at"] == dt.datetime(2025, 2, 3, 4, 5, 6)
    assert rows["Feb 2025!2"]["networks_searched"] == 12


def test_header_less_sheet_is_matched_to_the_default_column_order(store: Store, tmp_path: Path) -> None:
    full = ["ID", "Name", "Org Name", "Total Networks Searched", "Total Devices Searched",
            "Time Frame", "License Plate", "Reason", "Case #", "Filters", "Search Time",
            "Search Type", "Text Prompt", "Moderation"]
    recs = []
    for i in range(3):
        b = row(i)
        recs.append(b[:4] + ["40"] + b[4:] + ["", ""])
    assert len(recs[0]) == len(full)
    path = _workbook(tmp_path / "noheader.xlsx", {"Sheet1": recs})
    r = ingest_file(store, path)
    assert (r.rows_loaded, r.rows_rejected) == (3, 0)
    got = store.query("SELECT DISTINCT devices_searched, reason, search_type FROM searches")
    assert got == [{"devices_searched": 40, "reason": "stolen vehicle", "search_type": "search"}]
    assert {x["locator"] for x in store.query("SELECT locator FROM searches")} == {
        "Sheet1!1", "Sheet1!2", "Sheet1!3"}


def test_sheet_of_another_kind_is_named_in_the_message(store: Store, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "mixed.xlsx", {"Audit": [HEADER, row(1)],
                                                "Notes": [["Prepared by the records unit"]]})
    r = ingest_file(store, path)
    assert r.rows_loaded == 1 and "Notes" in r.message


def test_workbook_locators_count_rows_above_the_data(store: Store, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "offset.xlsx", {"May": [[""], [""], HEADER, row(1)]})
    ingest_file(store, path)
    assert store.query("SELECT locator FROM searches") == [{"locator": "May!4"}]


def test_title_rows_above_a_header_less_sheet_are_not_records(store: Store, tmp_path: Path) -> None:
    recs = [["Audit log May 2025"]] + [row(i) for i in range(3)]
    path = _workbook(tmp_path / "titled.xlsx", {"May": recs})
    r = ingest_file(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (3, 3, 0)


def test_header_less_sheet_of_a_release_with_an_empty_trailing_column(store: Store, tmp_path: Path) -> None:
    # the Oct 2025 release: ... Search Type, Text Prompt (Moderation gone); Text Prompt empty
    recs = [row(i)[:1] + row(i)[1:] + [""] for i in range(3)]
    recs[0][-1] = ""
    path = _workbook(tmp_path / "oct.xlsx", {"Oct": recs})
    r = ingest_file(store, path)
    assert (r.format, r.rows_loaded) == ("flock_audit", 3)


def test_a_line_of_bare_commas_is_a_blank_row_in_both_readers(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "commas.csv", HEADER, [row(1)])
    with path.open("a") as fh:
        fh.write(",,,,,,,,,,\n")
    write = path.read_text() + "\n".join(['"' + '","'.join(row(2)) + '"']) + "\n"
    path.write_text(write)
    r = ingest_file(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (2, 2, 0)
    assert sorted(x["locator"] for x in store.query("SELECT locator FROM searches")) == ["row 2", "row 3"]


def test_redacted_split_date_and_time_say_redacted(store: Store, tmp_path: Path) -> None:
    header = HEADER[:9] + ["Search Date", "Search Time", "Search Type"]
    rec = row(1)[:9] + ["REDACTED", "REDACTED", "lookup"]
    ingest_file(store, write_csv(tmp_path / "s.csv", header, [rec]))
    assert "is redacted" in store.query("SELECT reason FROM rejects")[0]["reason"]


def test_log_kind_is_stored_on_every_row(store: Store, tmp_path: Path) -> None:
    ingest_file(store, fixture_file("flock/constructed_network-audit_sample.csv"))
    assert store.query("SELECT DISTINCT log_kind FROM searches") == [{"log_kind": "network_audit"}]
