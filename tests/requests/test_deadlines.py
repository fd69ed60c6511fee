"""CPRA deadlines (requests/deadlines.py): Gov. Code §7922.535 counting, roll-forward, pauses."""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpr_audit.core.errors import UsageError
from alpr_audit.requests.deadlines import (
    Deadlines,
    california_holidays,
    compute_deadlines,
    describe,
    next_business_day,
    overdue,
)

DAY = dt.timedelta(days=1)
# Hypothesis stays inside the years the holidays package covers (it stops at 2100).
dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2095, 12, 31))


def _is_business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in california_holidays()


# --- the fixture request (LAPD 25-2170, shared/fixtures/requests) -----------------------------

def test_seed_request_due_feb_20_and_mar_6_with_extension() -> None:
    d = compute_deadlines(date(2025, 2, 10), extended=True)
    assert d.due_on == date(2025, 2, 20)
    assert d.extended_due_on == date(2025, 3, 6)
    assert d.applicable_due_on == date(2025, 3, 6)
    assert not d.rolled and d.notes == []


def test_seed_request_same_with_roll_forward_because_both_are_thursdays() -> None:
    d = compute_deadlines(date(2025, 2, 10), extended=True, roll_forward=True)
    assert (d.due_on, d.extended_due_on, d.rolled) == (date(2025, 2, 20), date(2025, 3, 6), False)


def test_no_extension_means_no_extended_date() -> None:
    d = compute_deadlines(date(2025, 2, 10))
    assert d.extended_due_on is None and d.applicable_due_on == date(2025, 2, 20)


def test_shorter_extension_counts_its_own_days() -> None:
    d = compute_deadlines(date(2025, 2, 10), extended=True, extension_days=7)
    assert d.extended_due_on == date(2025, 2, 27)


@pytest.mark.parametrize("days", [15, 30, -1])
def test_extension_outside_0_to_14_days_is_a_usage_error(days: int) -> None:
    with pytest.raises(UsageError) as err:
        compute_deadlines(date(2025, 2, 10), extended=True, extension_days=days)
    assert "7922.535(b)" in err.value.message and err.value.hint


# --- calendar days by default, roll-forward on request -----------------------------------------

def test_saturday_due_date_is_kept_by_default_with_a_note() -> None:
    d = compute_deadlines(date(2025, 2, 12))  # +10 = Saturday 2025-02-22
    assert d.due_on == date(2025, 2, 22) and not d.rolled
    assert any("Saturday" in n and "roll-forward off" in n for n in d.notes)


def test_saturday_due_date_rolls_to_monday() -> None:
    d = compute_deadlines(date(2025, 2, 12), roll_forward=True)
    assert d.due_on == date(2025, 2, 24) and d.rolled
    assert any("Saturday" in n and "2025-02-24" in n and "rolled forward" in n for n in d.notes)


def test_presidents_day_rolls_to_tuesday() -> None:
    d = compute_deadlines(date(2025, 2, 7), roll_forward=True)  # +10 = Mon 2025-02-17
    assert d.due_on == date(2025, 2, 18) and d.rolled
    assert any("Presidents' Day" in n for n in d.notes)


def test_christmas_rolls_to_the_26th() -> None:
    d = compute_deadlines(date(2025, 12, 15), roll_forward=True)  # +10 = Thu 2025-12-25
    assert d.due_on == date(2025, 12, 26)
    assert any("Christmas" in n for n in d.notes)


def test_thanksgiving_rolls_past_day_after_and_weekend() -> None:
    d = compute_deadlines(date(2025, 11, 17), roll_forward=True)  # +10 = Thanksgiving
    assert d.due_on == date(2025, 12, 1)


def test_cesar_chavez_day_is_a_california_holiday() -> None:
    d = compute_deadlines(date(2025, 3, 21), roll_forward=True)  # +10 = Mon 2025-03-31
    assert d.due_on == date(2025, 4, 1)
    assert any("Chavez" in n for n in d.notes)


def test_california_calendar_has_state_holidays_and_not_dropped_ones() -> None:
    cal = california_holidays()
    assert date(2025, 3, 31) in cal  # César Chávez Day (state)
    assert date(2025, 11, 28) in cal  # Day after Thanksgiving (state)
    assert date(2025, 2, 15) in cal  # Susan B. Anthony Day (the package counts it)
    assert date(2025, 2, 12) not in cal  # Lincoln's Birthday, dropped after 2009
    assert date(2025, 10, 13) not in cal  # Columbus Day, dropped after 2008


def test_extended_date_rolls_independently_of_the_due_date() -> None:
    # received Wed 2025-02-12: due Sat 02-22 → Mon 02-24; 24 days → Sat 03-08 → Mon 03-10
    d = compute_deadlines(date(2025, 2, 12), extended=True, roll_forward=True)
    assert (d.due_on, d.extended_due_on) == (date(2025, 2, 24), date(2025, 3, 10))
    assert len([n for n in d.notes if "rolled forward" in n]) == 2


def test_own_holiday_calendar_replaces_the_california_one() -> None:
    d = compute_deadlines(date(2025, 2, 10), roll_forward=True,
                          holiday_calendar={date(2025, 2, 20)})
    assert d.due_on == date(2025, 2, 21)
    assert any("holiday" in n for n in d.notes)


# --- clock pauses --------------------------------------------------------------------------------

def test_pause_moves_both_deadlines_and_is_documented() -> None:
    d = compute_deadlines(date(2025, 2, 10), extended=True,
                          paused=[(date(2025, 2, 12), date(2025, 2, 14))])
    assert d.due_on == date(2025, 2, 23)
    assert d.extended_due_on == date(2025, 3, 9)
    assert any("clock paused 2025-02-12 to 2025-02-14 (3 days" in n for n in d.notes)
    assert any("move the due date 3 days" in n for n in d.notes)


def test_pause_after_the_due_date_moves_only_the_extended_date() -> None:
    d = compute_deadlines(date(2025, 2, 10), extended=True,
                          paused=[(date(2025, 2, 25), date(2025, 2, 26))])
    assert d.due_on == date(2025, 2, 20)
    assert d.extended_due_on == date(2025, 3, 8)


def test_pause_before_receipt_has_no_effect_and_says_so() -> None:
    d = compute_deadlines(date(2025, 2, 10), paused=[(date(2025, 2, 1), date(2025, 2, 10))])
    assert d.due_on == date(2025, 2, 20)
    assert any("no effect" in n for n in d.notes)


def test_overlapping_pauses_are_not_counted_twice() -> None:
    d = compute_deadlines(date(2025, 2, 10), paused=[(date(2025, 2, 12), date(2025, 2, 14)),
                                                      (date(2025, 2, 13), date(2025, 2, 15))])
    assert d.due_on == date(2025, 2, 24)  # 12..15 = 4 paused days


def test_pause_that_ends_before_it_starts_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        compute_deadlines(date(2025, 2, 10), paused=[(date(2025, 2, 14), date(2025, 2, 12))])


# --- properties ---------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(dates)
def test_due_is_ten_calendar_days_after_receipt(received: date) -> None:
    assert compute_deadlines(received).due_on - received == dt.timedelta(days=10)


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=0, max_value=14))
def test_extension_adds_exactly_extension_days(received: date, days: int) -> None:
    d = compute_deadlines(received, extended=True, extension_days=days)
    assert d.extended_due_on is not None
    assert d.extended_due_on - d.due_on == dt.timedelta(days=days)


@settings(max_examples=300, deadline=None)
@given(dates, st.booleans())
def test_roll_forward_never_moves_back_and_lands_on_a_business_day(received: date,
                                                                  extended: bool) -> None:
    plain = compute_deadlines(received, extended=extended)
    rolled = compute_deadlines(received, extended=extended, roll_forward=True)
    assert rolled.due_on >= plain.due_on and _is_business_day(rolled.due_on)
    assert rolled.rolled == (rolled.due_on != plain.due_on
                             or rolled.extended_due_on != plain.extended_due_on)
    if extended:
        assert rolled.extended_due_on is not None and plain.extended_due_on is not None
        assert rolled.extended_due_on >= plain.extended_due_on
        assert _is_business_day(rolled.extended_due_on)
        # a business day in between would have stopped the roll: it moves to the *next* one
        day = plain.extended_due_on
        while day < rolled.extended_due_on:
            assert not _is_business_day(day)
            day += DAY


@settings(max_examples=200, deadline=None)
@given(dates, st.lists(st.tuples(st.integers(-15, 40), st.integers(0, 10)), max_size=3))
def test_pauses_move_the_due_date_by_the_paused_days_inside_the_clock(
        received: date, raw: list[tuple[int, int]]) -> None:
    pauses = [(received + dt.timedelta(days=a), received + dt.timedelta(days=a + n))
              for a, n in raw]
    d = compute_deadlines(received, paused=pauses)
    paused_days = {p[0] + dt.timedelta(days=i) for p in pauses
                   for i in range((p[1] - p[0]).days + 1)}
    counted = [received + dt.timedelta(days=i) for i in range(1, (d.due_on - received).days + 1)
               if received + dt.timedelta(days=i) not in paused_days]
    assert len(counted) == 10 and counted[-1] == d.due_on
    assert len(d.notes) >= len(pauses)


def test_next_business_day_keeps_a_business_day() -> None:
    assert next_business_day(date(2025, 2, 20)) == date(2025, 2, 20)


# --- overdue listing -----------------------------------------------------------------------------

def _req(rid: str, status: str, **dates: str | None) -> dict:
    return {"request_id": rid, "status": status, **dates}


def test_overdue_uses_extended_date_and_skips_closed_requests() -> None:
    reqs = [
        _req("lapd", "processing", received_on="2025-02-10", due_on="2025-02-20",
             extended_due_on="2025-03-06"),
        _req("plain", "acknowledged", received_on="2025-02-10", due_on="2025-02-20"),
        _req("closed", "done", due_on="2025-01-01"),
        _req("rejected", "rejected", due_on="2025-01-01"),
        _req("nodata", "no_records", due_on="2025-01-01"),
        _req("gone", "withdrawn", due_on="2025-01-01"),
        _req("not_yet", "submitted", due_on="2025-03-10"),
        _req("undated", "submitted"),
    ]
    out = overdue(reqs, date(2025, 3, 10))
    assert [r["request_id"] for r in out] == ["plain", "lapd"]
    assert out[0]["days_overdue"] == 18 and out[0]["basis"] == "Gov. Code §7922.535(a)"
    assert out[1]["days_overdue"] == 4 and out[1]["applicable_due_on"] == date(2025, 3, 6)
    assert "extension" in out[1]["basis"]
    assert "days_overdue" not in reqs[0]  # the input rows are not changed


def test_due_date_itself_is_not_overdue() -> None:
    assert overdue([_req("x", "submitted", due_on="2025-02-20")], date(2025, 2, 20)) == []
    assert len(overdue([_req("x", "submitted", due_on="2025-02-20")], date(2025, 2, 21))) == 1


def test_overdue_computes_missing_dates_from_receipt_and_extended_status() -> None:
    reqs = [{"request_id": "a", "status": "extended", "received_on": date(2025, 2, 10)},
            {"request_id": "b", "status": None, "received_on": dt.datetime(2025, 2, 10, 9)}]
    out = {r["request_id"]: r for r in overdue(reqs, date(2025, 3, 7))}
    assert out["a"]["applicable_due_on"] == date(2025, 3, 6) and out["a"]["days_overdue"] == 1
    assert out["b"]["applicable_due_on"] == date(2025, 2, 20)


def test_overdue_bad_date_is_a_usage_error_naming_the_request() -> None:
    with pytest.raises(UsageError) as err:
        overdue([_req("r7", "submitted", due_on="Feb 20")], date(2025, 3, 1))
    assert "r7" in err.value.message and err.value.locator == "r7.due_on"


# --- describe ------------------------------------------------------------------------------------

def test_describe_names_dates_and_sections() -> None:
    line = describe(compute_deadlines(date(2025, 2, 10), extended=True))
    assert "\n" not in line
    for part in ("2025-02-10", "2025-02-20", "2025-03-06", "§7922.535(a)", "§7922.535(b)",
                 "14 calendar days later"):
        assert part in line


def test_describe_mentions_roll_and_pause() -> None:
    rolled = describe(compute_deadlines(date(2025, 2, 12), roll_forward=True))
    assert "rolled" in rolled and "2025-02-24" in rolled
    paused = describe(compute_deadlines(date(2025, 2, 10),
                                        paused=[(date(2025, 2, 11), date(2025, 2, 11))]))
    assert "clock paused" in paused


def test_as_dict_is_json_ready() -> None:
    d = Deadlines(date(2025, 2, 10), date(2025, 2, 20))
    assert d.as_dict()["due_on"] == "2025-02-20" and d.as_dict()["extended_due_on"] is None
