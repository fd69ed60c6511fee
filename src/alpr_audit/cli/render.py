"""Rendering results for people (Rich tables on stdout, messages on stderr) and for scripts
(JSON on stdout and nothing else)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.table import Table

from alpr_audit.core.console import err, make_console, out  # noqa: F401  (re-exported)
from alpr_audit.core.errors import AlprAuditError


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def print_json(obj: Any) -> None:
    """JSON on stdout (the ``--json`` contract: nothing else goes to stdout)."""
    sys.stdout.write(json.dumps(obj, default=_jsonable, ensure_ascii=False, indent=2) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def print_rows(rows: Sequence[dict[str, Any]], title: str | None = None, fmt: str = "table") -> None:
    """Rows as a Rich table, CSV or JSON."""
    if fmt == "json":
        print_json(list(rows))
        return
    if fmt == "csv":
        buf = io.StringIO()
        if rows:
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
            writer.writeheader()
            for r in rows:
                writer.writerow({k: (json.dumps(v, default=_jsonable) if isinstance(v, list)
                                     else _jsonable(v) if isinstance(v, dt.datetime) else v)
                                 for k, v in r.items()})
        sys.stdout.write(buf.getvalue())
        return
    if not rows:
        out.print(f"[dim]{title + ': ' if title else ''}no rows[/dim]")
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for key in rows[0]:
        numeric = all(isinstance(r.get(key), (int, float, decimal.Decimal)) and
                      not isinstance(r.get(key), bool) for r in rows if r.get(key) is not None)
        table.add_column(str(key), justify="right" if numeric else "left", overflow="fold")
    for r in rows:
        table.add_row(*(_cell(v) for v in r.values()))
    out.print(table)


def print_error(exc: AlprAuditError, as_json: bool) -> None:
    """The contract's error: message, file, place, hint (JSON on stdout with --json)."""
    if as_json:
        print_json(exc.to_json())
        return
    err.print(f"[bold red]error:[/bold red] {exc.message}", highlight=False)
    if exc.path:
        err.print(f"  file: {exc.path}", highlight=False)
    if exc.locator:
        err.print(f"  place: {exc.locator}", highlight=False)
    if exc.hint:
        err.print(f"  hint: {exc.hint}", highlight=False)
