"""Named reports: a title, a description and one Ibis expression over the normalised tables,
so a report runs unchanged on DuckDB and on Spark (``engine``; docs/index.md invariant 8).

Every report takes the same filters: ``agency`` (an agency id, name or alias; matches the
publishing or the searching agency), ``since`` and ``until`` (dates, UTC, inclusive) and
``log_kind``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from alpr_audit.core.errors import UsageError
from alpr_audit.reports import queries
from alpr_audit.store import Store


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    #: the filtered ``searches`` and a table getter → the report (:mod:`.queries`)
    build: Callable[[ir.Table, queries.Tables], ir.Table]


REPORTS: dict[str, Report] = {r.name: r for r in [
    Report(
        "searches-by-month",
        "Searches by month",
        "Searches per calendar month (UTC), with distinct users and searching agencies.",
        queries.searches_by_month,
    ),
    Report(
        "searches-by-reason",
        "Searches by stated reason",
        "Searches per reason as typed (case-folded); redacted and missing reasons counted apart.",
        queries.searches_by_reason,
    ),
    Report(
        "searches-by-org",
        "Searches by searching organisation",
        "Searches per searching agency, with its state and level from the registry.",
        queries.searches_by_org,
    ),
    Report(
        "searches-by-purpose",
        "Searches by purpose label",
        "Searches per purpose label of the stated reason (missing, generic, case_number, "
        "immigration, protest, reproductive, personal, test, specific; docs/purposes.md).",
        queries.searches_by_purpose,
    ),
    Report(
        "search-types",
        "Searches by search type",
        "Searches per Flock search type (search, lookup, apiV2 …), split by mobile use.",
        queries.search_types,
    ),
]}


def get_report(name: str) -> Report:
    """The report called ``name``, or a UsageError listing the reports."""
    report = REPORTS.get(name)
    if report is None:
        raise UsageError(
            f"no report named {name!r}",
            hint="reports: " + ", ".join(REPORTS) + " (alpr-audit report --list)",
        )
    return report


def list_reports() -> list[dict[str, Any]]:
    """Name, title and description of every report."""
    return [{"name": r.name, "title": r.title, "description": r.description}
            for r in REPORTS.values()]


def resolve_agency(store: Store, agency: str) -> list[str]:
    """Agency ids matching an id, a canonical name or an alias (case-insensitive)."""
    rows = store.con.execute(
        """SELECT agency_id FROM agencies WHERE agency_id = lower($1) OR lower(name) = lower($1)
           OR list_contains([lower(x) FOR x IN aliases], lower($1))""",
        [agency.strip()],
    ).fetchall()
    if not rows:
        raise UsageError(
            f"no agency named {agency!r} in the store",
            hint="list them with: alpr-audit sql \"SELECT agency_id, name FROM agencies\"",
        )
    return [r[0] for r in rows]


def _date(value: str | dt.date | None, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date", hint="write it as YYYY-MM-DD") from None


def run_report(
    store: Store,
    name: str,
    *,
    agency: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    log_kind: str | None = None,
    engine: str = "duckdb",
) -> list[dict[str, object]]:
    """Rows of report ``name`` as dicts, computed on ``engine`` (duckdb or spark).

    ``log_kind`` keeps one kind of search log (org_audit, network_audit, portal_audit …): the
    same search can appear in an agency's organisation audit, its network audit and its
    portal CSV, and counting across kinds counts it more than once.
    """
    from alpr_audit.audit import backends

    expr = report_expr(store, name, backends.connect(store, engine), agency=agency,
                       since=since, until=until, log_kind=log_kind)
    return expr.to_pyarrow().to_pylist()


def report_expr(
    store: Store,
    name: str,
    backend: Any,
    *,
    agency: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    log_kind: str | None = None,
) -> ir.Table:
    """The Ibis expression of report ``name`` over ``backend``'s tables, filters applied."""
    report = get_report(name)
    s = backend.table("searches")
    preds = []
    if agency:  # names resolve in the catalog (DuckDB); the ids filter on any engine
        ids = resolve_agency(store, agency)
        preds.append(s.publisher_agency_id.isin(ids) | s.searcher_agency_id.isin(ids))
    if (d := _date(since, "--since")) is not None:
        preds.append(s.searched_at >= ibis.timestamp(dt.datetime.combine(d, dt.time())))
    if (d := _date(until, "--until")) is not None:
        end = dt.datetime.combine(d + dt.timedelta(days=1), dt.time())
        preds.append(s.searched_at < ibis.timestamp(end))
    if log_kind:
        preds.append(s.log_kind == log_kind)
    if preds:
        s = s.filter(*preds)
    return report.build(s, backend.table)
