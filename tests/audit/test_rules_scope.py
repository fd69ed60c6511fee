"""Scope and volume rules: nationwide searches, bursts, spikes over a user's own baseline and
off-shift searches fire at their thresholds and not one search below; searches without a user
are attributed to no one; the same name in two agencies' logs is two people."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.store.store import Store


def _s(pub: str, user: str | None, at: datetime | None, **kw: Any) -> dict[str, Any]:
    return dict(publisher_agency_id=pub, searcher_agency_id=kw.pop("searcher", pub),
                user_ref=user, searched_at=at, reason="stolen vehicle", plate_query="ABC123",
                networks_searched=kw.pop("networks", 5), **kw)


def _findings(result, rule_id: str) -> dict[str, dict[str, Any]]:
    return {f.subject: f for f in result.findings if f.rule_id == rule_id}


def _locators(store: Store, rule_id: str, subject: str) -> set[str]:
    rows = store.query("SELECT source_id, locator FROM evidence WHERE rule_id = ? AND subject = ?",
                       [rule_id, subject])
    return {r["locator"] for r in rows}


def _every(start: datetime, n: int, step: timedelta) -> list[datetime]:
    return [start + i * step for i in range(n)]


# --- scope.many_networks ---------------------------------------------------------------------

def test_many_networks_fires_at_the_threshold_and_names_the_searching_org(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    other = put_agency(store, "Riverside CA SO")
    t = datetime(2025, 5, 1, 18)
    put_rows(store, "searches", [
        _s(pub, "a", t, networks=1000, searcher=other),
        _s(pub, "a", t, networks=999, searcher=other),
        _s(pub, "b", t, networks=6809, searcher=None), _s(pub, "c", t, networks=None),
        _s(pub, None, t, networks=1200, searcher=other)])
    got = _findings(run_audit(store, only=["scope.*"]), "scope.many_networks")
    assert set(got) == {other, pub}  # NULL searcher → the log's own agency
    assert got[other]["evidence_count"] == 2  # 1000 and the user-less 1200; 999 is a near-miss
    assert _locators(store, "scope.many_networks", other) == {"row 2", "row 6"}
    assert got[pub]["message"] == (
        "1 search(es) in Mapleton CA PD's records by Mapleton CA PD each searched 1000 or more "
        "networks at once (e.g. 6809 networks): a nationwide search needs a stated, authorized "
        "purpose.")


def test_many_networks_not_applicable_without_searches(store: Store) -> None:
    put_agency(store, "Mapleton CA PD")
    result = run_audit(store, only=["scope.*", "volume.*"])
    assert result.findings == []
    assert set(result.not_applicable) == {"scope.many_networks", "volume.burst",
                                          "volume.user_spike", "volume.off_shift"}


# --- volume.burst ----------------------------------------------------------------------------

def test_burst_marks_every_search_inside_a_full_window_and_nothing_below(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    other = put_agency(store, "Rivera County CA SO")
    t = datetime(2025, 3, 3, 18)
    rows = []
    # a: 20 searches in 9:30, plus one 10:00 before the first and one 10:00 after the last
    rows += [_s(pub, "a", at) for at in _every(t, 20, timedelta(seconds=30))]
    rows += [_s(pub, "a", t - timedelta(minutes=10)),
             _s(pub, "a", t + timedelta(minutes=19, seconds=30))]
    # b: 19 searches in 10 minutes (near-miss)
    rows += [_s(pub, "b", at) for at in _every(t, 19, timedelta(seconds=31))]
    # c: 20 searches whose first and last are exactly 10 minutes apart: [t, t+10min) holds 19
    rows += [_s(pub, "c", at)
             for at in _every(t, 19, timedelta(seconds=30)) + [t + timedelta(minutes=10)]]
    # d: 20 searches in the same second (ties)
    rows += [_s(pub, "d", t)] * 20
    # no user: 25 searches in a minute, attributed to no one
    rows += [_s(pub, None, at) for at in _every(t, 25, timedelta(seconds=2))]
    # "e" searches 10 times in each of two agencies' logs: two people, no burst
    rows += [_s(pub, "e", at) for at in _every(t, 10, timedelta(seconds=5))]
    rows += [_s(other, "e", at) for at in _every(t, 10, timedelta(seconds=5))]
    put_rows(store, "searches", rows)
    result = run_audit(store, only=["volume.burst"])
    got = _findings(result, "volume.burst")
    assert set(got) == {"a", "d"}
    assert got["a"]["evidence_count"] == 20
    assert _locators(store, "volume.burst", "a") == {f"row {i + 2}" for i in range(20)}
    assert got["d"]["evidence_count"] == 20
    assert got["a"]["message"] == (
        "User a ran 20 search(es) in Mapleton CA PD's records inside 10-minute windows holding "
        "20 or more of their searches (windows starting 2025-03-03 18:00:00), between "
        "2025-03-03 18:00:00 and 2025-03-03 18:09:30.")


def test_burst_evidence_is_the_union_of_overlapping_windows(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    t = datetime(2025, 3, 3, 18)
    # 40 searches 25 s apart: the windows starting at the first 21 hold 20–24 of them
    put_rows(store, "searches", [_s(pub, "a", at) for at in _every(t, 40, timedelta(seconds=25))])
    got = _findings(run_audit(store, only=["volume.burst"]), "volume.burst")
    assert got["a"]["evidence_count"] == 40


def _brute_force_burst(times: list[datetime], need: int, span: timedelta) -> set[int]:
    members: set[int] = set()
    for start in times:
        inside = [i for i, t in enumerate(times) if start <= t < start + span]
        if len(inside) >= need:
            members.update(inside)
    return members


def test_burst_matches_a_brute_force_search_of_every_window(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    rng = random.Random(3)
    base = datetime(2025, 3, 3, 18)
    rows, want = [], set()
    for u in range(12):
        # clumps of searches on a coarse grid (ties and exact 10-minute gaps happen)
        times = [base + timedelta(seconds=15 * rng.randrange(rng.choice([30, 60, 120, 400])))
                 for _ in range(rng.randrange(15, 60))]
        want |= {f"{u}:{i}" for i in _brute_force_burst(times, 20, timedelta(minutes=10))}
        rows += [_s(pub, f"u{u}", t, locator=f"{u}:{i}") for i, t in enumerate(times)]
    put_rows(store, "searches", rows)
    run_audit(store, only=["volume.burst"])
    got = {r["locator"] for r in store.query(
        "SELECT locator FROM evidence WHERE rule_id = 'volume.burst'")}
    assert want and got == want


# --- volume.user_spike -----------------------------------------------------------------------

def _days(pub: str, user: str, counts: list[int], start: datetime) -> list[dict[str, Any]]:
    rows = []
    for d, n in enumerate(counts):
        day = start + timedelta(days=d)
        rows += [_s(pub, user, at) for at in _every(day, n, timedelta(minutes=3))]
    return rows


def test_user_spike_fires_on_a_day_far_above_the_users_own_baseline(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    start = datetime(2025, 1, 1, 16)
    rows = _days(pub, "spiky", [2] * 9 + [40], start)            # 10 days, spike of exactly 40
    rows += _days(pub, "below_min", [2] * 9 + [39], start)       # 39 < spike_min
    rows += _days(pub, "few_days", [2] * 8 + [60], start)        # 9 active days: no baseline
    rows += _days(pub, "noisy", [10] * 5 + [30] * 5 + [80], start)  # z = 50 / (1.4826 * 20) < 6
    rows += [dict(r, user_ref=None) for r in _days(pub, "x", [2] * 9 + [90], start)]
    put_rows(store, "searches", rows)
    got = _findings(run_audit(store, only=["volume.user_spike"]), "volume.user_spike")
    assert set(got) == {"spiky"}
    assert got["spiky"]["evidence_count"] == 40
    spike_rows = {f"row {i + 2}" for i in range(18, 58)}  # the 10th day's searches
    assert _locators(store, "volume.user_spike", "spiky") == spike_rows
    assert got["spiky"]["message"] == (
        "User spiky ran 40 search(es) in Mapleton CA PD's records on day(s) far above their own "
        "usual daily volume (at least 40 searches and a robust z-score of 6.0 or more): "
        "40 searches on 2025-01-10 (median 2.0/day).")


def test_user_spike_counts_utc_days(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    rows = []
    for user, first in (("inside", datetime(2025, 2, 1, 23, 0)),
                        ("straddle", datetime(2025, 2, 1, 23, 35))):
        rows += _days(pub, user, [3] * 12, datetime(2025, 1, 1, 16))
        # 45 searches a minute apart: all on Feb 1 (UTC), or split 25 / 20 across midnight
        rows += [_s(pub, user, at) for at in _every(first, 45, timedelta(minutes=1))]
    put_rows(store, "searches", rows)
    got = _findings(run_audit(store, only=["volume.user_spike"]), "volume.user_spike")
    assert set(got) == {"inside"}
    assert got["inside"]["evidence_count"] == 45


# --- volume.off_shift ------------------------------------------------------------------------

def _daytime(pub: str, user: str, n: int) -> list[dict[str, Any]]:
    """n searches at 18:00 UTC (10:00 PST / 11:00 PDT), one a day."""
    return [_s(pub, user, at) for at in _every(datetime(2025, 1, 10, 18), n, timedelta(days=1))]


def test_off_shift_flags_the_rare_night_searches_in_local_time(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    rows = []
    # night: 36 day searches, 2 near-night ones and 2 at 01:30 PST / 02:30 PDT: 2 of 40 = 5 %,
    # exactly the threshold
    rows += _daytime(pub, "night", 36)
    rows += [_s(pub, "night", datetime(2025, 1, 8, 9, 30)),
             _s(pub, "night", datetime(2025, 7, 8, 9, 30))]
    # 05:30 PDT in July and 00:30 PST in January are outside 01:00–04:59 local
    rows += [_s(pub, "night", datetime(2025, 7, 9, 12, 30)),
             _s(pub, "night", datetime(2025, 1, 9, 8, 30))]
    # few: 28 + 1 night search = 29 searches, below off_shift_min_searches
    rows += _daytime(pub, "few", 28) + [_s(pub, "few", datetime(2025, 1, 8, 11))]
    # owl: 3 of 40 at night (7.5 %): nights are part of this user's normal work
    rows += _daytime(pub, "owl", 37) + [_s(pub, "owl", datetime(2025, 1, 8, 11))] * 3
    rows += [dict(r, user_ref=None) for r in _daytime(pub, "x", 40)]
    rows += [_s(pub, None, datetime(2025, 1, 8, 11))]
    put_rows(store, "searches", rows)
    got = _findings(run_audit(store, only=["volume.off_shift"]), "volume.off_shift")
    assert set(got) == {"night"}
    assert got["night"]["evidence_count"] == 2
    assert _locators(store, "volume.off_shift", "night") == {"row 38", "row 39"}
    assert got["night"]["message"] == (
        "User night ran 2 search(es) in Mapleton CA PD's records between 1:00 and 5:00 local "
        "time (America/Los_Angeles), hours that hold at most 5% of their searches (e.g. "
        "01:30 local; 02:30 local).")


def test_off_shift_uses_the_timezone_setting(store: Store, tmp_path: Path) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    # 08:30 UTC in January: 00:30 in Los Angeles (on shift), 03:30 in New York (off shift)
    put_rows(store, "searches",
             _daytime(pub, "u", 39) + [_s(pub, "u", datetime(2025, 1, 8, 8, 30))])
    assert _findings(run_audit(store, only=["volume.off_shift"]), "volume.off_shift") == {}
    settings = tmp_path / "ny.toml"
    settings.write_text('[settings]\ntimezone = "America/New_York"\n')
    got = _findings(run_audit(store, only=["volume.off_shift"], settings_file=settings),
                    "volume.off_shift")
    assert got["u"]["evidence_count"] == 1 and "03:30 local" in got["u"]["message"]
