"""Shared cell parsing: one set of explicit rules for every source format.

The rules are written once, as DuckDB SQL macros, so that millions of cells are converted
vectorised inside the engine (a network audit has 10^7 rows). The small Python functions at
the bottom evaluate the *same* macros on single values; tests and small importers use them, so
there is no second implementation to drift.

A cell is in one of three states (docs/formats.md, "Common cell rules"):

* **empty** — blank or an empty sentinel (``——``, ``-``, ``n/a``, ``Not Provided``);
* **redacted** — a redaction marker (``***``, ``REDACTED``, ``###``, an exemption cite such as
  ``7923.600 GC``); kept as a distinct state, never as a value and never as empty;
* **value** — anything else, trimmed. A ``*`` inside a plate query is a wildcard, not a marker.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from typing import Any

import duckdb

from alpr_audit.core import sql
from alpr_audit.core.fetch import one_row

#: Empty sentinels, compared case-insensitively after trimming.
EMPTY_SENTINELS = ("", "——", "—", "–", "-", "--", "n/a", "na", "not provided", "null", "none provided")

#: A whole cell that is a redaction marker (case-insensitive). ``7ABC*23`` does not match.
REDACTION_PATTERN = (
    r"\*{3,}|(\*\s+){2,}\*|#{3,}|\[?\s*redacted\s*\]?|\(?\s*redacted\s*\)?"
    r"|((gc|gov\.?\s*code)\s*)?(§\s*)?\d{4}\.\d{3}(\s*\([a-z0-9]+\))*\s*(gc|gov\.?\s*code)?"
    r"|exempt(ion)?|withheld"
)

#: Timestamp forms that carry UTC explicitly or are naive UTC by the vendor's convention,
#: most frequent first (DuckDB tries them in order; the first form hits for Flock exports).
#: DuckDB's ``%m``/``%d``/``%I`` accept unpadded numbers, so ``4/9/2025, 1:06:41 PM UTC`` works.
TIMESTAMP_FORMATS = (
    "%m/%d/%Y, %I:%M:%S %p UTC",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p UTC",
    "%m/%d/%Y, %I:%M %p UTC",
    "%m/%d/%Y %I:%M %p UTC",
    "%m/%d/%Y, %H:%M:%S UTC",
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S UTC",
    "%Y-%m-%d %H:%M:%S.%f UTC",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y",
    "%Y-%m-%d",
)

#: Forms with an explicit numeric offset (``+00:00``, ``-0700``), converted to UTC.
OFFSET_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S%z",
)

#: Excel serial day numbers accepted as timestamps: 1954-10-03 .. 2119-01-11. Outside this
#: range a bare number is far more likely a count or an id than a date.
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 20000, 80000


#: Longest text that can be an empty sentinel / a redaction marker (cheap length prefilter).
_MAX_SENTINEL = max(len(x) for x in EMPTY_SENTINELS) + 8
_MAX_MARKER = 48


#: Characters stripped around every cell: space, tab, LF, CR, NBSP, zero-width space, BOM.
_WHITESPACE_SQL = " || ".join(f"chr({c})" for c in (32, 9, 10, 13, 160, 8203, 65279))


def macro_sql() -> list[str]:
    """The ``CREATE MACRO`` statements of the cell rules (prefixed ``aa_``)."""
    empties = ", ".join(sql.string(s) for s in EMPTY_SENTINELS)
    return [
        # trim() strips spaces only; cells also arrive padded with tabs, CR/LF, NBSP, BOMs.
        # Most cells have no padding at all: the first branch returns them untouched, which is
        # faster than any trim.
        # (Cells starting or ending in any non-ASCII character take the slow branch, which
        # catches NBSP, zero-width spaces and BOMs without testing for each.)
        "CREATE OR REPLACE TEMP MACRO aa_trim(x) AS CASE WHEN x IS NULL THEN NULL "
        "WHEN ascii(x) BETWEEN 33 AND 126 AND ascii(right(x, 1)) BETWEEN 33 AND 126 THEN x "
        f"ELSE trim(x, {_WHITESPACE_SQL}) END",
        # State tests on trimmed text (suffix _t). The CASE prefilters are for speed: a CASE
        # evaluates later branches only for the rows that reach them, so the regex runs on
        # the few cells that could be markers at all.
        "CREATE OR REPLACE TEMP MACRO aa_empty_t(t) AS CASE WHEN t IS NULL THEN true "
        f"WHEN strlen(t) > {_MAX_SENTINEL} THEN false ELSE lower(t) IN ({empties}) END",
        "CREATE OR REPLACE TEMP MACRO aa_redacted_t(t) AS CASE WHEN t IS NULL THEN false "
        f"WHEN strlen(t) > {_MAX_MARKER} THEN false "
        "WHEN NOT (contains(t, '*') OR contains(t, '#') OR contains(t, '.') "
        "OR contains(lower(t), 'redact') OR contains(lower(t), 'exempt') "
        "OR contains(lower(t), 'withheld')) THEN false "
        f"ELSE regexp_full_match(t, {sql.string(REDACTION_PATTERN)}, 'i') END",
        "CREATE OR REPLACE TEMP MACRO aa_text_t(t) AS CASE WHEN aa_empty_t(t) THEN NULL "
        "WHEN aa_redacted_t(t) THEN NULL ELSE t END",
        # Integers. Plain digits take the fast cast (a cast of '4.5' to BIGINT would round,
        # so only text without '.', ',', ' ' or an exponent does). Thousands separators and
        # Excel floats ('1,024,915', '107472041.0', '1.07472041E8') are accepted only when the
        # text says a whole number; no rounding anywhere.
        "CREATE OR REPLACE TEMP MACRO aa_int_sep(s) AS CASE "
        r"WHEN regexp_full_match(s, '[+-]?[0-9]+(\.0*)?') THEN TRY_CAST(split_part(s, '.', 1) AS BIGINT) "
        r"WHEN regexp_full_match(s, '[+-]?[0-9]+(\.[0-9]+)?[eE][+]?[0-9]+') "
        "AND TRY_CAST(s AS DOUBLE) = floor(TRY_CAST(s AS DOUBLE)) "
        "AND abs(TRY_CAST(s AS DOUBLE)) < 9007199254740992 THEN TRY_CAST(TRY_CAST(s AS DOUBLE) AS BIGINT) "
        "END",
        # Separators only in groups of three ('1,2,3' is a list, not 123); the plain cast
        # only on digits (DuckDB's cast also reads '0x10', '0b101' and '1_000').
        "CREATE OR REPLACE TEMP MACRO aa_int_t(t) AS CASE "
        "WHEN contains(t, ',') OR contains(t, ' ') THEN CASE WHEN "
        r"regexp_full_match(t, '[+-]?[0-9]{1,3}([, ][0-9]{3})+(\.0*)?') "
        "THEN aa_int_sep(replace(replace(t, ',', ''), ' ', '')) END "
        "WHEN contains(t, '.') OR contains(t, 'e') OR contains(t, 'E') THEN aa_int_sep(t) "
        "WHEN regexp_full_match(t, '[+-]?[0-9]+') THEN TRY_CAST(t AS BIGINT) END",
        # timestamps to naive UTC
        "CREATE OR REPLACE TEMP MACRO aa_excel_serial(x) AS CASE "
        r"WHEN regexp_full_match(x, '\d{5}(\.\d+)?') AND TRY_CAST(x AS DOUBLE) "
        f"BETWEEN {EXCEL_SERIAL_MIN} AND {EXCEL_SERIAL_MAX} "
        "THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(TRY_CAST(x AS DOUBLE) "
        "* 86400000000) AS BIGINT)) END",
        "CREATE OR REPLACE TEMP MACRO aa_ts_offset(x) AS CASE "
        r"WHEN regexp_matches(x, '[+-]\d\d:?\d\d$') "
        f"THEN timezone('UTC', try_strptime(x, {sql.array(OFFSET_FORMATS)})) END",
        # Trimmed text → timestamp; empty, redacted and unknown forms all give NULL. Every form
        # starts with a digit; the test also keeps out the words DuckDB's strptime accepts
        # whatever the format ('epoch', 'infinity').
        "CREATE OR REPLACE TEMP MACRO aa_ts_t(t) AS CASE WHEN ascii(t) BETWEEN 48 AND 57 THEN "
        f"coalesce(try_strptime(t, {sql.array(TIMESTAMP_FORMATS)}), aa_excel_serial(t), "
        "aa_ts_offset(t)) END",
        # Time frames: 'A\nB' (two lines in one cell) or 'A to B'; part i of a trimmed cell,
        # untrimmed (trim it in the next query layer: macros whose argument is itself a
        # macro expand their argument once per use, and these nest badly).
        "CREATE OR REPLACE TEMP MACRO aa_frame_part_t(t, i) AS CASE "
        "WHEN strpos(t, chr(10)) > 0 THEN (CASE WHEN i = 1 THEN left(t, strpos(t, chr(10)) - 1) "
        "ELSE substr(t, strpos(t, chr(10)) + 1) END) "
        "ELSE split_part(t, ' to ', i) END",
        # the same rules on untrimmed cells, for callers that have not trimmed
        "CREATE OR REPLACE TEMP MACRO aa_is_empty(x) AS aa_empty_t(aa_trim(x))",
        "CREATE OR REPLACE TEMP MACRO aa_is_redacted(x) AS aa_redacted_t(aa_trim(x))",
        "CREATE OR REPLACE TEMP MACRO aa_text(x) AS aa_text_t(aa_trim(x))",
        "CREATE OR REPLACE TEMP MACRO aa_int(x) AS aa_int_t(aa_trim(x))",
        "CREATE OR REPLACE TEMP MACRO aa_ts(x) AS aa_ts_t(aa_trim(x))",
        # "holds something, but not what the column needs": the reject tests
        "CREATE OR REPLACE TEMP MACRO aa_bad_t(t, parsed) AS parsed IS NULL "
        "AND NOT aa_empty_t(t) AND NOT aa_redacted_t(t)",
    ]


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the cell macros on a connection (idempotent)."""
    for stmt in macro_sql():
        con.execute(stmt)


# --- Python access to the same rules -------------------------------------------------------

_local = threading.local()


def _con() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect()
        install_macros(con)
        _local.con = con
    return con


def cell_state(text: str | None) -> str:
    """``'empty'``, ``'redacted'`` or ``'value'`` for one cell's text.

    The Python twin of ``aa_is_empty``/``aa_is_redacted``: a DuckDB round-trip costs ~15 ms
    of macro binding per call, which was most of the time of ingesting a portal page.
    tests/ingest/test_cells.py holds the twin equal to the macros on generated text.
    """
    t = _py_trim(text)
    if _py_empty(t):
        return "empty"
    return "redacted" if _py_redacted(t) else "value"


def parse_timestamp(text: str | None) -> dt.datetime | None:
    """UTC (naive) for any timestamp form alpr-audit reads; None when empty, redacted or unknown."""
    value: dt.datetime | None = one_row(_con().execute("SELECT aa_ts($1)", [text]))[0]
    return value


def parse_int(text: str | None) -> int | None:
    """An integer from ``1,024,915``, ``107472041.0`` or ``42``; None otherwise.

    The Python twin of ``aa_int`` (see :func:`cell_state` for why), held equal to it by the
    property tests.
    """
    t = _py_trim(text)
    if t is None:
        return None
    if "," in t or " " in t:
        if _INT_GROUPED.fullmatch(t):
            return _py_int_sep(t.replace(",", "").replace(" ", ""))
        return None
    if "." in t or "e" in t or "E" in t:
        return _py_int_sep(t)
    return _bigint(t) if _INT_PLAIN.fullmatch(t) else None


# --- the Python twins of the macros (same rules, same order; see the macros for why) -------

_TRIM_CHARS = "".join(map(chr, (32, 9, 10, 13, 160, 8203, 65279)))
_INT_PLAIN = re.compile(r"[+-]?[0-9]+")
_INT_GROUPED = re.compile(r"[+-]?[0-9]{1,3}([, ][0-9]{3})+(\.0*)?")
_INT_WHOLE = re.compile(r"[+-]?[0-9]+(\.0*)?")
_INT_EXP = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?[eE][+]?[0-9]+")
# RE2's \s is [\t\n\f\r ] and \d ASCII digits; Python's are wider, so spell them out.
_REDACTION = re.compile(REDACTION_PATTERN.replace(r"\s", r"[\t\n\f\r ]").replace(r"\d", "[0-9]"),
                        re.IGNORECASE)
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


def _py_trim(x: str | None) -> str | None:
    if x is None:
        return None
    if x and 33 <= ord(x[0]) <= 126 and 33 <= ord(x[-1]) <= 126:
        return x
    return x.strip(_TRIM_CHARS)


def _py_empty(t: str | None) -> bool:
    if t is None:
        return True
    if len(t.encode("utf-8")) > _MAX_SENTINEL:
        return False
    return t.lower() in EMPTY_SENTINELS


def _py_redacted(t: str | None) -> bool:
    if t is None or len(t.encode("utf-8")) > _MAX_MARKER:
        return False
    low = t.lower()
    if not ("*" in t or "#" in t or "." in t or "redact" in low or "exempt" in low
            or "withheld" in low):
        return False
    return _REDACTION.fullmatch(t) is not None


def _bigint(digits: str) -> int | None:
    n = int(digits)
    return n if _BIGINT_MIN <= n <= _BIGINT_MAX else None


def _py_int_sep(s: str) -> int | None:
    if _INT_WHOLE.fullmatch(s):
        return _bigint(s.split(".", 1)[0])
    if _INT_EXP.fullmatch(s):
        value = float(s)
        if math.isfinite(value) and value == math.floor(value) and abs(value) < 2**53:
            return int(value)
    return None


def parse_time_frame(text: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Start and end of a two-line or ``A to B`` time frame, in UTC."""
    row = one_row(_con().execute(
        "SELECT aa_ts_t(aa_trim(a)), aa_ts_t(aa_trim(b)) FROM (SELECT aa_frame_part_t(t, 1) AS a, "
        "aa_frame_part_t(t, 2) AS b FROM (SELECT aa_trim($1) AS t))", [text]
    ))
    return row[0], row[1]


def cell_text(value: Any) -> str | None:
    """Text form of a spreadsheet cell, undoing what Excel did to it.

    Excel stores ``211`` typed as a reason as the number 211.0 and dates as datetimes; the
    text rules need the text a person typed, so integral floats lose their ``.0`` and
    datetimes become ISO text (which :func:`parse_timestamp` reads back as UTC).
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        # Excel stores times as fractions of a day: 08:30 comes back as 08:29:59.999999.
        # No source has sub-millisecond times, so round to the millisecond.
        stamp: dt.datetime = value + dt.timedelta(microseconds=500)
        return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000).isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)
