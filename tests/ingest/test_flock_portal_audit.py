"""Flock transparency-portal search-audit CSV: the Eugene release, header variants, overlaps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv


def test_eugene_release_loads_every_row_with_utc_times(store: Store) -> None:
    path = fixture_file("flock/eugene-or-pd_portal-search-audit_2025.csv")
    r = ingest_file(store, path, agency="EUGENE OR PD")
    assert (r.format, r.log_kind, r.status) == ("flock_portal_audit", "portal_audit", "ingested")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (4294, 4294, 0, 0)
    got = store.query("""SELECT count(*) AS n, count(DISTINCT user_ref) AS users,
        min(searched_at) AS first, max(searched_at) AS last FROM searches""")[0]
    assert got["n"] == 4294 and got["users"] == 147
    assert got["first"] == dt.datetime(2025, 6, 18, 0, 2, 4, 789000)
    assert got["last"].date() == dt.date(2025, 12, 2)
    # the portal lists the agency's own users' searches
    assert store.query("SELECT DISTINCT searcher_agency_id FROM searches") == [
        {"searcher_agency_id": "eugene-or-pd"}]


@pytest.mark.parametrize(("header", "values"), [
    (["id", "userId", "searchDate", "cameraCount", "reason"],
     ["u1", "abc", "2025-06-18 00:02:04.789", "2510", "investigation"]),
    (["id", "userId", "searchDate", "networkCount", "reason"],
     ["u1", "abc", "2025-06-18 00:02:04.789", "31", "investigation"]),
    (["id", "userId", "searchDate", "networkCount", "offenseType"],
     ["u1", "***", "2026-03-10T04:31:52.901Z", "31", "Burglary"]),
    (["id", "userId", "searchDate", "networkCount", "caseNumber", "offenseType"],
     ["u1", "***", "2026-03-10T04:31:52.901Z", "31", "26-0001", "Burglary"]),
    (["id", "userId", "searchDate", "networkCount"],
     ["u1", "***", "2026-03-10T04:31:52.901Z", "31"]),
    (["id", "userId", "searchDate", "networkCount", "reason", "caseNumber", "offenseType"],
     ["u1", "***", "2026-03-10T04:31:52.901Z", "31", "theft", "26-1", "Theft"]),
    (["id", "userId", "searchDate", "networkCount", "caseNumber"],
     ["u1", "***", "2026-03-10T04:31:52.901Z", "31", "26-1"]),
    (["id", "userId", "searchDate", "networkCount", "reason", "caseNumber"],
     ["u1", "***", "2026-03-10T04:31:52.901Z", "31", "theft", "26-1"]),
    (["id", "searchDate", "networkCount", "offenseType"],
     ["u1", "2026-03-10T04:31:52.901Z", "31", "Burglary"]),
])
def test_every_header_variant_is_read(store: Store, tmp_path: Path, header, values) -> None:
    r = ingest_file(store, write_csv(tmp_path / "search_audit.csv", header, [values]))
    assert (r.format, r.rows_loaded, r.rows_rejected) == ("flock_portal_audit", 1, 0)
    got = store.query("SELECT * FROM searches")[0]
    assert got["record_id"] == "u1"
    assert got["searched_at"] in (dt.datetime(2025, 6, 18, 0, 2, 4, 789000),
                                  dt.datetime(2026, 3, 10, 4, 31, 52, 901000))
    if "userId" in header and values[1] == "***":
        assert got["user_ref"] is None and "user_ref" in got["redacted"]


def test_overlapping_downloads_are_deduplicated_by_id(store: Store, tmp_path: Path) -> None:
    header = ["id", "userId", "searchDate", "networkCount", "reason"]
    def rec(i: int) -> list[str]:
        return [f"id-{i}", "***", f"2026-03-{i:02d}T04:31:52.901Z", "3", "inv"]
    first = write_csv(tmp_path / "a.csv", header, [rec(i) for i in range(1, 21)])
    second = write_csv(tmp_path / "b.csv", header, [rec(i) for i in range(11, 31)])
    results = ingest_paths(store, [first, second])
    assert [(r.rows_loaded, r.rows_duplicate) for r in results] == [(20, 0), (10, 10)]
    assert store.query("SELECT count(*) AS n FROM searches")[0]["n"] == 30


def test_a_portal_csv_without_count_columns_is_read(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", ["id", "userId", "searchDate", "reason"],
                     [["a", "***", "2026-03-10T04:31:52.901Z", "theft"]])
    r = ingest_file(store, path)
    assert (r.format, r.rows_loaded, r.rows_rejected) == ("flock_portal_audit", 1, 0)
