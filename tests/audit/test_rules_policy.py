"""policy.missing_element: each §1798.90.51(b)(2) element (A)–(G) the latest portal capture's
policy text does not address is a finding; policy_elements() gives the same answer with the
passage; the real Alameda, Los Altos and Oakland portal texts are judged as a reader would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.audit.rules.policy import ELEMENT_IDS, load_policy_terms, policy_elements
from alpr_audit.core.errors import UsageError
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.store.store import Store
from fixturekit import fixture_file

#: A policy addressing every element, one card per portal text column.
COMPLETE = dict(
    acceptable_use="ALPR data may only be used for official law enforcement purposes.",
    access_policy="Only sworn officers who completed the POST training may access the system. "
                  "The ALPR administrator audits searches monthly.",
    prohibited_uses="Data is not shared with out-of-state or federal agencies.",
    hotlist_policy="The Chief of Police is the official custodian of the system. Hits are "
                   "verified against CLETS before any action.",
    what_not_detected="Data is retained for 30 days and then purged.",
)


def _missing(result) -> dict[tuple[str, str], dict]:  # noqa: ANN001
    return {(f.agency_id, f.subject): f for f in result.findings
            if f.rule_id == "policy.missing_element"}


def test_a_complete_policy_gives_no_finding(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "portal_snapshots", [dict(agency_id=pub, captured_on=date(2025, 5, 1),
                                              **COMPLETE)])
    assert _missing(run_audit(store, only=["policy.*"])) == {}
    assert all(policy_elements("\n".join(COMPLETE.values())).values())


def test_each_missing_element_is_a_finding_on_the_latest_capture(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    no_custodian = dict(COMPLETE, hotlist_policy="Hits are verified against CLETS before any "
                                                 "action.")
    no_sharing_or_retention = dict(COMPLETE, prohibited_uses=None, what_not_detected=None)
    put_rows(store, "portal_snapshots", [
        dict(agency_id=pub, captured_on=date(2024, 5, 1), **no_custodian),  # superseded
        dict(agency_id=pub, captured_on=date(2025, 5, 1), **no_sharing_or_retention),
    ])
    got = _missing(run_audit(store, only=["policy.*"]))
    assert set(got) == {(pub, "D"), (pub, "G")}
    f = got[(pub, "G")]
    assert (f.severity, f.evidence_count) == ("medium", 1)
    assert f.message == (
        "Mapleton CA PD's published policy text does not address element G of "
        "§1798.90.51(b)(2): (G) retention period and the process deciding when to destroy the "
        "information: no matching passage in the portal page captured 2025-05-01.")
    ev = store.query("SELECT table_name, locator, \"at\" FROM evidence WHERE subject = 'G'")
    assert [e["table_name"] for e in ev] == ["portal_snapshots"]


def test_near_misses_do_not_count_as_an_element(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    text = dict(COMPLETE,
                access_policy="Personnel use the system in compliance with state law.",
                what_detected="Prohibited: monitoring of activity protected by the First "
                              "Amendment.",
                hotlist_policy="Data is owned by the Mapleton Police Department. Hits are "
                               "verified against CLETS before any action.")
    put_rows(store, "portal_snapshots", [dict(agency_id=pub, captured_on=date(2025, 5, 1),
                                              **text)])
    assert set(_missing(run_audit(store, only=["policy.*"]))) == {
        (pub, "B"), (pub, "C"), (pub, "E")}


def test_a_capture_without_policy_text_misses_every_element_but_a_stated_retention(
        store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "portal_snapshots", [dict(agency_id=pub, captured_on=date(2025, 5, 1),
                                              retention_days=30)])
    got = _missing(run_audit(store, only=["policy.*"]))
    # the retention card ("30 days") states (G) the retention period
    assert sorted(s for _, s in got) == [e for e in ELEMENT_IDS if e != "G"]
    assert "(the page shows no policy text)" in got[(pub, "A")]["message"]
    assert policy_elements(None) == dict.fromkeys(ELEMENT_IDS)


def test_no_portal_capture_means_not_applicable(store: Store) -> None:
    put_agency(store, "Mapleton CA PD")
    result = run_audit(store, only=["policy.*"])
    assert (result.findings, list(result.not_applicable)) == ([], ["policy.missing_element"])


def test_policy_elements_returns_the_sentence_in_its_original_case() -> None:
    got = policy_elements("Cameras read plates. Data Is RETAINED for 30 days; then purged! "
                          "Nothing else.")
    assert got["G"] == "Data Is RETAINED for 30 days"
    assert got["A"] is None


def test_term_file_errors_are_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "terms.toml"
    bad.write_text("[A]\npatterns = ['(unclosed']\n")
    with pytest.raises(UsageError, match="bad regular expression"):
        load_policy_terms(bad)
    bad.write_text("[A]\npatterns = ['(?<!un)authori']\n")  # Python accepts it, RE2 not
    with pytest.raises(UsageError, match="bad regular expression") as err:
        load_policy_terms(bad)
    assert "no lookbehind" in err.value.hint
    bad.write_text("[A]\npatterns = ['authori']\n")
    with pytest.raises(UsageError, match=r"element \[B\] has no patterns"):
        load_policy_terms(bad)


# --- the real portal captures --------------------------------------------------------------

#: page → elements its policy text addresses (the rest are findings)
REAL = {
    "portal/flock-portal_alameda-ca-pd_2026-04-19.html": ("alameda-ca-pd", "ADF"),
    "portal/flock-portal_los-altos-ca-pd_2026-04-26.html": ("los-altos-ca-pd", "ADF"),
    "portal/flock-portal_oakland-ca-pd_2026-04-28.html": ("oakland-ca-pd", "BDF"),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_portal_policy_texts(store: Store, name: str) -> None:
    agency, present = REAL[name]
    ingest_file(store, fixture_file(name))
    snap = store.query("SELECT * FROM portal_snapshots")[0]
    text = "\n".join(snap[c] or "" for c in ("what_detected", "what_not_detected",
                                              "acceptable_use", "prohibited_uses",
                                              "access_policy", "hotlist_policy"))
    passages = policy_elements(text)
    assert {el for el, p in passages.items() if p} == set(present)
    got = _missing(run_audit(store, only=["policy.*"]))
    # every real page shows a retention card, which states (G) even when no text does
    assert snap["retention_days"] is not None
    assert {s for _, s in got} == set(ELEMENT_IDS) - set(present) - {"G"}
    assert {a for a, _ in got} == {agency}
    # the passages a reader would point at
    assert "verified" in passages["F"]
    if "A" in present:
        assert passages["A"] == "Data is used for law enforcement purposes only"
    if "B" in present:
        assert passages["B"].startswith("Department sworn personnel, police service technicians")
