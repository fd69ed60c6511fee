"""Retention and hot-list rules: rows older than the policy retention (the latest portal capture
stating one, else the setting; a statutory setting caps it) are found and the finding says which
retention it used; hot-list entry creations without expiry or case number, and personal-looking
lists, are found; updates, list-level events, withheld cells and ordinary names are not."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.store.store import Store

AS_OF = datetime(2025, 6, 30, 12, 0)


def _ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


def _found(result, rule: str) -> dict[tuple[str, str], dict]:  # noqa: ANN001
    return {(f.agency_id, f.subject): f for f in result.findings if f.rule_id == rule}


def _evidence(store: Store, rule: str) -> list[dict]:
    return store.query(f"SELECT * FROM evidence WHERE rule_id = '{rule}' ORDER BY agency_id, \"at\"")


def test_rows_older_than_the_portal_retention_are_found_the_boundary_is_not(
        store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "portal_snapshots", [
        dict(agency_id=pub, captured_on=date(2025, 1, 5), retention_days=90),
        dict(agency_id=pub, captured_on=date(2025, 5, 1), retention_days=30),  # latest wins
        dict(agency_id=pub, captured_on=date(2025, 6, 1), retention_days=None),  # states none
    ])
    put_rows(store, "detections", [dict(agency_id=pub, detection_id=str(d), seen_at=_ago(d))
                                   for d in (29, 30, 30.01, 400)] + [dict(agency_id=pub)])
    put_rows(store, "hits", [dict(agency_id=pub, hit_id=str(d), hit_at=_ago(d))
                             for d in (5, 30, 31)])
    result = run_audit(store, only=["retention.*"], as_of=AS_OF)
    det = _found(result, "retention.detections")[(pub, "detections")]
    assert (det["severity"], det["evidence_count"]) == ("high", 2)
    assert det["message"] == (
        "2 plate read(s) of Mapleton CA PD are older than its retention (retention used: "
        "portal page captured 2025-05-01: 30 days); the oldest was seen 2024-05-26 12:00:00.")
    assert _found(result, "retention.hits")[(pub, "hits")]["evidence_count"] == 1
    ev = _evidence(store, "retention.detections")
    assert [e["table_name"] for e in ev] == ["detections", "detections"]
    assert [e["at"] for e in ev] == [_ago(400), _ago(30.01)]


def test_without_a_portal_retention_the_setting_applies_and_is_named(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    other = put_agency(store, "Irvine CA PD")
    put_rows(store, "portal_snapshots", [dict(agency_id=other, captured_on=date(2025, 5, 1),
                                              retention_days=30)])
    put_rows(store, "detections", [dict(agency_id=a, seen_at=_ago(d))
                                   for a in (pub, other) for d in (40, 364, 366)])
    result = run_audit(store, only=["retention.detections"], as_of=AS_OF)
    got = _found(result, "retention.detections")
    assert got[(pub, "detections")]["evidence_count"] == 1
    assert "(retention used: default setting: 365 days)" in got[(pub, "detections")]["message"]
    assert got[(other, "detections")]["evidence_count"] == 3


def test_statutory_retention_caps_a_longer_policy(store: Store, tmp_path: Path) -> None:
    long_policy = put_agency(store, "Richmond VA PD")
    short_policy = put_agency(store, "Norfolk VA PD")
    no_policy = put_agency(store, "Roanoke VA PD")
    put_rows(store, "portal_snapshots", [
        dict(agency_id=long_policy, captured_on=date(2025, 5, 1), retention_days=30),
        dict(agency_id=short_policy, captured_on=date(2025, 5, 1), retention_days=14)])
    put_rows(store, "detections", [dict(agency_id=a, seen_at=_ago(d))
                                   for a in (long_policy, short_policy, no_policy)
                                   for d in (13, 15, 22, 31)])
    got = _found(run_audit(store, pack="virginia", only=["retention.detections"], as_of=AS_OF),
                 "retention.detections")
    assert got[(long_policy, "detections")]["evidence_count"] == 2  # 21 days, not 30
    assert ("statutory maximum (retention_days setting): 21 days; portal page captured "
            "2025-05-01: 30 days") in got[(long_policy, "detections")]["message"]
    assert got[(short_policy, "detections")]["evidence_count"] == 3  # its own 14 days
    assert "portal page captured 2025-05-01: 14 days (within the statutory" in got[
        (short_policy, "detections")]["message"]
    assert got[(no_policy, "detections")]["evidence_count"] == 2
    # the virginia pack cites its statute
    assert "2.2-5517" in got[(no_policy, "detections")]["citation"]
    # a user's settings file may raise the default when the pack is not statutory
    settings = tmp_path / "s.toml"
    settings.write_text("[settings]\nretention_days = 30\n")
    got = _found(run_audit(store, only=["retention.detections"], as_of=AS_OF,
                           settings_file=settings), "retention.detections")
    assert got[(no_policy, "detections")]["evidence_count"] == 1


def test_no_rows_means_not_applicable(store: Store) -> None:
    put_agency(store, "Mapleton CA PD")
    result = run_audit(store, only=["retention.*", "hotlist.*"], as_of=AS_OF)
    assert result.findings == []
    assert set(result.not_applicable) == {"retention.detections", "retention.hits",
                                          "hotlist.no_expiry", "hotlist.no_case_number",
                                          "hotlist.personal_owner"}


def _event(pub: str, name: str | None, **kw) -> dict:
    row = dict(agency_id=pub, at=AS_OF - timedelta(days=3), event_type="create",
               entity_type="Custom Hotlist Entry", hotlist_name=name, reason="10851 VC",
               case_number="25-0001", expires_at=AS_OF + timedelta(days=30))
    row.update(kw)
    return row


def test_hotlist_entries_without_expiry_or_case_number(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "hotlist_events", [
        _event(pub, "Stolen", expires_at=None),
        _event(pub, "Stolen", expires_at=None, event_type="Created", entity_type="HOTLIST ENTRY"),
        _event(pub, "Stolen"),                                           # complete
        _event(pub, "Stolen", expires_at=None, redacted=["expires_at"]),  # withheld, not missing
        _event(pub, "Stolen", expires_at=None, event_type="update"),     # not a creation
        _event(pub, "Stolen", expires_at=None, entity_type="customHotlist"),  # the list itself
        _event(pub, "Gang", case_number="  "),
        _event(pub, "Gang", case_number=None),
        _event(pub, "Gang", case_number=None, redacted=["case_number"]),
        _event(pub, None, case_number=None),
    ])
    result = run_audit(store, only=["hotlist.*"], as_of=AS_OF)
    no_exp = _found(result, "hotlist.no_expiry")
    assert {k: f.evidence_count for k, f in no_exp.items()} == {(pub, "Stolen"): 2}
    assert no_exp[(pub, "Stolen")]["severity"] == "low"
    assert no_exp[(pub, "Stolen")]["message"] == (
        "2 entr(y/ies) added to hot list 'Stolen' of Mapleton CA PD have no expiry date: they "
        "alert until someone removes them.")
    no_case = _found(result, "hotlist.no_case_number")
    assert {k: f.evidence_count for k, f in no_case.items()} == {
        (pub, "Gang"): 2, (pub, "(no hot-list name)"): 1}
    assert _found(result, "hotlist.personal_owner") == {}


def test_personal_looking_hot_lists(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "hotlist_events", [
        _event(pub, "PERSONAL - DEP. CUEVAS 5914"),
        _event(pub, "PERSONAL - DEP. CUEVAS 5914"),
        _event(pub, "PERSONAL - DEP. CUEVAS 5914", event_type="delete"),  # not a creation
        _event(pub, "jdoe_personal"),
        _event(pub, "RTCC-Internal", reason="my ex wife's new car"),
        _event(pub, "Intel", reason="personal ICE check"),  # labelled immigration, has the word
        _event(pub, "Personnel Unit"),                 # near miss: personnel is not personal
        _event(pub, "Burglary", reason="personnel office burglary"),
        _event(pub, "Stolen Vehicles", reason="10851 VC"),
        _event(pub, "Personal stuff", entity_type="customHotlist"),  # a list event, no entry
    ])
    result = run_audit(store, only=["hotlist.personal_owner"], as_of=AS_OF)
    got = _found(result, "hotlist.personal_owner")
    assert {k[1]: f.evidence_count for k, f in got.items()} == {
        "PERSONAL - DEP. CUEVAS 5914": 2, "jdoe_personal": 1, "RTCC-Internal": 1, "Intel": 1}
    f = got[(pub, "RTCC-Internal")]
    assert f.severity == "medium"
    assert f.message == ("Hot list 'RTCC-Internal' of Mapleton CA PD looks personal rather "
                            "than an agency list (reason looks personal: my ex); 1 entr(y/ies) "
                            "added.")
    assert "hot-list name looks personal: personal" in got[(pub, "jdoe_personal")]["message"]
