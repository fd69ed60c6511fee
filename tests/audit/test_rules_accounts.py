"""Account rules: shared accounts, searches after a year's silence, inactive and untrained
accounts, and searches by people missing from the users list — each at its threshold, with
the near-miss below it, NULL users and agencies without the data left alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.store.store import Store

AS_OF = datetime(2025, 10, 31, 23, 59, 59)


def _s(pub: str, user: str | None, at: datetime | None, searcher: str | None = "pub",
       **kw: Any) -> dict[str, Any]:
    return dict(publisher_agency_id=pub, searcher_agency_id=pub if searcher == "pub" else searcher,
                user_ref=user, searched_at=at, reason="stolen vehicle", plate_query="ABC123", **kw)


def _u(agency: str, user: str | None, **kw: Any) -> dict[str, Any]:
    return dict(agency_id=agency, user_ref=user, **kw)


def _findings(result, rule_id: str) -> dict[str, dict[str, Any]]:
    return {f.subject: f for f in result.findings if f.rule_id == rule_id}


def _locators(store: Store, rule_id: str, subject: str) -> set[str]:
    rows = store.query("SELECT locator FROM evidence WHERE rule_id = ? AND subject = ?",
                       [rule_id, subject])
    return {r["locator"] for r in rows}


# --- accounts.shared_account -----------------------------------------------------------------

def test_shared_account_is_one_user_ref_searching_as_two_orgs_in_one_log(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    other = put_agency(store, "Riverside CA SO")
    t = datetime(2025, 5, 1, 18)
    put_rows(store, "searches", [
        _s(pub, "jdoe", t), _s(pub, "jdoe", t, searcher=other), _s(pub, "jdoe", None),
        # NULL searcher is the log's own agency: one org, not two
        _s(pub, "asmith", t), _s(pub, "asmith", t, searcher=None),
        _s(pub, None, t), _s(pub, None, t, searcher=other)])
    # "kim" in two agencies' logs, each time as that agency: two people, no shared account
    put_rows(store, "searches", [_s(pub, "kim", t), _s(other, "kim", t)])
    result = run_audit(store, only=["accounts.shared_account"])
    got = _findings(result, "accounts.shared_account")
    assert set(got) == {"jdoe"}
    assert got["jdoe"]["evidence_count"] == 3
    assert got["jdoe"]["agency_id"] == pub
    assert got["jdoe"]["message"] == (
        "The user id jdoe appears in Mapleton CA PD's records searching as more than one "
        "organisation (as Mapleton CA PD; as Riverside CA SO; 3 search(es)): a shared or reused "
        "account hides who searched.")


# --- accounts.search_after_inactivity --------------------------------------------------------

def test_search_after_a_year_of_silence_is_flagged_once(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    other = put_agency(store, "Rivera County CA SO")
    put_rows(store, "searches", [
        _s(pub, "back", datetime(2023, 3, 1, 18)), _s(pub, "back", datetime(2024, 2, 29, 18)),
        _s(pub, "back", datetime(2024, 2, 29, 19)),  # the next one, minutes later: no gap
        _s(pub, "near", datetime(2023, 3, 1, 18)), _s(pub, "near", datetime(2024, 2, 28, 18)),
        _s(pub, None, datetime(2020, 1, 1)), _s(pub, None, datetime(2025, 1, 1)),
        # "two" searched other's log in 2022 and this log in 2025: two people, no gap
        _s(other, "two", datetime(2022, 1, 1)), _s(pub, "two", datetime(2025, 1, 1))])
    got = _findings(run_audit(store, only=["accounts.search_after_inactivity"]),
                    "accounts.search_after_inactivity")
    assert set(got) == {"back"}  # 365 days exactly (2024 is a leap year); "near" waited 364
    assert _locators(store, "accounts.search_after_inactivity", "back") == {"row 3"}
    assert got["back"]["message"] == (
        "User back searched Mapleton CA PD's records after 365 or more days without any search "
        "(1 time(s); previous search 2023-03-01): the account should have been reviewed or "
        "disabled.")


# --- accounts.inactive -----------------------------------------------------------------------

def test_inactive_accounts_by_latest_login(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    cutoff = AS_OF - timedelta(days=365)
    put_rows(store, "users", [
        _u(pub, "old", last_login=cutoff - timedelta(seconds=1)),
        _u(pub, "edge", last_login=cutoff),            # exactly 365 days: not older
        _u(pub, "never", last_login=None),             # no login recorded: not judged
        _u(pub, "relisted", last_login=datetime(2020, 1, 1)),
        _u(pub, None, last_login=datetime(2020, 1, 1))])
    put_rows(store, "users", [_u(pub, "relisted", last_login=datetime(2025, 9, 1))])
    result = run_audit(store, only=["accounts.inactive"], as_of=AS_OF)
    got = _findings(result, "accounts.inactive")
    assert set(got) == {"old"}
    assert got["old"]["message"] == (
        "Mapleton CA PD's account old has not logged in for more than 365 days (last login "
        "2024-10-31) yet is still listed with access.")


def test_account_rules_not_applicable_without_users(store: Store) -> None:
    put_agency(store, "Mapleton CA PD")
    result = run_audit(store, only=["accounts.*"])
    assert result.findings == []
    assert set(result.not_applicable) == {
        "accounts.shared_account", "accounts.search_after_inactivity", "accounts.inactive",
        "accounts.no_training", "accounts.unknown_searcher"}


# --- accounts.no_training --------------------------------------------------------------------

def test_no_training_only_where_the_list_records_training(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    other = put_agency(store, "Rivera County CA SO")
    put_rows(store, "users", [
        _u(pub, "trained", training_on=date(2024, 2, 1)), _u(pub, "untrained"),
        _u(pub, "withheld", redacted=["training_on"]),
        _u(other, "x"), _u(other, "y")])  # other's list records no training at all
    got = _findings(run_audit(store, only=["accounts.no_training"]), "accounts.no_training")
    assert set(got) == {"untrained"}
    assert got["untrained"]["message"] == (
        "Mapleton CA PD's users list records training dates, but none for the account "
        "untrained (1 row(s)).")


# --- accounts.unknown_searcher ---------------------------------------------------------------

def test_unknown_searcher_is_an_own_search_by_someone_not_on_the_list(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    other = put_agency(store, "Riverside CA SO")
    nolist = put_agency(store, "Rivera County CA SO")
    put_rows(store, "users", [
        _u(pub, "jdoe@mapleton.gov", email="jdoe@mapleton.gov", display_name="Jane Doe"),
        _u(pub, "asmith")])
    t = datetime(2025, 5, 1, 18)
    put_rows(store, "searches", [
        _s(pub, "asmith", t), _s(pub, "JDoe@Mapleton.gov ", t), _s(pub, "Jane Doe", t),
        _s(pub, "ghost", t), _s(pub, "ghost", t, searcher=None),
        _s(pub, "visitor", t, searcher=other),  # another org's user: not on our list, fine
        _s(pub, None, t),
        _s(nolist, "anyone", t)])  # no users list for this agency: nothing to compare
    got = _findings(run_audit(store, only=["accounts.unknown_searcher"]),
                    "accounts.unknown_searcher")
    assert set(got) == {"ghost"}
    assert got["ghost"]["evidence_count"] == 2
    assert _locators(store, "accounts.unknown_searcher", "ghost") == {"row 5", "row 6"}
    assert got["ghost"]["message"] == (
        "2 search(es) in Mapleton CA PD's records were run by ghost as Mapleton CA PD, but "
        "ghost is not on Mapleton CA PD's users list.")


def test_unknown_searcher_skips_a_users_list_with_every_name_withheld(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "users", [_u(pub, None, redacted=["user_ref", "display_name", "email"])])
    put_rows(store, "searches", [_s(pub, "ghost", datetime(2025, 5, 1, 18))])
    assert run_audit(store, only=["accounts.unknown_searcher"]).findings == []
