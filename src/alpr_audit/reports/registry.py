"""Named reports: a title, a description and one SQL query over the normalised tables.

Every report takes the same filters: ``agency`` (an agency id, name or alias; matches the
publishing or the searching agency), ``since`` and ``until`` (dates, UTC, inclusive) and
``log_kind``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import UsageError
from ..store import Store


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    sql: str  # with a {where} placeholder over table alias s (searches)


_REASON = """CASE
  WHEN s.reason IS NOT NULL THEN lower(trim(s.reason))
  WHEN list_contains(s.redacted, 'reason') THEN '(redacted)'
  ELSE '(missing)' END"""

def _purpose_sql() -> str:
    """Searches per purpose label, computed on the fly from the stated reasons with the
    audit's classifier (compiled from its Ibis expression)."""
    from ..audit.reasons import purpose_query_sql

    # the filtered searches go in as a CTE named like the table the compiled query reads
    labelled = purpose_query_sql("_filtered", {"reason": "string"})
    labelled = labelled.replace("{", "{{").replace("}", "}}")  # for str.format below
    return f"""WITH _filtered AS (SELECT s.reason FROM searches s {{where}})
            SELECT purpose_label AS purpose, count(*) AS searches,
                   round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS percent,
                   count(DISTINCT reason) AS distinct_reasons,
                   mode(reason) AS most_common_reason
            FROM ({labelled}) p
            GROUP BY 1 ORDER BY searches DESC, purpose"""


REPORTS: dict[str, Report] = {r.name: r for r in [
    Report(
        "searches-by-month",
        "Searches by month",
        "Searches per calendar month (UTC), with distinct users and searching agencies.",
        """SELECT strftime(date_trunc('month', s.searched_at), '%Y-%m') AS month,
                  count(*) AS searches,
                  count(DISTINCT s.user_ref) AS users,
                  count(DISTINCT s.searcher_agency_id) AS searching_agencies
           FROM searches s {where} GROUP BY 1 ORDER BY 1""",
    ),
    Report(
        "searches-by-reason",
        "Searches by stated reason",
        "Searches per reason as typed (case-folded); redacted and missing reasons counted apart.",
        f"""SELECT {_REASON} AS reason, count(*) AS searches,
                   round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS percent,
                   min(s.searched_at) AS first_search, max(s.searched_at) AS last_search
            FROM searches s {{where}} GROUP BY 1 ORDER BY searches DESC, reason""",
    ),
    Report(
        "searches-by-org",
        "Searches by searching organisation",
        "Searches per searching agency, with its state and level from the registry.",
        """SELECT coalesce(a.name, s.searcher_name_raw, '(unknown)') AS organization,
                  a.agency_id, coalesce(a.state, 'unknown') AS state,
                  coalesce(a.level, 'unknown') AS level,
                  count(*) AS searches,
                  round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS percent,
                  min(s.searched_at) AS first_search, max(s.searched_at) AS last_search
           FROM searches s LEFT JOIN agencies a ON a.agency_id = s.searcher_agency_id
           {where} GROUP BY 1, 2, 3, 4 ORDER BY searches DESC, organization""",
    ),
    Report(
        "searches-by-purpose",
        "Searches by purpose label",
        "Searches per purpose label of the stated reason (missing, generic, case_number, "
        "immigration, protest, reproductive, personal, test, specific; docs/purposes.md).",
        "",  # built lazily: the classifier's terms are loaded on first use
    ),
    Report(
        "search-types",
        "Searches by search type",
        "Searches per Flock search type (search, lookup, apiV2 …), split by mobile use.",
        """SELECT coalesce(s.search_type, '(missing)') AS search_type, s.mobile,
                  count(*) AS searches,
                  round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS percent
           FROM searches s {where} GROUP BY 1, 2 ORDER BY searches DESC, 1, 2""",
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


def list_reports() -> list[dict[str, str]]:
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
) -> list[dict[str, object]]:
    """Rows of report ``name`` as dicts.

    ``log_kind`` keeps one kind of search log (org_audit, network_audit, portal_audit …): the
    same search can appear in an agency's organisation audit, its network audit and its
    portal CSV, and counting across kinds counts it more than once.
    """
    report = get_report(name)
    clauses, params = [], []
    if agency:
        ids = resolve_agency(store, agency)
        clauses.append("(s.publisher_agency_id IN ? OR s.searcher_agency_id IN ?)".replace(
            "IN ?", "IN (SELECT unnest(?))"))
        params += [ids, ids]
    if (d := _date(since, "--since")) is not None:
        clauses.append("s.searched_at >= ?")
        params.append(dt.datetime.combine(d, dt.time()))
    if (d := _date(until, "--until")) is not None:
        clauses.append("s.searched_at < ?")
        params.append(dt.datetime.combine(d + dt.timedelta(days=1), dt.time()))
    if log_kind:
        clauses.append("s.log_kind = ?")
        params.append(log_kind)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = report.sql or _purpose_sql()
    return store.query(sql.format(where=where), params)
