"""Tests for the synthetic agency response workbook (alpr_audit.synth.response_workbook).

The manifest is checked against the workbook read back with calamine (not with the importer),
so a generator that drifts from its own manifest fails here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from alpr_audit.synth.response_workbook import VARIANTS, write_response_workbook

ROWS = 400


def sheet(path: Path, name: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def nonblank(rows: list[list[object]]) -> list[list[object]]:
    """Rows with content; cells of spaces are blank, as the cell rules say."""
    return [r for r in rows if any(not isinstance(c, str) or c.strip() for c in r)]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    out = tmp_path_factory.mktemp("rw")
    return {v: (out / f"{v}.xlsx", write_response_workbook(out / f"{v}.xlsx", variant=v,
                                                           audit_rows=ROWS, seed=3))
            for v in VARIANTS}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a = write_response_workbook(tmp_path / "a.xlsx", seed=5, audit_rows=200)
    b = write_response_workbook(tmp_path / "b.xlsx", seed=5, audit_rows=200)
    c = write_response_workbook(tmp_path / "c.xlsx", seed=6, audit_rows=200)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert a["values"] == b["values"]
    assert c["values"]["detections"] != a["values"]["detections"]


def test_sheet_names_vary_by_variant(books: dict) -> None:
    assert books["standard"][1]["sheets"] == ["Request", "A1", "A2", "A3", "A4", "B1&2", "Users",
                                              "Audit", "OtherAgencies"]
    renamed = books["renamed"][1]["sheets"]
    assert {"A1 - Sharing Out", "B1 & B2", "Audit Log", "Other Agencies", "Notes"} <= set(renamed)
    assert books["partial"][1]["sheets"] == ["Request", "A1", "B1&2", "Audit"]
    assert "A1-A4" in books["compact"][1]["sheets"]
    for path, m in books.values():
        assert CalamineWorkbook.from_path(str(path)).sheet_names == m["sheets"]


def test_manifest_tables_follow_the_sheets_present(books: dict) -> None:
    assert set(books["standard"][1]["expected"]) == {
        "sharing", "detection_counts", "users", "searches", "external_access_counts"}
    assert set(books["partial"][1]["expected"]) == {"sharing", "detection_counts", "searches"}
    for _, m in books.values():
        for counts in m["expected"].values():
            assert counts["rows_read"] == counts["rows_loaded"] + counts["rows_rejected"]


def test_audit_rows_and_excel_quirks_match_the_manifest(books: dict) -> None:
    for variant, (path, m) in books.items():
        name = [s for s in m["sheets"] if "Audit" in s][0]
        rows = sheet(path, name)
        head = 1 if variant == "renamed" else 0  # a title row above the header
        assert rows[head][:2] == ["Reason", "DateTime"]
        data = nonblank(rows[head + 1:])
        assert len(data) == m["values"]["audit_rows"] == ROWS
        assert len(rows) > head + 1 + ROWS + 90  # a blank tail (cells of spaces) to skip
        numbers = [r[0] for r in data if isinstance(r[0], float)]
        assert len(numbers) == m["values"]["numeric_reasons"] > 0  # Excel coerced 211 etc.
        assert "21-16030" in [r[0] for r in data]  # text with a dash stays text
        when = [r[1] for r in data if r[1] not in ("", "unknown", "31/02/2024 10:00")]
        kind = dt.datetime if m["values"]["audit_datetime_cells"] == "datetime" else str
        assert all(isinstance(w, kind) for w in when)
        first = m["values"]["first_numeric_reason"]
        row_no = int(first["locator"].rsplit("!", 1)[1])
        assert rows[row_no - 1][0] == float(first["reason"])


def test_counts_period_line_and_number_forms(books: dict) -> None:
    path, m = books["standard"]
    rows = nonblank(sheet(path, "B1&2"))
    assert rows[0][0] == "Data provided between 1/1/19 and 2/11/25"
    assert rows[1] == ["B1", '"Detections"', float(m["values"]["detections"])]
    assert rows[2] == ["B2", '"Hits"', float(m["values"]["hits"])]
    path, m = books["renamed"]
    assert nonblank(sheet(path, "B1 & B2"))[1][2] == f"{m['values']['detections']:,}"
    path, m = books["partial"]
    assert nonblank(sheet(path, "B1&2"))[1][2] == f"{m['values']['detections']}.0"


def test_other_agencies_uses_dash_for_months_that_do_not_apply(books: dict) -> None:
    path, m = books["standard"]
    rows = nonblank(sheet(path, "OtherAgencies"))
    assert rows[0] == ["Month", 2025.0, 2024.0]
    assert rows[3][1] == "-"  # March 2025: not over when the workbook was made
    numbers = sum(isinstance(c, float) for r in rows[1:] for c in r[1:])
    expected = m["expected"]["external_access_counts"]["rows_read"]
    assert numbers == len(m["values"]["external_access"]) == expected
    path, m = books["renamed"]
    rows = nonblank(sheet(path, "Other Agencies"))
    assert rows[-1][0] == "Total"
    assert [r[2] for r in rows if r[0] == "December"] == ["pending"]


def test_sharing_lists_and_none_answer(books: dict) -> None:
    path, m = books["standard"]
    names = nonblank(sheet(path, "A1"))
    assert names[0] == ["ORGANIZATION NAME"]
    assert len(names) - 1 == m["values"]["sharing"]["A1"]["rows"]
    assert any(str(r[0]).endswith("(Deactivated)") for r in names)
    path, m = books["renamed"]
    assert nonblank(sheet(path, "A4 - Hotlist In"))[-1] == ["None"]
    assert m["values"]["sharing"]["A4"]["rows"] == 0
    assert m["expected"]["sharing"]["rows_read"] == sum(
        v["rows"] for v in m["values"]["sharing"].values())


def test_unknown_variant_and_too_few_rows_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="variant"):
        write_response_workbook(tmp_path / "x.xlsx", variant="fancy")
    with pytest.raises(ValueError, match="audit_rows"):
        write_response_workbook(tmp_path / "x.xlsx", audit_rows=2)
