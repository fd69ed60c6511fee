"""The quoting module: every literal it writes reads back from DuckDB as the same value, and no
other module in ``src/`` quotes SQL by hand."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alpr_audit.core import sql

FAST = settings(max_examples=150, deadline=None)
CON = duckdb.connect()

#: any unicode text Python can encode: every character but lone surrogates (NUL included)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)))


def _one(expr: str):
    return CON.execute(f"SELECT {expr}").fetchone()[0]


@FAST
@given(TEXT)
@example("O'Brien")
@example("''; DROP TABLE x; --")
@example("back\\slash\\'")
@example("\t\n\r\x1b\x7f\0")
@example('"quoted"')
def test_string_round_trips(text):
    assert _one(sql.string(text)) == text
    assert _one(sql.literal(text)) == text


@FAST
@given(TEXT)
def test_identifier_round_trips_as_a_column_name(name):
    if not name:
        return  # DuckDB refuses an empty identifier; no table or column has one
    got = CON.execute(f"SELECT 1 AS {sql.identifier(name)}").description[0][0]
    assert got == name


@FAST
@given(st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
                 st.floats(allow_nan=True, allow_infinity=True),
                 st.dates(), st.datetimes(min_value=dt.datetime(1, 1, 1))))
def test_literal_round_trips(value):
    got = _one(sql.literal(value))
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(got)
    else:
        assert got == value and type(got) is type(value)


def test_aware_datetime_keeps_its_instant():
    value = dt.datetime(2025, 3, 9, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    got = _one(sql.literal(value))
    assert got == value


@FAST
@given(st.lists(TEXT, max_size=5))
def test_array_and_values_round_trip(items):
    assert _one(sql.array(items)) == items
    if items:
        assert _one(f"[{sql.values(items)}]") == items


def test_unsupported_values_are_refused():
    with pytest.raises(TypeError):
        sql.literal(object())  # type: ignore[arg-type]


def test_nullable():
    assert _one(sql.nullable(None)) is None
    assert _one(sql.nullable("x'")) == "x'"


@pytest.mark.parametrize("name", ["it's", 'a"b', "back\\slash", "spa ce", "ünï"])
def test_path_reads_and_writes_awkward_names(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    out = folder / "x.parquet"
    CON.execute(f"COPY (SELECT 42 AS n) TO {sql.path(out)} (FORMAT parquet)")
    assert CON.execute(f"SELECT n FROM read_parquet({sql.path(out)})").fetchone()[0] == 42
    assert CON.execute(f"SELECT count(*) FROM read_parquet({sql.paths([out, out])})").fetchone()[0] == 2


#: hand-written quoting: doubling a quote inside a replace() call
IDIOMS = [re.compile(p) for p in (
    r"""replace\(\s*(["'])'\1\s*,\s*(["'])''\2""",          # .replace("'", "''")
    r"""replace\(\s*'"'\s*,\s*'""'""",                      # .replace('"', '""')
    r"""replace\(\s*"\\""\s*,\s*"\\"\\""\s*\)""",            # .replace("\"", "\"\"")
)]


def test_no_quoting_outside_the_sql_module():
    src = Path(sql.__file__).resolve().parents[1]
    found = []
    for f in sorted(src.rglob("*.py")):
        if f.name == "sql.py" and f.parent.name == "core":
            continue
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if any(p.search(line) for p in IDIOMS):
                found.append(f"{f.relative_to(src)}:{n}: {line.strip()}")
    assert not found, "quote SQL with alpr_audit.core.sql instead:\n" + "\n".join(found)


def test_the_idiom_check_can_fail():
    assert any(p.search("""x.replace("'", "''")""") for p in IDIOMS)
    assert any(p.search("""x.replace('"', '""')""") for p in IDIOMS)
