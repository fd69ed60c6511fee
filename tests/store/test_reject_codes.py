"""Reject codes: every reason gets a stable code, in Python and in the ingest's SQL alike;
the rejects table stores it (migrated stores included) and ``alpr-audit rejects`` shows it."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from alpr_audit.core.records import Reject
from alpr_audit.core.rejects import OTHER, REJECT_CODES, describe, reject_code, reject_code_sql
from alpr_audit.core.schema import SCHEMA_VERSION
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.store import Store
from fixturekit import write_csv

CON = duckdb.connect()


def _sql_code(reason: str | None) -> str:
    return CON.execute("SELECT " + reject_code_sql("$1"), [reason]).fetchone()[0]


def test_codes_are_unique_dotted_and_described() -> None:
    codes = [c.code for c in REJECT_CODES]
    assert len(codes) == len(set(codes)) and OTHER not in codes
    for c in REJECT_CODES:
        assert re.fullmatch(r"(row|cell|sheet|page|report)\.[a-z_]+", c.code), c.code
        assert c.meaning and c.remedy and c.example
        assert describe(c.code) is c
    assert describe(OTHER) is None


@pytest.mark.parametrize("entry", REJECT_CODES, ids=lambda c: c.code)
def test_each_example_gets_its_own_code_in_python_and_sql(entry) -> None:
    assert reject_code(entry.example) == entry.code
    assert _sql_code(entry.example) == entry.code


@pytest.mark.parametrize("reason, code", [
    # a header that holds words of another code does not change the code
    ('Empty Field: expected a timestamp such as "x", found "y"', "cell.bad_timestamp"),
    ('Time: expected a timestamp such as "x", found "is empty: no"', "cell.bad_timestamp"),
    ("Search Date is empty: a search record needs its time", "cell.required_empty"),
    ("Plate empty: a read needs its plate", "cell.required_empty"),
    ("DateTime is redacted: a search record needs its time", "cell.required_redacted"),
    ("the count is redacted: the table holds numbers only", "cell.required_redacted"),
    ('Status empty: not a record the mapping m reads (it reads a)', "row.not_in_mapping"),
    ("no Hits value; page 1, line 3: 'x' is not a table row", "report.unreadable_count"),
    ("something nobody wrote a code for", OTHER),
    (None, OTHER),
])
def test_real_reasons_get_the_right_code(reason, code) -> None:
    assert reject_code(reason) == code
    assert _sql_code(reason) == code


def test_ingest_stores_the_code_and_the_cli_shows_it(cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", ["id", "searchDate", "networkCount"],
                     [["a", "2026-03-10T04:31:52.901Z", "3"], ["b", "yesterday", "3"],
                      ["c", "", "3"]])
    with Store.open(tmp_path / "s") as store:
        ingest_file(store, path)
        rows = [Reject.from_row(r) for r in store.query(
            "SELECT * FROM rejects ORDER BY locator")]
    assert [(r.locator, r.code) for r in rows] == [("row 3", "cell.bad_timestamp"),
                                                   ("row 4", "cell.required_empty")]
    got = cli("--store", tmp_path / "s", "--json", "rejects", "--code", "cell.bad_*").json()
    assert [(r["locator"], r["code"]) for r in got] == [("row 3", "cell.bad_timestamp")]
    assert set(got[0]) == {"source_id", "locator", "code", "reason", "raw"}


def test_a_store_from_before_codes_is_migrated_with_codes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", ["id", "searchDate", "networkCount"],
                     [["a", "2026-03-10T04:31:52.901Z", "3"], ["b", "yesterday", "3"]])
    with Store.open(tmp_path / "s") as store:
        ingest_file(store, path)
    # make it a version-3 store: no code column
    con = duckdb.connect(str(tmp_path / "s" / "catalog.duckdb"))
    con.execute("ALTER TABLE rejects DROP COLUMN code")
    con.execute("UPDATE schema_meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with Store.open(tmp_path / "s") as store:
        assert store.schema_version() == SCHEMA_VERSION
        [row] = store.query("SELECT locator, code FROM rejects")
    assert row == {"locator": "row 3", "code": "cell.bad_timestamp"}
