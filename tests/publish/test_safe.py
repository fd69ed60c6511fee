"""Formula neutralisation (publish/safe.py) and the XLSX writer that relies on it."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import duckdb
import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

from alpr_audit.outputs.safe import safe_cell, safe_text, sql_safe
from alpr_audit.outputs.xlsx import HEADER_ROWS, Sheet, sheet_name, write_workbook

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "-",
            "=", "-A1", "+", "@"]
KEPT = ["investigation", "", "a=b", "1+1", "7ABC123", "-2", "-0.5", "-.5", "-1e5", "-3.",
        "plate-0123456789ab", " =1"]  # a leading space is not a formula trigger


@pytest.mark.parametrize("text", PAYLOADS)
def test_formula_payloads_get_a_leading_apostrophe(text: str) -> None:
    assert safe_text(text) == "'" + text
    assert safe_cell(text) == "'" + text
    assert safe_text(safe_text(text)) == safe_text(text)  # idempotent: "'" is no trigger


@pytest.mark.parametrize("text", KEPT)
def test_plain_texts_and_negative_numbers_are_kept(text: str) -> None:
    assert safe_text(text) == text


@pytest.mark.parametrize("value", [-2, -2.5, 0, 3, None, True, dt.date(2025, 1, 1)])
def test_non_texts_pass_unchanged(value: object) -> None:
    assert safe_cell(value) is value


def test_sql_rule_is_the_python_rule() -> None:
    con = duckdb.connect()
    for text in [*PAYLOADS, *KEPT, None]:
        got = con.execute(f"SELECT {sql_safe('$1::VARCHAR')}", [text]).fetchall()[0][0]
        assert got == (None if text is None else safe_text(text)), text


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("A1", taken) == "A1"
    assert sheet_name("a1", taken) == "a1 (2)"  # Excel compares sheet names case-blind
    long = sheet_name("Records of access: [all] / 2019?" * 2, taken)
    assert len(long) <= 31 and not set("[]:*?/\\") & set(long)


def _read(path: Path, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def _check_xml(path: Path) -> None:
    """Every part of the workbook is well-formed XML (a spliced sheet could break it)."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                etree.fromstring(zf.read(name))


def test_workbook_cells_are_typed_and_neutralised(tmp_path: Path) -> None:
    rows = [(p, -2, 1.5, dt.date(2025, 3, 11), dt.datetime(2025, 6, 18, 0, 2, 4), True, None,
             ["search", "hotlist"]) for p in PAYLOADS]
    cols = ["text", "int", "float", "date", "ts", "bool", "none", "list"]
    out = tmp_path / "w.xlsx"
    res = write_workbook(out, [Sheet("S", cols, rows, title="=title", note="@note")])
    assert (res[0].rows_written, res[0].capped) == (len(PAYLOADS), False)
    got = _read(out, "S")
    assert got[0][0] == "'=title" and got[1][0] == "'@note" and got[2] == cols
    for row, payload in zip(got[HEADER_ROWS:], PAYLOADS, strict=False):
        assert row[0] == "'" + payload
        assert row[1:6] == [-2, 1.5, dt.date(2025, 3, 11), dt.datetime(2025, 6, 18, 0, 2, 4),
                            True]
        assert row[7] == "search; hotlist"
    _check_xml(out)


def test_rows_past_the_cap_are_counted_not_written(tmp_path: Path) -> None:
    out = tmp_path / "cap.xlsx"
    res = write_workbook(out, [Sheet("S", ["n"], [(i,) for i in range(12)], max_rows=5,
                                     overflow_note="first {shown} of {total}; see S.csv")])
    assert (res[0].rows_written, res[0].rows_total, res[0].capped) == (5, 12, True)
    got = _read(out, "S")
    assert got[1][0] == "first 5 of 12; see S.csv"
    assert [r[0] for r in got[HEADER_ROWS:]] == [0, 1, 2, 3, 4]


STRANGE = ["a & b <c> \"d\" 'e'", "ctl\x01\x02x", "_x0041_ literal", "  padded  ",
           "line\nbreak", "ünïcødé ✓", "=1+1"]


def test_query_sheet_is_spliced_as_the_rows_xlsxwriter_would_write(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (s VARCHAR, n BIGINT, d DOUBLE, b BOOLEAN, ts TIMESTAMP, "
                "day DATE, big UBIGINT)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", [
        [text, -i, i / 4, i % 2 == 0, dt.datetime(2025, 1, 1 + i, 12, 30, 15, 250000),
         dt.date(2025, 2, 1 + i), 2**63 + i] for i, text in enumerate(STRANGE)])
    con.execute("INSERT INTO t VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL)").fetchall()
    query = f"SELECT {sql_safe('s')} AS s, n, d, b, ts, day, big FROM t"
    out = tmp_path / "q.xlsx"
    res = write_workbook(out, [
        Sheet("first", ["x"], [("before",)]),
        Sheet("Q", ["s", "n", "d", "b", "ts", "day", "big"], [], query=query, con=con,
              title="query sheet", note="spliced"),
        Sheet("last", ["x"], [("after",)]),
    ])
    assert [r.rows_written for r in res] == [1, len(STRANGE) + 1, 1]
    _check_xml(out)
    got = _read(out, "Q")
    assert got[0][0] == "query sheet" and got[2] == ["s", "n", "d", "b", "ts", "day", "big"]
    expected_text = ["a & b <c> \"d\" 'e'", "ctlx", "_x0041_ literal", "  padded  ",
                     "line\nbreak", "ünïcødé ✓", "'=1+1"]
    for i, (row, text) in enumerate(zip(got[HEADER_ROWS:], expected_text, strict=False)):
        assert row[0] == text
        assert row[1:4] == [-i, i / 4, i % 2 == 0]
        assert row[4] == dt.datetime(2025, 1, 1 + i, 12, 30, 15, 250000)
        assert row[5] == dt.date(2025, 2, 1 + i)
        assert row[6] == str(2**63 + i)  # past Excel's 15 digits: kept exactly, as text
    # The all-NULL row keeps its place as an empty row (readers drop a trailing empty row).
    with zipfile.ZipFile(out) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet2.xml").decode()
    assert f'<row r="{HEADER_ROWS + len(STRANGE) + 1}"></row></sheetData>' in sheet_xml
    assert f'<dimension ref="A1:G{HEADER_ROWS + len(STRANGE) + 1}"/>' in sheet_xml
    assert _read(out, "first")[HEADER_ROWS] == ["before"]
    assert _read(out, "last")[HEADER_ROWS] == ["after"]


def test_query_sheet_is_capped_with_the_total_in_its_note(tmp_path: Path) -> None:
    con = duckdb.connect()
    out = tmp_path / "qc.xlsx"
    res = write_workbook(out, [Sheet("Q", ["i"], [], query="SELECT range AS i FROM range(100)",
                                     con=con, max_rows=10,
                                     overflow_note="{shown} of {total} rows here; all in Q.csv")])
    assert (res[0].rows_written, res[0].rows_total) == (10, 100)
    got = _read(out, "Q")
    assert got[1][0] == "10 of 100 rows here; all in Q.csv"
    assert [r[0] for r in got[HEADER_ROWS:]] == list(range(10))
    _check_xml(out)
