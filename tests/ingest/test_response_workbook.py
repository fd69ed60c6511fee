"""Agency response workbook importer: every synthetic variant ingests with the manifest's
counts; item values (period, B1/B2, Excel-coerced reasons); missing sheets; broken sheets;
and the sniff keeps apart from Flock audit logs and user lists."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest import registry
from alpr_audit.ingest.base import StageResult
from alpr_audit.ingest.formats.generic.response_workbook import ResponseWorkbookImporter
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.ingest.probe import probe_file
from alpr_audit.store import Store
from alpr_audit.synth.flock import write_audit_csv, write_audit_xlsx
from alpr_audit.synth.response_workbook import VARIANTS, write_response_workbook
from fixturekit import fixture_file

ROWS = 3000


class Capturing(ResponseWorkbookImporter):
    """The importer, keeping its StageResult so tests can read ``details``."""

    result: StageResult | None = None

    def stage(self, ctx):  # type: ignore[no-untyped-def]
        self.result = super().stage(ctx)
        return self.result


def make_book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook whose cells keep their Python types (float → number, datetime → date)."""
    wb = xlsxwriter.Workbook(str(path))
    fmt = wb.add_format({"num_format": "m/d/yyyy h:mm"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, fmt)
                elif v is not None:
                    ws.write_string(r, c, v)
    wb.close()
    return path


def table_counts(store: Store) -> dict[str, dict[str, int]]:
    details = json.loads(store.query("SELECT details FROM sources")[0]["details"])
    return details["tables"]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    out = tmp_path_factory.mktemp("books")
    return {v: (out / f"{v}.xlsx", write_response_workbook(out / f"{v}.xlsx", variant=v,
                                                           audit_rows=ROWS, seed=11))
            for v in VARIANTS}


# --- every variant, exactly the manifest's counts ------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_ingests_with_the_manifest_counts(store: Store, books: dict, variant: str) -> None:
    path, m = books[variant]
    imp = Capturing()
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[imp])
    assert (r.status, r.format, r.log_kind) == ("ingested", "response_workbook", "response_workbook")
    got = table_counts(store)
    assert set(got) == set(m["expected"]) == set(imp.result.tables)  # absent sheets: absent tables
    for table, want in m["expected"].items():
        assert (got[table]["read"], got[table]["rejected"], got[table]["loaded"]) == (
            want["rows_read"], want["rows_rejected"], want["rows_loaded"]), table
        assert got[table]["duplicate"] == 0
    assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    assert r.rows_read == sum(w["rows_read"] for w in m["expected"].values())
    v = m["values"]
    search = store.query("SELECT min(searched_at) AS a, max(searched_at) AS b, count(*) AS n, "
                         "count(DISTINCT log_kind) AS k, any_value(log_kind) AS kind FROM searches")[0]
    assert (search["a"], search["b"]) == (dt.datetime.fromisoformat(v["first_search"]),
                                          dt.datetime.fromisoformat(v["last_search"]))
    assert (search["n"], search["k"], search["kind"]) == (ROWS - 3, 1, "response_workbook")
    again = ingest_file(store, path, agency="Mapleton CA PD", importers=[ResponseWorkbookImporter()])
    assert again.status == "already_ingested"


@pytest.mark.parametrize("variant", VARIANTS)
def test_b1_b2_period_and_sharing_values(store: Store, books: dict, variant: str) -> None:
    path, m = books[variant]
    ingest_file(store, path, agency="Mapleton CA PD", importers=[ResponseWorkbookImporter()])
    v = m["values"]
    (c,) = store.query("SELECT * FROM detection_counts")
    assert (c["detections"], c["hits"]) == (v["detections"], v["hits"])
    assert c["period_start"] == dt.datetime.fromisoformat(v["period_start"]) == dt.datetime(2019, 1, 1)
    assert c["period_end"] == dt.datetime.fromisoformat(v["period_end"])
    assert c["period_end"].date() == dt.date(2025, 2, 11)  # the stated day, included
    assert c["period_text"] == v["period_text"]
    assert "separate" in c["basis"] and c["total_records"] is None
    assert c["agency_id"] == "mapleton-ca-pd"
    per_item = {(r["direction"], r["data_kind"]): r["n"] for r in store.query(
        "SELECT direction, data_kind, count(*) AS n FROM sharing GROUP BY ALL")}
    items = {"A1": ("out", "detections"), "A2": ("in", "detections"), "A3": ("out", "hotlist"),
             "A4": ("in", "hotlist")}
    for item, s in v["sharing"].items():
        assert per_item.get(items[item], 0) == s["rows"], item
    status = {r["status"]: r["n"] for r in store.query(
        "SELECT status, count(*) AS n FROM sharing GROUP BY 1")}
    assert status.get("deactivated") == v["sharing"]["A1"]["deactivated"] == 1
    assert status.get("inactive") == v["sharing"]["A1"]["inactive"] == 1
    federal = store.query("SELECT count(*) AS n FROM sharing WHERE list_contains(flags, 'federal')")
    assert federal[0]["n"] == sum(s["federal"] for s in v["sharing"].values())
    observed = {r["observed_on"] for r in store.query("SELECT DISTINCT observed_on FROM sharing")}
    want = dt.date.fromisoformat(v["observed_on"]) if v["observed_on"] else None
    assert observed == {want}


def test_excel_coerced_reason_comes_back_as_text(store: Store, books: dict) -> None:
    path, m = books["standard"]
    ingest_file(store, path, agency="Mapleton CA PD", importers=[ResponseWorkbookImporter()])
    first = m["values"]["first_numeric_reason"]
    (row,) = store.query("SELECT reason, searched_at_raw, searcher_agency_id, publisher_agency_id "
                         "FROM searches WHERE locator = ?", [first["locator"]])
    assert row["reason"] == first["reason"] and not row["reason"].endswith(".0")
    assert row["searched_at_raw"]  # no zone in the workbook: the text is kept on every row
    assert row["searcher_agency_id"] == row["publisher_agency_id"] == "mapleton-ca-pd"
    numeric = store.query(
        "SELECT count(*) AS n FROM searches WHERE regexp_full_match(reason, '[0-9]+')")
    assert numeric[0]["n"] == m["values"]["numeric_reasons"]
    assert store.query("SELECT count(*) AS n FROM searches WHERE reason = '21-16030'")[0]["n"] > 0
    redacted = store.query("SELECT count(*) AS n FROM searches WHERE list_contains(redacted, 'reason')")
    assert redacted[0]["n"] > 0
    assert store.query("SELECT count(*) AS n FROM searches WHERE searched_at_raw IS NULL")[0]["n"] == 0


def test_text_datetimes_and_rejects_keep_their_place(store: Store, books: dict) -> None:
    path, m = books["renamed"]
    ingest_file(store, path, agency="Mapleton CA PD", importers=[ResponseWorkbookImporter()])
    raw = store.query(
        "SELECT searched_at, searched_at_raw FROM searches ORDER BY searched_at LIMIT 1")[0]
    assert raw["searched_at"] == dt.datetime.fromisoformat(m["values"]["first_search"])
    assert raw["searched_at_raw"].endswith(("AM", "PM"))
    rejects = store.query("SELECT locator, reason, raw FROM rejects ORDER BY locator")
    audit = [r for r in rejects if r["locator"].startswith("Audit Log!")]
    assert len(audit) == 3 and all("DateTime" in r["reason"] for r in audit)
    assert any('"unknown"' in r["reason"] for r in audit)
    (pending,) = [r for r in rejects if r["locator"].startswith("Other Agencies!")]
    assert "pending" in pending["reason"] and pending["locator"] == "Other Agencies!C14"


def test_details_keep_request_items_statements_totals_and_zone(store: Store, books: dict) -> None:
    path, m = books["renamed"]
    imp = Capturing()
    r = ingest_file(store, path, importers=[imp])  # no --agency: the title names the agency
    assert r.publisher_agency_id == "mapleton-ca-pd"
    d = imp.result.details
    assert d["publisher_source"] == "Request Items"
    items = [(i["item"], i["disposition"]) for i in d["request_items"]]
    assert items == [(i["item"], i["disposition"]) for i in m["values"]["request_items"]]
    assert items[0] == ("A1", "Provided - see sheet A1 - Sharing Out")
    assert d["statements"] == [{"item": "A4", "locator": "A4 - Hotlist In!3", "text": "None"}]
    totals = {t["year"]: (t["stated"], t["matches"]) for t in d["external_access_totals"]}
    assert totals == {int(y): (str(s), True) for y, s in m["values"]["external_access_totals"].items()}
    assert "unknown" in d["audit_time_zone"]
    assert [u["sheet"] for u in d["unknown_sheets"]] == m["values"]["unknown_sheets"] == ["Notes"]
    assert "Notes" in r.message  # named, never silently dropped
    months = {f"{x['period_start']:%Y-%m}": x["accesses"]
              for x in store.query("SELECT * FROM external_access_counts")}
    assert months == m["values"]["external_access"]
    assert store.query("SELECT count(*) AS n FROM users WHERE list_contains(redacted, 'user_ref')"
                       )[0]["n"] == 2


def test_without_any_agency_name_the_publisher_is_unknown(store: Store, books: dict) -> None:
    r = ingest_file(store, books["standard"][0], importers=[ResponseWorkbookImporter()])
    assert r.status == "ingested" and r.publisher_agency_id is None


def test_a_resent_workbook_is_recognised_row_by_row(store: Store, tmp_path: Path) -> None:
    a = write_response_workbook(tmp_path / "a.xlsx", variant="renamed", audit_rows=500,
                                agency="Mapleton CA PD")
    write_response_workbook(tmp_path / "b.xlsx", variant="renamed", audit_rows=500,
                            agency="Mapleton Police")  # other bytes, same records
    first = ingest_file(store, tmp_path / "a.xlsx", agency="Mapleton CA PD",
                        importers=[ResponseWorkbookImporter()])
    second = ingest_file(store, tmp_path / "b.xlsx", agency="Mapleton CA PD",
                         importers=[ResponseWorkbookImporter()])
    assert second.status == "ingested"
    assert second.rows_loaded == 0
    assert second.rows_duplicate == first.rows_loaded
    assert second.rows_rejected == first.rows_rejected == sum(
        t["rows_rejected"] for t in a["expected"].values())


# --- hand-made layouts ---------------------------------------------------------------------


def test_missing_sheets_give_absent_tables_not_errors(store: Store, tmp_path: Path) -> None:
    path = make_book(tmp_path / "two.xlsx", {
        "Request": [["Item", "Request", "Disposition"], ["A1", "names", "see A1"],
                    ["B1", "detections", "none exist"], ["B2", "hits", "none exist"]],
        "Users": [["User Name"], ["Doe, J"], ["***"], [" "], ["Roe, K"]],
    })
    imp = Capturing()
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[imp])
    assert imp.result.tables == ("users",)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (3, 3, 0)
    assert [i["item_id"] for i in imp.result.details["request_items"]] == ["A1", "B1", "B2"]
    for table in ("sharing", "searches", "detection_counts", "external_access_counts"):
        assert store.query(f"SELECT count(*) AS n FROM {table}")[0]["n"] == 0
    users = store.query("SELECT locator, user_ref, redacted FROM users ORDER BY locator")
    assert [(u["locator"], u["user_ref"]) for u in users] == [
        ("Users!2", "Doe, J"), ("Users!3", None), ("Users!5", "Roe, K")]


def test_split_date_time_columns_and_bad_counts(store: Store, tmp_path: Path) -> None:
    path = make_book(tmp_path / "split.xlsx", {
        "B1&2": [["Data provided between 1/1/19 and 2/11/25"], ["B1", "Detections", "see note"],
                 ["B2", "Hits", 31278.0]],
        "Audit": [["Reason", "Date", "Time", "User"],
                  [211.0, dt.datetime(2024, 3, 5), "2:22:10 PM", "jdoe"],
                  ["21-16030", "3/6/2024", "14:05", "REDACTED"]],
        "A3": [["Organization Name"], ["[Federal] Western Region Task Force"], ["-"],
               ["Cedarville CA PD", "extra note"]],
    })
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[ResponseWorkbookImporter()])
    (rej,) = store.query("SELECT * FROM rejects")
    assert rej["locator"] == "B1&2!2" and 'found "see note"' in rej["reason"]
    rows = store.query("SELECT reason, searched_at, user_ref, redacted FROM searches ORDER BY locator")
    assert rows[0] == {"reason": "211", "searched_at": dt.datetime(2024, 3, 5, 14, 22, 10),
                       "user_ref": "jdoe", "redacted": []}
    assert rows[1]["searched_at"] == dt.datetime(2024, 3, 6, 14, 5)
    assert rows[1]["user_ref"] is None and rows[1]["redacted"] == ["user_ref"]
    sharing = store.query(
        "SELECT partner_name_raw, direction, data_kind, flags FROM sharing ORDER BY locator")
    assert [s["partner_name_raw"] for s in sharing] == ["[Federal] Western Region Task Force",
                                                        "Cedarville CA PD"]
    assert sharing[0]["flags"] == ["federal"] and sharing[0]["direction"] == "out"
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 4, 1)


def test_an_item_sheet_without_its_header_is_rejected_row_by_row(store: Store, tmp_path: Path) -> None:
    path = make_book(tmp_path / "broken.xlsx", {
        "A1": [["ORGANIZATION NAME"], ["Cedarville CA PD"]],
        "Audit": [["when", "why"], ["3/5/2024", "211"], [None], ["3/6/2024", "inv"]],
    })
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[ResponseWorkbookImporter()])
    rejects = store.query("SELECT locator, reason FROM rejects ORDER BY locator")
    assert [x["locator"] for x in rejects] == ["Audit!1", "Audit!2", "Audit!4"]
    assert all("'Audit'" in x["reason"] for x in rejects)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 1, 3)


def test_a_truncated_workbook_is_a_clear_error(store: Store, books: dict, tmp_path: Path) -> None:
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(books["standard"][0].read_bytes()[:5000])
    with pytest.raises(IngestError) as err:
        ingest_file(store, cut, importers=[ResponseWorkbookImporter()])
    assert "not a format" in err.value.message and err.value.hint
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0


# --- the sniff keeps formats apart ---------------------------------------------------------


def _other_importers() -> list[Any]:
    """Every registered importer but this one, plus the user-list importers when present."""
    found = [i for i in registry.IMPORTERS if i.format_id != "response_workbook"]
    for module, name in (("flock.users", "FlockUsersImporter"),
                         ("vigilant.users", "VigilantUsersImporter"),
                         ("flock.shared_networks", "FlockSharedNetworksImporter")):
        try:
            cls = getattr(importlib.import_module(f"alpr_audit.ingest.{module}"), name)
        except (ImportError, AttributeError):
            continue
        if all(type(i) is not cls for i in found):
            found.append(cls())
    return found


def test_other_importers_do_not_claim_response_workbooks(books: dict) -> None:
    others = _other_importers()
    assert any(i.format_id == "flock_audit" for i in others)
    for variant, (path, _) in books.items():
        probe = probe_file(path)
        assert ResponseWorkbookImporter().sniff(probe) is not None, variant
        for imp in others:
            assert imp.sniff(probe) is None, (variant, imp.format_id)


def test_sniff_refuses_audit_logs_and_user_lists(tmp_path: Path) -> None:
    me = ResponseWorkbookImporter()
    write_audit_csv(tmp_path / "audit.csv", 50, seed=1)
    write_audit_xlsx(tmp_path / "audit.xlsx", 2, 20, seed=1)
    flock_users = make_book(tmp_path / "users.xlsx", {"Users": [
        ["First Name", "Last Name", "Email", "Phone", "Title", "Role", "Identity Provider",
         "User Mgmt", "Search", "Hotlist Tool", "Last Login"],
        ["Jane", "Doe", "jd@example.org", "", "Officer", "User", "Okta", "Disabled", "Enabled",
         "Enabled", "2025-01-02 03:04:05"]]})
    name_list = make_book(tmp_path / "names.xlsx", {"Users": [["User Name"], ["Doe, J"]]})
    for path in (tmp_path / "audit.csv", tmp_path / "audit.xlsx", flock_users, name_list):
        assert me.sniff(probe_file(path)) is None, path.name


@pytest.mark.parametrize("relpath", [
    "flock/constructed_network-audit_sample.csv",
    "flock/eugene-or-pd_portal-search-audit_2025.csv",
    "flock/ocsd_flock-shared-networks_2025-12.xlsx",
    "flock/riverside-so_flock-event-log_cpra-c001586.xlsx",
    "vigilant/ocsd_vehiclemanager-users.xlsx",
])
def test_sniff_refuses_the_real_vendor_exports(relpath: str) -> None:
    assert ResponseWorkbookImporter().sniff(probe_file(fixture_file(relpath))) is None


def test_a_large_audit_sheet_stays_quick(store: Store, tmp_path: Path) -> None:
    m = write_response_workbook(tmp_path / "big.xlsx", audit_rows=20000, variant="standard")
    r = ingest_file(store, tmp_path / "big.xlsx", agency="Mapleton CA PD",
                    importers=[ResponseWorkbookImporter()])
    assert r.rows_rejected == m["expected"]["searches"]["rows_rejected"] == 3
    assert store.query("SELECT count(*) AS n FROM searches")[0]["n"] == 20000 - 3


def test_a_lone_b1_b2_sheet_is_enough_and_a_pasted_vendor_audit_is_named(
        store: Store, tmp_path: Path) -> None:
    path = make_book(tmp_path / "counts.xlsx", {
        "B1 & B2": [["Period: 2019-01-01 to 2025-02-11"], ["Detections", "1,024,915"],
                    ["Hits", "***"]],
        "Audit": [["ID", "Name", "Org Name", "Time Frame", "Reason", "Search Time", "Search Type"],
                  ["x1", "***", "Mapleton CA PD", "", "inv", "01/31/2022, 11:26:24 PM UTC", "search"]],
    })
    imp = Capturing()
    r = ingest_file(store, path, agency="Mapleton CA PD", importers=[imp])
    assert imp.result.tables == ("detection_counts",)
    (c,) = store.query("SELECT detections, hits FROM detection_counts")
    assert c == {"detections": 1024915, "hits": None}  # a redacted count is no number
    (unknown,) = imp.result.details["unknown_sheets"]
    assert unknown["sheet"] == "Audit" and "ingest" in unknown["note"]
    assert "Audit" in r.message and r.rows_read == 1
