"""Shared cell parsing: one set of explicit rules for every source format.

The rules are written once, as DuckDB SQL macros, so that millions of cells are converted
vectorised inside the engine (a network audit has 10^7 rows). The small Python functions at
the bottom evaluate the *same* macros on single values; tests and small importers use them, so
there is no second implementation to drift.

A cell is in one of three states (FORMATS.md, "Common cell rules"):

* **empty** — blank or an empty sentinel (``——``, ``-``, ``n/a``, ``Not Provided``);
* **redacted** — a redaction marker (``***``, ``REDACTED``, ``###``, an exemption cite such as
  ``7923.600 GC``); kept as a distinct state, never as a value and never as empty;
* **value** — anything else, trimmed. A ``*`` inside a plate query is a wildcard, not a marker.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from typing import Any

import duckdb

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

#: Excel serial day numbers accepted as timestamps: 1954-10-03 .. 2119-01-08. Outside this
#: range a bare number is far more likely a count or an id than a date.
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 20000, 80000


def _sql_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def macro_sql() -> list[str]:
    """The ``CREATE MACRO`` statements of the cell rules (prefixed ``aa_``)."""
    empties = ", ".join(_sql_str(s) for s in EMPTY_SENTINELS)
    return [
        # state tests
        f"CREATE OR REPLACE TEMP MACRO aa_is_empty(x) AS x IS NULL OR lower(trim(x)) IN ({empties})",
        "CREATE OR REPLACE TEMP MACRO aa_is_redacted(x) AS x IS NOT NULL AND "
        f"regexp_full_match(trim(x), {_sql_str(REDACTION_PATTERN)}, 'i')",
        # the value of a text cell: NULL when empty or redacted
        "CREATE OR REPLACE TEMP MACRO aa_text(x) AS CASE WHEN aa_is_empty(x) OR aa_is_redacted(x) "
        "THEN NULL ELSE trim(x) END",
        # integers: thousands separators and Excel floats ('107472041.0') accepted
        "CREATE OR REPLACE TEMP MACRO aa_num(x) AS "
        "TRY_CAST(replace(replace(trim(x), ',', ''), ' ', '') AS DECIMAL(38, 6))",
        "CREATE OR REPLACE TEMP MACRO aa_int(x) AS CASE WHEN aa_num(x) = floor(aa_num(x)) "
        "THEN TRY_CAST(aa_num(x) AS BIGINT) END",
        # timestamps to naive UTC
        "CREATE OR REPLACE TEMP MACRO aa_excel_serial(x) AS CASE "
        r"WHEN regexp_full_match(x, '\d{5}(\.\d+)?') AND TRY_CAST(x AS DOUBLE) "
        f"BETWEEN {EXCEL_SERIAL_MIN} AND {EXCEL_SERIAL_MAX} "
        "THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(TRY_CAST(x AS DOUBLE) "
        "* 86400000000) AS BIGINT)) END",
        "CREATE OR REPLACE TEMP MACRO aa_ts_offset(x) AS CASE "
        r"WHEN regexp_matches(x, '[+-]\d\d:?\d\d$') "
        f"THEN timezone('UTC', try_strptime(x, {_sql_list(OFFSET_FORMATS)})) END",
        "CREATE OR REPLACE TEMP MACRO aa_ts_text(x) AS "
        f"coalesce(try_strptime(x, {_sql_list(TIMESTAMP_FORMATS)}), aa_excel_serial(x), "
        "aa_ts_offset(x))",
        "CREATE OR REPLACE TEMP MACRO aa_ts(x) AS CASE WHEN aa_is_empty(x) OR aa_is_redacted(x) "
        "THEN NULL ELSE aa_ts_text(trim(x)) END",
        # a cell that holds something but not a timestamp: the reject test
        "CREATE OR REPLACE TEMP MACRO aa_ts_bad(x) AS NOT aa_is_empty(x) AND NOT aa_is_redacted(x) "
        "AND aa_ts(x) IS NULL",
        "CREATE OR REPLACE TEMP MACRO aa_int_bad(x) AS NOT aa_is_empty(x) AND NOT aa_is_redacted(x) "
        "AND aa_int(x) IS NULL",
        # time frames: 'A\nB' (two lines in one cell) or 'A to B'
        "CREATE OR REPLACE TEMP MACRO aa_frame_part(x, i) AS CASE "
        "WHEN contains(x, chr(10)) THEN split_part(replace(x, chr(13), ''), chr(10), i) "
        "ELSE split_part(x, ' to ', i) END",
        "CREATE OR REPLACE TEMP MACRO aa_frame_bad(x) AS NOT aa_is_empty(x) AND NOT aa_is_redacted(x) "
        "AND (aa_ts(aa_frame_part(x, 1)) IS NULL OR aa_ts(aa_frame_part(x, 2)) IS NULL)",
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
    """``'empty'``, ``'redacted'`` or ``'value'`` for one cell's text."""
    empty, red = _con().execute("SELECT aa_is_empty($1), aa_is_redacted($1)", [text]).fetchone()
    return "empty" if empty else "redacted" if red else "value"


def parse_timestamp(text: str | None) -> dt.datetime | None:
    """UTC (naive) for any timestamp form alpr-audit reads; None when empty, redacted or unknown."""
    return _con().execute("SELECT aa_ts($1)", [text]).fetchone()[0]


def parse_int(text: str | None) -> int | None:
    """An integer from ``1,024,915``, ``107472041.0`` or ``42``; None otherwise."""
    return _con().execute("SELECT aa_int($1)", [text]).fetchone()[0]


def parse_time_frame(text: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Start and end of a two-line or ``A to B`` time frame, in UTC."""
    row = _con().execute(
        "SELECT aa_ts(aa_frame_part($1, 1)), aa_ts(aa_frame_part($1, 2))", [text]
    ).fetchone()
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
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)
