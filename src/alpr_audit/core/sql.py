"""The one place that turns Python values into DuckDB SQL text.

Most values should reach DuckDB as parameters (``con.execute(sql, [value])``): a parameter is
data and can never become SQL. Some text cannot be a parameter — a file path in ``COPY … TO``,
a constant inside a ``CREATE MACRO``, a reject message inside a ``CASE`` compiled once for a
whole file, a column name — and those are quoted here, and only here
(``tests/core/test_sql.py`` fails when a quoting idiom appears anywhere else in ``src/``).

DuckDB string literals follow standard SQL: the only special character is the single quote,
written twice; backslashes, control characters and even NUL are ordinary characters inside
it (``E'…'`` strings, where a backslash escapes, are never produced).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from os import PathLike

#: Python values :func:`literal` can write
Value = str | int | float | bool | dt.date | dt.datetime | None


def string(text: str) -> str:
    """``text`` as a SQL string literal: ``O'Brien`` → ``'O''Brien'``."""
    text = str(text)
    return "'" + text.replace("'", "''") + "'"


def literal(value: Value) -> str:
    """Any supported Python value as a SQL literal of the matching DuckDB type.

    ``None`` → ``NULL``; ``bool`` → ``true``/``false``; ``int`` → digits; ``float`` → a
    ``DOUBLE`` (``nan`` and infinities included); ``datetime`` → ``TIMESTAMP '…'`` (naive) or
    ``TIMESTAMPTZ '…'`` (aware); ``date`` → ``DATE '…'``; ``str`` → :func:`string`.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isfinite(value):
            return f"{value!r}::DOUBLE"
        return f"'{value!r}'::DOUBLE"  # 'nan', 'inf', '-inf' are DuckDB's spellings too
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        kind = "TIMESTAMP" if value.tzinfo is None else "TIMESTAMPTZ"
        return f"{kind} {string(value.isoformat(sep=' '))}"
    if isinstance(value, dt.date):
        return f"DATE {string(value.isoformat())}"
    if isinstance(value, str):
        return string(value)
    raise TypeError(f"no SQL literal for a {type(value).__name__}")


def nullable(text: str | None) -> str:
    """A string literal, or ``NULL`` for ``None``."""
    return "NULL" if text is None else string(text)


def identifier(name: str) -> str:
    """``name`` as a quoted identifier (a table or column): ``a"b`` → ``"a""b"``.

    Quoting always (not only when needed) keeps reserved words and mixed case working.
    """
    name = str(name)
    return '"' + name.replace('"', '""') + '"'


def path(p: str | PathLike[str]) -> str:
    """A file path (or glob) as the string literal ``read_parquet``/``read_csv``/``COPY … TO``
    take. DuckDB does not accept a parameter there, so the path is quoted instead."""
    return string(str(p))


def paths(ps: Iterable[str | PathLike[str]]) -> str:
    """Several paths as a DuckDB list literal: ``read_parquet([…])`` reads them all."""
    return "[" + ", ".join(path(p) for p in ps) + "]"


def values(items: Iterable[Value]) -> str:
    """Literals separated by commas, for ``x IN (…)``."""
    return ", ".join(literal(i) for i in items)


def array(items: Iterable[Value]) -> str:
    """A DuckDB list literal ``[…]`` (an empty list is ``[]``)."""
    return "[" + values(items) + "]"
