"""Tests for the shared cell rules (``alpr_audit.core.cells``).

The rules are DuckDB macros; the Python wrappers evaluate the same macros on one value, so
these tests exercise the SQL that the bulk importers run. Expected values come from
docs/formats.md ("Common cell rules" and the Flock sections), not from the implementation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpr_audit.core import cells
from alpr_audit.core.cells import (
    cell_state,
    cell_text,
    parse_int,
    parse_time_frame,
    parse_timestamp,
)

D = dt.datetime
UTC = dt.UTC

# Each wrapper call is one DuckDB query (~50 µs); Hypothesis overhead dominates, so keep the
# example counts moderate and never let a loaded machine trip the deadline.
PROPERTY = settings(max_examples=100, deadline=None)
SMALL = settings(max_examples=50, deadline=None)


# =============================================================================================
# 1. Timestamps: examples
# =============================================================================================

#: One example per declared strptime form (cells.TIMESTAMP_FORMATS), with the UTC it means.
TIMESTAMP_FORMAT_EXAMPLES: dict[str, tuple[str, D]] = {
    "%m/%d/%Y, %I:%M:%S %p UTC": ("01/31/2022, 11:26:24 PM UTC", D(2022, 1, 31, 23, 26, 24)),
    "%Y-%m-%d %H:%M:%S.%f": ("2025-06-18 00:02:04.789", D(2025, 6, 18, 0, 2, 4, 789000)),
    "%Y-%m-%dT%H:%M:%S.%fZ": ("2026-03-10T04:31:52.901Z", D(2026, 3, 10, 4, 31, 52, 901000)),
    "%Y-%m-%dT%H:%M:%SZ": ("2026-03-10T04:31:52Z", D(2026, 3, 10, 4, 31, 52)),
    "%Y-%m-%d %H:%M:%S": ("2025-06-18 00:02:04", D(2025, 6, 18, 0, 2, 4)),
    "%m/%d/%Y %I:%M:%S %p UTC": ("01/31/2022 11:26:24 PM UTC", D(2022, 1, 31, 23, 26, 24)),
    "%m/%d/%Y, %I:%M %p UTC": ("01/31/2022, 11:26 PM UTC", D(2022, 1, 31, 23, 26)),
    "%m/%d/%Y %I:%M %p UTC": ("01/31/2022 11:26 PM UTC", D(2022, 1, 31, 23, 26)),
    "%m/%d/%Y, %H:%M:%S UTC": ("01/31/2022, 23:26:24 UTC", D(2022, 1, 31, 23, 26, 24)),
    "%m/%d/%Y, %I:%M:%S %p": ("01/31/2022, 11:26:24 PM", D(2022, 1, 31, 23, 26, 24)),
    "%m/%d/%Y %I:%M:%S %p": ("01/31/2022 11:26:24 PM", D(2022, 1, 31, 23, 26, 24)),
    "%m/%d/%Y %H:%M:%S": ("01/31/2022 23:26:24", D(2022, 1, 31, 23, 26, 24)),
    "%m/%d/%Y %H:%M": ("01/31/2022 23:26", D(2022, 1, 31, 23, 26)),
    "%Y-%m-%dT%H:%M:%S.%f": ("2026-03-10T04:31:52.901", D(2026, 3, 10, 4, 31, 52, 901000)),
    "%Y-%m-%dT%H:%M:%S": ("2026-03-10T04:31:52", D(2026, 3, 10, 4, 31, 52)),
    "%Y-%m-%d %H:%M:%S UTC": ("2025-06-18 00:02:04 UTC", D(2025, 6, 18, 0, 2, 4)),
    "%Y-%m-%d %H:%M:%S.%f UTC": ("2025-06-18 00:02:04.789 UTC", D(2025, 6, 18, 0, 2, 4, 789000)),
    "%Y-%m-%d %H:%M": ("2025-06-18 00:02", D(2025, 6, 18, 0, 2)),
    "%m/%d/%Y": ("01/31/2022", D(2022, 1, 31)),
    "%Y-%m-%d": ("2025-06-18", D(2025, 6, 18)),
}

#: One example per declared offset form (cells.OFFSET_FORMATS), with the UTC it means.
OFFSET_FORMAT_EXAMPLES: dict[str, tuple[str, D]] = {
    "%Y-%m-%dT%H:%M:%S.%f%z": ("2025-06-18T00:02:04.5+05:30", D(2025, 6, 17, 18, 32, 4, 500000)),
    "%Y-%m-%dT%H:%M:%S%z": ("2025-06-18T00:02:04-07:00", D(2025, 6, 18, 7, 2, 4)),
    "%Y-%m-%d %H:%M:%S.%f%z": ("2025-06-18 00:02:04.250+00:00", D(2025, 6, 18, 0, 2, 4, 250000)),
    "%Y-%m-%d %H:%M:%S%z": ("2025-06-18 00:02:04-0700", D(2025, 6, 18, 7, 2, 4)),
}


def test_every_declared_timestamp_format_has_an_example_here():
    # Guards this file against drift: a form added to cells.py must get an example below.
    assert set(TIMESTAMP_FORMAT_EXAMPLES) == set(cells.TIMESTAMP_FORMATS)
    assert set(OFFSET_FORMAT_EXAMPLES) == set(cells.OFFSET_FORMATS)


@pytest.mark.parametrize(
    "fmt, text, expected",
    [(f, t, e) for f, (t, e) in TIMESTAMP_FORMAT_EXAMPLES.items()]
    + [(f, t, e) for f, (t, e) in OFFSET_FORMAT_EXAMPLES.items()],
)
def test_example_really_is_in_its_declared_form(fmt, text, expected):
    # Python's strptime checks the example table itself, independently of DuckDB.
    parsed = dt.datetime.strptime(text, fmt)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    assert parsed == expected


@pytest.mark.parametrize(
    "text, expected",
    [(t, e) for t, e in TIMESTAMP_FORMAT_EXAMPLES.values()],
)
def test_parse_timestamp_reads_every_declared_utc_or_naive_form(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        *OFFSET_FORMAT_EXAMPLES.values(),
        # crossing midnight and the year boundary when converted
        ("2025-12-31T23:30:00-01:00", D(2026, 1, 1, 0, 30)),
        ("2026-01-01T05:00:00+07:00", D(2025, 12, 31, 22, 0)),
        ("2025-06-18T00:02:04+05:45", D(2025, 6, 17, 18, 17, 4)),
        ("2025-06-18T00:02:04.901+00:00", D(2025, 6, 18, 0, 2, 4, 901000)),
    ],
)
def test_parse_timestamp_converts_numeric_offsets_to_utc(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("01/31/2022, 11:26:24 PM UTC", D(2022, 1, 31, 23, 26, 24)),
        ("4/9/2025, 1:06:41 PM UTC", D(2025, 4, 9, 13, 6, 41)),
        ("4/09/2025, 01:06:41 PM UTC", D(2025, 4, 9, 13, 6, 41)),
        ("12/1/2025, 9:00:00 AM UTC", D(2025, 12, 1, 9, 0, 0)),
    ],
)
def test_parse_timestamp_reads_flock_search_time_padded_and_unpadded(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # 12 AM is midnight (hour 0), not noon
        ("1/1/2025, 12:00:00 AM UTC", D(2025, 1, 1, 0, 0, 0)),
        ("3/5/2024, 12:34:56 AM UTC", D(2024, 3, 5, 0, 34, 56)),
        ("3/5/2024, 12:59:59 AM UTC", D(2024, 3, 5, 0, 59, 59)),
        # 12 PM is noon (hour 12), not midnight of the next day
        ("1/1/2025, 12:00:00 PM UTC", D(2025, 1, 1, 12, 0, 0)),
        ("3/5/2024, 12:34:56 PM UTC", D(2024, 3, 5, 12, 34, 56)),
        # the hours either side
        ("3/5/2024, 11:59:59 PM UTC", D(2024, 3, 5, 23, 59, 59)),
        ("3/5/2024, 1:00:00 AM UTC", D(2024, 3, 5, 1, 0, 0)),
        ("3/5/2024, 11:59:59 AM UTC", D(2024, 3, 5, 11, 59, 59)),
        ("3/5/2024, 1:00:00 PM UTC", D(2024, 3, 5, 13, 0, 0)),
    ],
)
def test_parse_timestamp_maps_12_am_to_midnight_and_12_pm_to_noon(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("45678.5", D(2025, 1, 21, 12, 0)),
        ("45678", D(2025, 1, 21)),
        ("45678.25", D(2025, 1, 21, 6, 0)),
        ("44592.97666666667", D(2022, 1, 31, 23, 26, 24)),
        # the declared bounds of the serial range are inclusive
        (str(cells.EXCEL_SERIAL_MIN), D(1899, 12, 30) + dt.timedelta(days=cells.EXCEL_SERIAL_MIN)),
        (str(cells.EXCEL_SERIAL_MAX), D(1899, 12, 30) + dt.timedelta(days=cells.EXCEL_SERIAL_MAX)),
    ],
)
def test_parse_timestamp_reads_excel_serial_day_numbers(text, expected):
    got = parse_timestamp(text)
    assert got is not None
    assert abs(got - expected) < dt.timedelta(milliseconds=1)


@pytest.mark.parametrize(
    "text",
    [
        "12345",
        "123456",
        "99999.5",
        str(cells.EXCEL_SERIAL_MIN - 1),
        str(cells.EXCEL_SERIAL_MAX + 1),
        "1024915",  # a count (FORMATS: `1,024,915`)
        "107472041.0",  # an Excel-float count
        "1,024,915",
        "0",
        "1",
        "-45678",
        "2025",
        "20250618",
    ],
)
def test_parse_timestamp_does_not_read_numbers_outside_the_serial_range_as_dates(text):
    assert parse_timestamp(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("  01/31/2022, 11:26:24 PM UTC  ", D(2022, 1, 31, 23, 26, 24)),
        ("\t4/9/2025, 1:06:41 PM UTC\n", D(2025, 4, 9, 13, 6, 41)),
        (" 2026-03-10T04:31:52.901Z\r\n", D(2026, 3, 10, 4, 31, 52, 901000)),
        ("\u00a02025-06-18 00:02:04.789 ", D(2025, 6, 18, 0, 2, 4, 789000)),
        (" 2025-06-18T00:02:04-07:00 ", D(2025, 6, 18, 7, 2, 4)),
        (" 45678.5 ", D(2025, 1, 21, 12, 0)),
    ],
)
def test_parse_timestamp_ignores_surrounding_whitespace(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "not a date",
        "yesterday",
        "UTC",
        "2025-13-01",
        "2025-02-30",
        "02/30/2025, 1:00:00 PM UTC",
        "13/01/2022, 11:26:24 PM UTC",
        "01/31/2022, 13:26:24 PM UTC",
        "01/31/2022, 11:61:24 PM UTC",
        "2025-06-18T25:00:00Z",
        "01/31/2022, 11:26:24 PM UTC garbage",
        "investigation",
        "21-16030",
        "7ABC123",
    ],
)
def test_parse_timestamp_returns_none_for_garbage(text):
    assert parse_timestamp(text) is None


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "——", "-", "n/a", "N/A", "Not Provided",
     "***", "REDACTED", "[REDACTED]", "###", "* * *", "7923.600 GC"],
)
def test_parse_timestamp_returns_none_for_empty_and_redacted_cells(text):
    assert parse_timestamp(text) is None


# =============================================================================================
# 1b. Time frames: examples
# =============================================================================================

A = "01/31/2022, 11:26:24 PM UTC"
B = "02/28/2022, 11:26:24 PM UTC"
A_DT = D(2022, 1, 31, 23, 26, 24)
B_DT = D(2022, 2, 28, 23, 26, 24)


@pytest.mark.parametrize(
    "text",
    [f"{A}\n{B}", f"{A}\r\n{B}", f"{A} to {B}", f" {A}\n{B} ", f"{A}\n{B}\n"],
)
def test_parse_time_frame_reads_two_line_and_a_to_b_cells(text):
    assert parse_time_frame(text) == (A_DT, B_DT)


@pytest.mark.parametrize("text", [None, "", "——", "***", "REDACTED"])
def test_parse_time_frame_of_empty_or_redacted_cell_is_none_none(text):
    assert parse_time_frame(text) == (None, None)


# =============================================================================================
# 2. Timestamps: properties
# =============================================================================================

_LO, _HI = D(1990, 1, 1), D(2090, 12, 31, 23, 59, 59, 999999)
_datetimes_s = st.datetimes(min_value=_LO, max_value=_HI).map(lambda d: d.replace(microsecond=0))
_datetimes_ms = st.datetimes(min_value=_LO, max_value=_HI).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)


def _pad(v: int, padded: bool) -> str:
    return f"{v:02d}" if padded else str(v)


def _flock(d: D, pad_month: bool, pad_day: bool, pad_hour: bool, sep: str = ", ") -> str:
    h12 = d.hour % 12 or 12
    ampm = "AM" if d.hour < 12 else "PM"
    return (
        f"{_pad(d.month, pad_month)}/{_pad(d.day, pad_day)}/{d.year}{sep}"
        f"{_pad(h12, pad_hour)}:{d.minute:02d}:{d.second:02d} {ampm} UTC"
    )


def _ms(d: D) -> str:
    return f"{d.microsecond // 1000:03d}"


@st.composite
def flock_search_times(draw) -> tuple[str, D]:
    """A Flock ``Search Time`` (seconds), padding of month/day/hour chosen independently."""
    d = draw(_datetimes_s)
    text = _flock(d, draw(st.booleans()), draw(st.booleans()), draw(st.booleans()),
                  draw(st.sampled_from([", ", " "])))
    return text, d


@st.composite
def iso_z_times(draw) -> tuple[str, D]:
    """Portal 2026 form ``2026-03-10T04:31:52.901Z`` (also without the fraction)."""
    if draw(st.booleans()):
        d = draw(_datetimes_ms)
        return f"{d:%Y-%m-%dT%H:%M:%S}.{_ms(d)}Z", d
    d = draw(_datetimes_s)
    return f"{d:%Y-%m-%dT%H:%M:%S}Z", d


@st.composite
def naive_utc_times(draw) -> tuple[str, D]:
    """Portal 2025 form ``2025-06-18 00:02:04.789`` (naive, UTC; also without the fraction)."""
    if draw(st.booleans()):
        d = draw(_datetimes_ms)
        return f"{d:%Y-%m-%d %H:%M:%S}.{_ms(d)}", d
    d = draw(_datetimes_s)
    return f"{d:%Y-%m-%d %H:%M:%S}", d


@st.composite
def offset_times(draw) -> tuple[str, D]:
    """Local time with a numeric offset (``-07:00``/``-0700``); expected value is the UTC."""
    utc = draw(_datetimes_ms)
    minutes = draw(st.integers(-12 * 4, 14 * 4)) * 15
    local = utc + dt.timedelta(minutes=minutes)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    off = f"{sign}{hh:02d}{':' if draw(st.booleans()) else ''}{mm:02d}"
    t_sep = draw(st.sampled_from(["T", " "]))
    frac = f".{_ms(utc)}" if draw(st.booleans()) else ""
    if not frac:
        utc = utc.replace(microsecond=0)
        local = local.replace(microsecond=0)
    return f"{local:%Y-%m-%d}{t_sep}{local:%H:%M:%S}{frac}{off}", utc


any_timestamp = st.one_of(flock_search_times(), iso_z_times(), naive_utc_times())


@PROPERTY
@given(flock_search_times())
def test_property_flock_search_time_round_trips(case):
    text, d = case
    assert parse_timestamp(text) == d


@PROPERTY
@given(iso_z_times())
def test_property_iso_z_round_trips_with_milliseconds(case):
    text, d = case
    assert parse_timestamp(text) == d


@PROPERTY
@given(naive_utc_times())
def test_property_naive_portal_time_round_trips_as_utc(case):
    text, d = case
    assert parse_timestamp(text) == d


@PROPERTY
@given(offset_times())
def test_property_numeric_offset_is_converted_to_utc(case):
    text, utc = case
    assert parse_timestamp(text) == utc


#: Padding around a cell: space, tab, CR, LF, NBSP, zero-width space, BOM (the characters
#: cells.py declares it strips around every cell).
_PAD_CHARS = " \t\r\n\u00a0\u200b\ufeff"
_spaces = st.text(alphabet=_PAD_CHARS, max_size=3)


@SMALL
@given(st.one_of(any_timestamp, offset_times()), _spaces, _spaces)
def test_property_timestamp_parsing_ignores_surrounding_whitespace(case, before, after):
    text, d = case
    assert parse_timestamp(before + text + after) == d


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\t45678.5", D(2025, 1, 21, 12, 0)),
        ("45678.5\n", D(2025, 1, 21, 12, 0)),
        ("2025-06-18T00:02:04-07:00\n", D(2025, 6, 18, 7, 2, 4)),
        ("2025-06-18T00:02:04-07:00\r\n", D(2025, 6, 18, 7, 2, 4)),
        ("\r\u00a02000-01-01T00:00:00Z", D(2000, 1, 1)),
    ],
)
def test_parse_timestamp_ignores_tab_and_newline_padding_on_serials_and_offsets(text, expected):
    assert parse_timestamp(text) == expected


@SMALL
@given(st.integers(cells.EXCEL_SERIAL_MIN, cells.EXCEL_SERIAL_MAX - 1), st.integers(0, 86399))
def test_property_excel_serial_reads_back_within_a_millisecond(day, second):
    expected = D(1899, 12, 30) + dt.timedelta(days=day, seconds=second)
    serial = day + second / 86400  # as Excel stores it: a double
    got = parse_timestamp(repr(serial))
    assert got is not None
    assert abs(got - expected) < dt.timedelta(milliseconds=1)


@SMALL
@given(
    st.integers(-(10**12), 10**12).filter(
        lambda n: not cells.EXCEL_SERIAL_MIN <= n <= cells.EXCEL_SERIAL_MAX
    ),
    st.sampled_from(["{}", "{}.0", "{}.5", "{:,}"]),
)
def test_property_numbers_outside_serial_range_are_not_dates(n, form):
    assert parse_timestamp(form.format(n)) is None


#: Words DuckDB's strptime accepts whatever the format; the cell rules must not.
_DUCKDB_SPECIAL_WORDS = {"epoch", "infinity", "-infinity"}


@SMALL
@given(
    st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=20).filter(
        lambda t: t.lower() not in _DUCKDB_SPECIAL_WORDS
    )
)
def test_property_letters_only_text_is_not_a_timestamp(text):
    assert parse_timestamp(text) is None


@pytest.mark.parametrize("text", ["epoch", "EPOCH", "infinity", "Infinity", "-infinity"])
def test_parse_timestamp_rejects_duckdb_special_words(text):
    assert parse_timestamp(text) is None


@settings(max_examples=150, deadline=None)
@given(any_timestamp, any_timestamp, st.sampled_from(["\n", "\r\n", " to "]))
def test_property_time_frame_parses_into_start_and_end(a, b, sep):
    (ta, da), (tb, db) = sorted([a, b], key=lambda c: c[1])
    assert parse_time_frame(ta + sep + tb) == (da, db)


# =============================================================================================
# 2b. Integers
# =============================================================================================


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1,024,915", 1024915),
        ("107472041.0", 107472041),
        ("42", 42),
        ("  42  ", 42),
        ("0", 0),
        ("-3", -3),
        ("4944782", 4944782),
        ("4,979,388", 4979388),
    ],
)
def test_parse_int_reads_separators_plain_digits_and_excel_floats(text, expected):
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    "text",
    [None, "", "——", "-", "n/a", "***", "abc", "4.5", "107472041.5", "-4.5", "21-16030", "1.2.3"],
)
def test_parse_int_returns_none_for_non_integers(text):
    assert parse_int(text) is None


_ints = st.integers(-(10**15), 10**15)


@PROPERTY
@given(_ints, st.sampled_from(["{:,}", "{}", "{}.0", "excel"]), st.sampled_from(["", " ", "  "]))
def test_property_integer_forms_parse_back(n, form, pad):
    text = repr(float(n)) if form == "excel" else form.format(n)
    assert parse_int(pad + text + pad) == n


@PROPERTY
@given(
    st.integers(-(10**12), 10**12),
    st.text(alphabet="0123456789", min_size=1, max_size=6).filter(lambda f: f.strip("0")),
)
def test_property_non_integral_decimals_do_not_parse_as_int(whole, frac):
    assert parse_int(f"{whole}.{frac}") is None


@pytest.mark.parametrize("text", ["4.0000001", "2.9999999", "1e-07", "0.0000004", "107472041.00000049"])
def test_parse_int_rejects_non_integral_values_with_more_than_six_decimals(text):
    assert parse_int(text) is None


# =============================================================================================
# 2c. Cell states
# =============================================================================================

#: Sentinels listed in docs/formats.md, plus whatever cells.py declares on top.
FORMATS_EMPTY_SENTINELS = ("——", "-", "n/a", "N/A", "Not Provided", "")
ALL_EMPTY_SENTINELS = tuple(dict.fromkeys(FORMATS_EMPTY_SENTINELS + cells.EMPTY_SENTINELS))

#: Redaction markers from docs/formats.md and the brief, plus the cite variants agencies type.
REDACTION_MARKERS = (
    "***",
    "****",
    "REDACTED",
    "[REDACTED]",
    "###",
    "* * *",
    "7923.600 GC",
    "Gov. Code 7923.600",
    "GC 7923.600",
    "Gov Code § 7923.600",
    "§7923.600(a)",
)

@st.composite
def random_case(draw, s: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(s), max_size=len(s)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(s, flips, strict=False))


@pytest.mark.parametrize("text", [None, *ALL_EMPTY_SENTINELS, "   "])
def test_cell_state_of_each_empty_sentinel_is_empty(text):
    assert cell_state(text) == "empty"


@pytest.mark.parametrize("text", REDACTION_MARKERS)
def test_cell_state_of_each_redaction_marker_is_redacted(text):
    assert cell_state(text) == "redacted"


@PROPERTY
@given(st.sampled_from(ALL_EMPTY_SENTINELS).flatmap(random_case), _spaces, _spaces)
def test_property_empty_sentinel_any_case_and_padding_is_empty(sentinel, before, after):
    assert cell_state(before + sentinel + after) == "empty"


@PROPERTY
@given(st.sampled_from(REDACTION_MARKERS).flatmap(random_case), _spaces, _spaces)
def test_property_redaction_marker_any_case_and_padding_is_redacted(marker, before, after):
    assert cell_state(before + marker + after) == "redacted"


@SMALL
@given(st.integers(3, 20), st.sampled_from("*#"), _spaces, _spaces)
def test_property_runs_of_three_or_more_stars_or_hashes_are_redacted(n, ch, before, after):
    assert cell_state(before + ch * n + after) == "redacted"


@pytest.mark.parametrize(
    "text, state",
    [("n/a\n", "empty"), ("\t-\t", "empty"), ("\r\n", "empty"), ("\t", "empty"),
     ("\ufeff-", "empty"), ("\t***", "redacted"), ("***\r\n", "redacted"),
     ("\t7923.600 GC\n", "redacted"), ("REDACTED\u200b", "redacted")],
)
def test_cell_state_ignores_tab_newline_and_bom_padding(text, state):
    assert cell_state(text) == state


# A sentinel or marker padded to a fixed column width is still one (a length prefilter
# must look at the trimmed text).
@pytest.mark.parametrize(
    "text, state",
    [(" " * 30, "empty"), ("n/a" + " " * 20, "empty"), ("Not Provided" + " " * 10, "empty"),
     ("***" + " " * 50, "redacted"), (" " * 25 + "REDACTED" + " " * 25, "redacted")],
)
def test_cell_state_ignores_long_whitespace_padding(text, state):
    assert cell_state(text) == state


@pytest.mark.parametrize("text", ["7ABC*23", "*ABC123", "ABC123*", "7A*C*23", "7***", "ABC*"])
def test_cell_state_of_plate_query_with_wildcard_is_value(text):
    assert cell_state(text) == "value"


_plate_chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


@PROPERTY
@given(
    st.text(alphabet=_plate_chars, min_size=2, max_size=8),
    st.lists(st.integers(0, 8), min_size=1, max_size=2),
)
def test_property_plate_with_wildcard_is_value_not_redacted(plate, positions):
    text = plate
    for p in sorted(positions, reverse=True):
        p = min(p, len(text))
        text = text[:p] + "*" + text[p:]
    assert cell_state(text) == "value"


#: Clear rule for "ordinary text": letters, digits, single spaces and punctuation that no
#: marker uses (no `*`, `#`, `.`, `§`, brackets or parentheses, so no star/hash run and no
#: `NNNN.NNN` cite can form); at least one letter; no marker word (`redact`, `exempt`,
#: `withheld`) anywhere; and, trimmed and lower-cased, not an empty sentinel.
_MARKER_WORDS = ("redact", "exempt", "withheld")
_safe_alphabet = st.one_of(
    st.characters(categories=("L", "Nd")),
    st.sampled_from(" -_/,:;'&@+!?"),
)


def _is_ordinary(s: str) -> bool:
    low = s.lower()
    return (
        any(c.isalpha() for c in s)
        and not any(w in low for w in _MARKER_WORDS)
        and s.strip(" ").lower() not in {x.lower() for x in ALL_EMPTY_SENTINELS}
    )


@PROPERTY
@given(st.text(alphabet=_safe_alphabet, min_size=1, max_size=30).filter(_is_ordinary))
def test_property_text_with_letters_and_no_marker_is_value(text):
    assert cell_state(text) == "value"


@pytest.mark.parametrize(
    "text",
    ["investigation", "inv", "stolen vehicle", "ICE+ERO", "Daytime search for best result",
     "21-16030", "Other image search from alerts page associated with Alert: 123", "search"],
)
def test_cell_state_of_flock_reason_values_is_value(text):
    assert cell_state(text) == "value"


# =============================================================================================
# 3. cell_text
# =============================================================================================


@pytest.mark.parametrize(
    "value, expected",
    [
        (211.0, "211"),
        (21.5, "21.5"),
        (107472041.0, "107472041"),
        (0.0, "0"),
        (-3.0, "-3"),
        ("21-16030", "21-16030"),
        ("211", "211"),
        ("  padded  ", "  padded  "),
        (None, None),
    ],
)
def test_cell_text_undoes_excel_number_coercion(value, expected):
    assert cell_text(value) == expected


@PROPERTY
@given(st.integers(-(10**15) + 1, 10**15 - 1))
def test_property_cell_text_of_integral_float_is_the_typed_integer(n):
    # Excel keeps 15 significant digits, so every integer a person can type survives.
    text = cell_text(float(n))
    assert text == str(n)
    assert parse_int(text) == n


@SMALL
@given(st.integers(-(2**53), 2**53))
def test_property_cell_text_of_any_exact_integral_float_parses_back_to_the_integer(n):
    assert parse_int(cell_text(float(n))) == n


@PROPERTY
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)))
def test_property_cell_text_of_non_integral_float_keeps_the_fraction(x):
    text = cell_text(x)
    assert float(text) == x
    assert text == repr(x)


@PROPERTY
@given(st.text())
def test_property_cell_text_leaves_strings_unchanged(s):
    assert cell_text(s) == s


@PROPERTY
@given(st.datetimes(min_value=_LO, max_value=_HI))
def test_property_cell_text_of_datetime_is_iso_text_parse_timestamp_reads_back(d):
    text = cell_text(d)
    ms = _to_ms(d)
    assert dt.datetime.fromisoformat(text) == ms  # ISO text, rounded to the millisecond
    assert parse_timestamp(text) == ms


def _to_ms(d: dt.datetime) -> dt.datetime:
    """Excel's day fractions make sub-millisecond digits noise: cell_text rounds them."""
    d = d + dt.timedelta(microseconds=500)
    return d.replace(microsecond=d.microsecond // 1000 * 1000)


def test_cell_text_undoes_excels_day_fraction_noise():
    assert cell_text(D(2025, 1, 1, 8, 29, 59, 999999)) == "2025-01-01 08:30:00"


@SMALL
@given(st.datetimes(min_value=_LO, max_value=_HI), st.integers(-12 * 4, 14 * 4))
def test_property_cell_text_of_aware_datetime_reads_back_as_utc(d, quarters):
    aware = d.replace(tzinfo=dt.timezone(dt.timedelta(minutes=15 * quarters)))
    expected = _to_ms(aware.astimezone(UTC).replace(tzinfo=None))
    assert parse_timestamp(cell_text(aware)) == expected


@SMALL
@given(st.dates(min_value=_LO.date(), max_value=_HI.date()))
def test_property_cell_text_of_date_reads_back_as_midnight(d):
    assert parse_timestamp(cell_text(d)) == D(d.year, d.month, d.day)
