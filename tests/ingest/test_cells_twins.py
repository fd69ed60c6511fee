"""The Python twins of the integer and cell-state macros give exactly what the macros give.

``parse_int`` and ``cell_state`` are evaluated in Python for speed (a DuckDB round-trip per
cell cost most of a portal page's ingest); the macros stay the rule for vectorised ingest.
These properties feed both the same text, built from the characters the rules care about."""

from __future__ import annotations

import duckdb
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alpr_audit.core import cells

_CON = duckdb.connect()
cells.install_macros(_CON)

#: Characters the integer and state rules branch on, plus some they must ignore.
_ALPHABET = st.sampled_from(list("0123456789,. eE+-*#()§[]\t\n\r\u00a0\u200b\ufeffx-—–")
                            + ["redacted", "REDACTED", "gc", "GOV CODE", "exempt", "withheld",
                               "n/a", "Not Provided", "null", "7923.600", "ſ", "K"])
_TEXT = st.lists(_ALPHABET, max_size=12).map("".join)
_NUMBERISH = st.one_of(
    st.integers(min_value=-(2**65), max_value=2**65).map(str),
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}"),
    st.floats(allow_nan=False).map(repr),
    st.integers(min_value=0, max_value=10**9).map(lambda n: f"{n}.0"),
)


def _sql(expr: str, text: str | None):  # noqa: ANN202
    return _CON.execute(f"SELECT {expr}($1)", [text]).fetchone()[0]


@settings(max_examples=200, deadline=None)
@given(st.one_of(_TEXT, _NUMBERISH, st.none()))
@example("1,024,915")
@example("107472041.0")
@example("1.07472041E8")
@example("1,2,3")
@example("0x10")
@example("1_000")
@example(" 42\u00a0")
@example("9223372036854775808")
def test_parse_int_equals_the_macro(text: str | None) -> None:
    assert cells.parse_int(text) == _sql("aa_int", text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_TEXT, st.none(), st.text(max_size=20)))
@example("***")
@example("* * *")
@example("[REDACTED]")
@example("7923.600 GC")
@example("§ 7923.600(a)")
@example("withheld")
@example("n/a")
@example("——")
@example("7ABC*23")
def test_cell_state_equals_the_macros(text: str | None) -> None:
    empty = _sql("aa_is_empty", text)
    redacted = _sql("aa_is_redacted", text)
    expected = "empty" if empty else "redacted" if redacted else "value"
    assert cells.cell_state(text) == expected
