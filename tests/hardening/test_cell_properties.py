"""Properties of the cell rules (``ingest/cells.py``) through their Python wrappers.

The wrappers evaluate the same DuckDB macros every importer runs on millions of cells, so a
property that holds here holds in every stage table:

* no text makes them raise, and each returns only what its contract says;
* every documented timestamp form round-trips (padded and unpadded, naive UTC, numeric
  offsets, Excel serials), and so does every documented integer form;
* trimming, case and the time-frame separators do not change a result;
* what a parser returns, it parses again to the same value (idempotence).

Known defects are pinned as strict xfails at the bottom: each names the fix it waits for.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alpr_audit.core.cells import (
    EMPTY_SENTINELS,
    EXCEL_SERIAL_MAX,
    EXCEL_SERIAL_MIN,
    OFFSET_FORMATS,
    TIMESTAMP_FORMATS,
    cell_state,
    parse_int,
    parse_time_frame,
    parse_timestamp,
)

FAST = settings(max_examples=80, deadline=None)

#: The characters aa_trim strips around a cell.
PAD = st.text(alphabet=" \t\r\n\xa0\u200b\ufeff", max_size=4)
#: Text built from what cells are made of, so the interesting branches are hit often.
CELLISH = st.text(alphabet="0123456789,.-+ :/TZUTCAPMtoe*#[]()redactNA\n\t\xa0—", max_size=40)
ANY_TEXT = st.one_of(st.text(max_size=60), CELLISH)
#: Instants the rules are meant for (ALPR records exist from the 2000s on; Excel's range).
WHEN = st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2099, 12, 31))


def _precision(fmt: str, when: dt.datetime) -> dt.datetime:
    """``when`` cut to what the format writes."""
    if "%f" not in fmt:
        when = when.replace(microsecond=0)
    if "%S" not in fmt:
        when = when.replace(second=0)
    if "%H" not in fmt and "%I" not in fmt:
        when = when.replace(hour=0, minute=0)
    return when


def _unpadded(fmt: str, when: dt.datetime) -> str:
    """A US-style form with month, day and 12-hour unpadded (``4/9/2025, 1:06:41 PM UTC``)."""
    text = when.strftime(fmt)
    head = f"{when.month}/{when.day}/{when.year}"
    text = head + text[10:]
    if "%I" in fmt:
        hour = f"{when.hour % 12 or 12}"
        padded = when.strftime("%I")
        text = text.replace(f" {padded}:", f" {hour}:", 1)
    return text


# --- never raises, returns only its contract ------------------------------------------------

@FAST
@given(ANY_TEXT)
@example("\x00")
@example("99999-01-01")
@example("1e400")
@example("9" * 40)
@example("epoch")
@example("infinity")
def test_no_text_makes_a_cell_rule_raise(text: str) -> None:
    assert cell_state(text) in ("empty", "redacted", "value")
    n = parse_int(text)
    assert n is None or (isinstance(n, int) and not isinstance(n, bool))
    parse_timestamp(text)
    frame = parse_time_frame(text)
    assert isinstance(frame, tuple) and len(frame) == 2


@FAST
@given(CELLISH)
def test_parsed_timestamps_are_naive_datetimes_in_the_records_range(text: str) -> None:
    # (years outside 1..9999 come back as text: see the xfail below; CELLISH has no such year)
    got = parse_timestamp(text)
    if got is not None and isinstance(got, dt.datetime):
        assert got.tzinfo is None


# --- timestamps ------------------------------------------------------------------------------

@FAST
@given(st.sampled_from(TIMESTAMP_FORMATS), WHEN, PAD, PAD)
def test_every_documented_timestamp_form_round_trips(fmt: str, when: dt.datetime,
                                                     left: str, right: str) -> None:
    text = when.strftime(fmt)
    assert parse_timestamp(left + text + right) == _precision(fmt, when)


@FAST
@given(st.sampled_from([f for f in TIMESTAMP_FORMATS if f.startswith("%m/%d/%Y")]), WHEN)
def test_unpadded_month_day_and_hour_round_trip(fmt: str, when: dt.datetime) -> None:
    assert parse_timestamp(_unpadded(fmt, when)) == _precision(fmt, when)


@FAST
@given(st.sampled_from(OFFSET_FORMATS), WHEN,
       st.integers(-12 * 4, 14 * 4).map(lambda q: dt.timedelta(minutes=15 * q)))
def test_numeric_offsets_convert_to_utc(fmt: str, when: dt.datetime, offset: dt.timedelta) -> None:
    aware = when.replace(tzinfo=dt.timezone(offset))
    utc = (when - offset).replace(microsecond=when.microsecond if "%f" in fmt else 0)
    assert parse_timestamp(aware.strftime(fmt)) == utc
    # the ISO form with a colon in the offset (``+05:30``) is the same instant
    assert parse_timestamp(aware.isoformat()) == (when - offset)


@FAST
@given(st.integers(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX - 1), st.sampled_from(["", ".0", ".5", ".25"]))
def test_excel_serial_days_are_dates_from_1899_12_30(days: int, frac: str) -> None:
    part = float("0" + frac) if frac else 0.0
    expect = dt.datetime(1899, 12, 30) + dt.timedelta(days=days + part)
    assert parse_timestamp(f"{days}{frac}") == expect


@FAST
@given(st.integers(0, EXCEL_SERIAL_MIN - 1) | st.integers(EXCEL_SERIAL_MAX + 1, 10**7))
def test_other_bare_numbers_are_not_timestamps(n: int) -> None:
    assert parse_timestamp(str(n)) is None


@FAST
@given(st.one_of(CELLISH, WHEN.map(str), WHEN.map(lambda w: w.strftime(TIMESTAMP_FORMATS[0]))))
def test_a_parsed_timestamp_parses_again_to_itself(text: str) -> None:
    got = parse_timestamp(text)
    if isinstance(got, dt.datetime):
        assert parse_timestamp(got.isoformat(sep=" ")) == got
        assert parse_timestamp(got.isoformat()) == got


@FAST
@given(st.sampled_from(TIMESTAMP_FORMATS), WHEN, WHEN,
       st.sampled_from(["\n", "\r\n", " to ", "\n  "]), PAD)
def test_time_frames_round_trip_in_both_layouts(fmt: str, a: dt.datetime, b: dt.datetime,
                                                sep: str, pad: str) -> None:
    text = pad + a.strftime(fmt) + sep + b.strftime(fmt) + pad
    assert parse_time_frame(text) == (_precision(fmt, a), _precision(fmt, b))


# --- integers --------------------------------------------------------------------------------

BIGINT = st.integers(-(2**63) + 1, 2**63 - 1)
EXACT = st.integers(-(2**53) + 1, 2**53 - 1)  # what an Excel float holds exactly


@FAST
@given(BIGINT, PAD, PAD)
def test_plain_and_grouped_integers_round_trip(n: int, left: str, right: str) -> None:
    assert parse_int(left + str(n) + right) == n
    assert parse_int(f"{n:,}") == n


@FAST
@given(EXACT)
def test_excel_floats_of_whole_numbers_round_trip(n: int) -> None:
    assert parse_int(repr(float(n))) == n  # 107472041.0
    digits = len(str(abs(n)))
    assert parse_int(f"{n:.{max(digits - 1, 0)}E}") == n  # 1.07472041E+08


@FAST
@given(EXACT, st.integers(1, 99))
def test_fractions_are_never_rounded_into_integers(n: int, cents: int) -> None:
    assert parse_int(f"{n}.{cents:02d}") is None


@FAST
@given(ANY_TEXT)
def test_a_parsed_integer_parses_again_to_itself(text: str) -> None:
    n = parse_int(text)
    if n is not None:
        assert parse_int(str(n)) == n


# --- cell states -----------------------------------------------------------------------------

MARKERS = ["***", "****", "REDACTED", "[REDACTED]", "(redacted)", "###", "* * *", "7923.600 GC",
           "GC 7923.600", "Gov. Code § 7923.600", "exempt", "Withheld"]


@FAST
@given(ANY_TEXT, PAD, PAD)
def test_padding_never_changes_a_cells_state(text: str, left: str, right: str) -> None:
    assert cell_state(left + text + right) == cell_state(text)


@FAST
@given(st.sampled_from(EMPTY_SENTINELS), PAD, st.booleans())
def test_every_empty_sentinel_is_empty_in_any_case(sentinel: str, pad: str, upper: bool) -> None:
    assert cell_state(pad + (sentinel.upper() if upper else sentinel) + pad) == "empty"


@FAST
@given(st.sampled_from(MARKERS), PAD, st.booleans())
def test_every_redaction_marker_is_redacted_in_any_case(marker: str, pad: str, upper: bool) -> None:
    assert cell_state(pad + (marker.upper() if upper else marker.lower()) + pad) == "redacted"


@FAST
@given(st.from_regex(r"[0-9A-Z]{1,4}\*[0-9A-Z]{1,4}", fullmatch=True))
def test_a_wildcard_inside_a_plate_is_a_value(plate: str) -> None:
    assert cell_state(plate) == "value"


@FAST
@given(BIGINT)
def test_numbers_are_values(n: int) -> None:
    assert cell_state(str(n)) == "value"


# --- defects found by these properties (the integer ones are fixed in cells.py) ---------------

@pytest.mark.xfail(strict=True, reason="cells.py: aa_ts_t accepts years outside 1..9999 and "
                   "the wrapper then returns DuckDB's text ('0001-01-01 (BC) 00:00:00'); fix: "
                   "keep aa_ts_t's result only BETWEEN TIMESTAMP '1900-01-01' AND '2200-01-01'")
@pytest.mark.parametrize("text", ["0000-01-01", "9999-12-31T23:59:59-12:00"])
def test_out_of_range_years_are_not_timestamps(text: str) -> None:
    assert parse_timestamp(text) is None


@pytest.mark.parametrize("text", ["0x10", "1_000", "0b101"])
def test_hex_and_underscore_literals_are_not_counts(text: str) -> None:
    assert parse_int(text) is None


@pytest.mark.parametrize("text", ["1,2,3", "12,34", "1 2 3 4", "1,0000"])
def test_badly_grouped_numbers_are_not_counts(text: str) -> None:
    assert parse_int(text) is None
