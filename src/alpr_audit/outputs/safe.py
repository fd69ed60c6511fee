"""Spreadsheet-formula neutralisation for every text cell we publish (CSV and XLSX).

A spreadsheet program treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some programs, a tab or carriage return before one of them) as a formula: a search reason
typed as ``=HYPERLINK("http://x","y")`` would become a live link, or worse, in the records
unit's or the requester's Excel. Such a text gets a leading apostrophe, the convention
spreadsheet programs themselves use for "this is text" (OWASP "CSV injection").

Numbers stay numbers: Python ints and floats pass unchanged, and a text that is exactly a
negative number (``-2``, ``-0.5``) is data, not a formula, so it is kept as written. ``-2+3``
is an expression and is neutralised.

:func:`safe_cell` works on Python values; :func:`sql_safe` builds the same rule as a DuckDB
expression for outputs streamed with ``COPY`` (millions of rows never pass through Python).
"""

from __future__ import annotations

import re
from typing import Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# A plain negative number: the only text starting with a trigger character that stays as is.
_NEGATIVE_NUMBER = re.compile(r"-(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NEGATIVE_NUMBER_SQL = r"-([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"


def needs_quote(text: str) -> bool:
    """True when ``text`` would be read as a formula by a spreadsheet program."""
    return bool(text) and text[0] in FORMULA_PREFIXES and not _NEGATIVE_NUMBER.fullmatch(text)


def safe_text(text: str) -> str:
    """``text`` with a leading apostrophe when it would otherwise be read as a formula."""
    return "'" + text if needs_quote(text) else text


def safe_cell(value: Any) -> Any:
    """A cell value ready for a spreadsheet: texts neutralised, other values unchanged."""
    return safe_text(value) if isinstance(value, str) else value


def sql_safe(expr: str) -> str:
    """A DuckDB expression applying :func:`safe_text` to the VARCHAR expression ``expr``."""
    firsts = ", ".join(f"chr({ord(c)})" for c in FORMULA_PREFIXES)
    return (
        f"(CASE WHEN left({expr}, 1) IN ({firsts}) "
        f"AND NOT regexp_full_match({expr}, '{_NEGATIVE_NUMBER_SQL}') "
        f"THEN '''' || {expr} ELSE {expr} END)"
    )
