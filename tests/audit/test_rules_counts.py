"""hit_ratio.period: one info finding per (agency, period) — the period a count report states,
or a calendar month of row-level data — whose explanation gives the ratio, the counts, the exact
period and the basis; agency totals are not summed with their systems, re-released totals count
once; the number formatting is exact and engine-independent."""

from __future__ import annotations

from datetime import datetime

import ibis
import pytest
from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.audit.rules.counts import percent, thousands
from alpr_audit.store.store import Store


def _found(result) -> dict[tuple[str, str], dict]:  # noqa: ANN001
    return {(f.agency_id, f.subject): f for f in result.findings
            if f.rule_id == "hit_ratio.period"}


def _eval(expr: ibis.Expr) -> object:
    return ibis.duckdb.connect().to_pyarrow(expr).as_py()


@pytest.mark.parametrize(("n", "text"), [
    (0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (1_234_567, "1,234,567"),
    (1_000_000_007, "1,000,000,007"), (12_345_678_901_234, "12,345,678,901,234")])
def test_thousands_separators(n: int, text: str) -> None:
    assert _eval(thousands(ibis.literal(n, "int64"))) == text


@pytest.mark.parametrize(("num", "den", "text"), [
    (2_840, 1_234_567, "0.23%"), (1, 3, "33.33%"), (0, 5, "0.00%"), (5, 5, "100.00%"),
    (1, 20_000, "0.01%"), (1, 200_000, "0.00%")])
def test_percent_text(num: int, den: int, text: str) -> None:
    assert _eval(percent(ibis.literal(num, "int64"), ibis.literal(den, "int64"))) == text


def test_count_report_periods_give_one_finding_each_with_the_exact_text(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    y24 = dict(agency_id=pub, period_start=datetime(2024, 1, 1),
               period_end=datetime(2024, 12, 31, 23, 59, 59), period_text="01/01/24 - 12/31/24")
    put_rows(store, "detection_counts", [
        # the agency total, and its systems (not added to the total)
        dict(y24, detections=1_231_727, hits=2_840, total_records=1_234_567,
             basis="detections+hits=total"),
        dict(y24, system="Cam A", detections=1_000_000, hits=2_000),
        dict(y24, system="Cam B", detections=231_727, hits=840),
        # a total-only row (detection report): no hit count, no ratio, not evidence
        dict(y24, total_records=1_234_567),
        # a period with systems only: summed
        dict(agency_id=pub, period_start=datetime(2023, 1, 1), period_end=datetime(2023, 3, 11),
             system="Cam A", detections=900, hits=100),
        dict(agency_id=pub, period_start=datetime(2023, 1, 1), period_end=datetime(2023, 3, 11),
             system="Cam B", detections=1_000, hits=0),
    ])
    # the same total re-released in another file: evidence, but counted once
    put_rows(store, "detection_counts", [dict(y24, detections=1_231_727, hits=2_840,
                                              basis="detections+hits=total")])
    got = _found(run_audit(store, only=["hit_ratio.*"]))
    assert set(got) == {(pub, "2024-01-01..2024-12-31"), (pub, "2023-01-01..2023-03-11")}
    f = got[(pub, "2024-01-01..2024-12-31")]
    assert (f.severity, f.evidence_count) == ("info", 2)
    assert f.message == (
        "Mapleton CA PD, 2024-01-01..2024-12-31: 0.23% of 1,234,567 reads from 2024-01-01 to "
        "2024-12-31 23:59 were hits (2,840 hits; source: detection report, "
        "detections+hits=total; period as written: 01/01/24 - 12/31/24).")
    f = got[(pub, "2023-01-01..2023-03-11")]
    assert f.evidence_count == 2
    assert "5.00% of 2,000 reads from 2023-01-01 to 2023-03-11 were hits (100 hits" in f.message


def test_row_level_data_gives_one_finding_per_calendar_month(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "detections", [dict(agency_id=pub, seen_at=t) for t in (
        datetime(2024, 1, 1), datetime(2024, 1, 15), datetime(2024, 1, 31, 23, 59),
        datetime(2024, 2, 10), datetime(2024, 2, 29, 12))] + [dict(agency_id=pub)])
    put_rows(store, "hits", [dict(agency_id=pub, hit_at=datetime(2024, 1, 15, 1)),
                             dict(agency_id=pub, hit_at=None)])
    result = run_audit(store, only=["hit_ratio.*"])
    got = _found(result)
    assert set(got) == {(pub, "2024-01-01..2024-01-31"), (pub, "2024-02-01..2024-02-29")}
    jan = got[(pub, "2024-01-01..2024-01-31")]
    assert jan["evidence_count"] == 1  # the month's hit
    assert jan["message"] == (
        "Mapleton CA PD, 2024-01-01..2024-01-31: 33.33% of 3 reads from 2024-01-01 to "
        "2024-01-31 were hits (1 hits; source: row-level data, 3 reads of which 1 were hits).")
    feb = got[(pub, "2024-02-01..2024-02-29")]
    assert feb["evidence_count"] == 2  # no hit that month: its reads are the evidence
    assert feb["message"].startswith("Mapleton CA PD, 2024-02-01..2024-02-29: 0.00% of 2 reads")
    tables = store.query("SELECT subject, table_name, count(*) AS n FROM evidence "
                         "WHERE rule_id = 'hit_ratio.period' GROUP BY ALL ORDER BY subject")
    assert [(t["table_name"], t["n"]) for t in tables] == [("hits", 1), ("detections", 2)]


def test_counts_without_a_hit_figure_give_no_ratio(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "detection_counts", [dict(agency_id=pub, period_start=datetime(2024, 1, 1),
                                              period_end=datetime(2024, 2, 1), total_records=5)])
    result = run_audit(store, only=["hit_ratio.*"], as_of=datetime(2025, 1, 1))
    assert result.findings == []
    assert result.not_applicable == {}


def test_no_counts_and_no_rows_means_not_applicable(store: Store) -> None:
    put_agency(store, "Mapleton CA PD")
    result = run_audit(store, only=["hit_ratio.*"], as_of=datetime(2025, 1, 1))
    assert (result.findings, list(result.not_applicable)) == ([], ["hit_ratio.period"])
