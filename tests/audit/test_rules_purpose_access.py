"""Purpose rules select the classifier's labels (with the matched term as evidence note);
records-of-access completeness counts missing fields per log, but not redacted ones."""

from __future__ import annotations

from datetime import datetime

from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.store.store import Store


def _searches(store: Store, reasons: list[str | None], **extra: object) -> str:
    pub = put_agency(store, "Mapleton CA PD")
    rows = [dict(publisher_agency_id=pub, searcher_agency_id=pub, user_ref="u1",
                 searched_at=datetime(2025, 1, 1, 10, i), reason=r, plate_query="ABC123", **extra)
            for i, r in enumerate(reasons)]
    return put_rows(store, "searches", rows)


def test_each_high_risk_label_becomes_its_rule_with_the_rows_behind_it(store: Store) -> None:
    _searches(store, ["ICE+ERO assist", "No Kings protest", "abortion clinic", "my ex girlfriend",
                      "inv", "stolen vehicle 24-1234", "police pursuit", "nice car"])
    result = run_audit(store, only=["purpose.*"])
    got = {f.rule_id: f.evidence_count for f in result.findings}
    assert got == {"purpose.immigration": 1, "purpose.protest": 1, "purpose.reproductive": 1,
                   "purpose.personal": 1, "purpose.vague": 2}
    ev = store.query("SELECT locator, note FROM evidence WHERE rule_id = 'purpose.immigration'")
    assert ev == [{"locator": "row 2", "note": "immigration: ice ero"}]
    vague = store.query("SELECT locator FROM evidence WHERE rule_id = 'purpose.vague' ORDER BY locator")
    assert [r["locator"] for r in vague] == ["row 6", "row 9"]  # 'inv' and 'nice car'


def test_every_search_gets_a_stored_purpose_label_for_the_run(store: Store) -> None:
    _searches(store, ["ICE", None, "burglary"])
    result = run_audit(store, only=["purpose.vague"])
    rows = store.query("SELECT locator, label, run_id FROM search_purposes ORDER BY locator")
    assert [(r["locator"], r["label"]) for r in rows] == [
        ("row 2", "immigration"), ("row 3", "missing"), ("row 4", "specific")]
    assert {r["run_id"] for r in rows} == {result.run_id}
    run_audit(store, only=["purpose.vague"])  # a new run replaces the labels, never doubles them
    assert store.query("SELECT count(*) AS n FROM search_purposes") == [{"n": 3}]


def test_missing_fields_are_counted_per_field_and_redacted_cells_are_not_missing(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    base = dict(publisher_agency_id=pub, searcher_agency_id=pub, user_ref="u1",
                searched_at=datetime(2025, 1, 1), reason="burglary", plate_query="ABC")
    put_rows(store, "searches", [
        base,
        {**base, "reason": None},
        {**base, "reason": "  "},
        {**base, "reason": "No reason given"},
        {**base, "reason": None, "redacted": ["reason"]},
        {**base, "user_ref": None},
        {**base, "plate_query": None},
        {**base, "plate_query": None, "filters": "color: red"},
        {**base, "searched_at": None},
    ])
    result = run_audit(store, only=["access_record.*"])
    got = {f.subject: f.evidence_count for f in result.findings}
    assert got == {"purpose": 3, "user": 1, "query": 1, "date_time": 1}
    f = next(f for f in result.findings if f.subject == "purpose")
    assert f.message.startswith("3 search record(s) in Mapleton CA PD's logs have no purpose")


def test_no_searches_means_not_applicable_not_clean(store: Store) -> None:
    result = run_audit(store, only=["purpose.*", "access_record.*"])
    assert result.findings == []
    assert set(result.not_applicable) == {"purpose.vague", "purpose.immigration", "purpose.protest",
                                          "purpose.reproductive", "purpose.personal",
                                          "access_record.incomplete"}
