"""The named reports as Ibis expressions: written once, run on DuckDB and on Spark alike.

Each builder takes the filtered ``searches`` table and a way to get other tables (the
registry joins ``agencies``) and returns the report's table, ordered completely: every
ORDER BY ends with the grouping keys, so both engines return rows in the same order.

Portability notes (see docs/scaling.md): text is trimmed of spaces with a regular
expression (what DuckDB's ``trim`` did), percentages are doubles rounded to 2 places, and
``most_common_reason`` breaks ties by the smaller text instead of an engine's ``mode``.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

#: gets another normalised table by name (the backend's view)
Tables = Callable[[str], ir.Table]


def _percent(t: ir.Table) -> ir.Table:
    """``percent``: each row's share of all searches, rounded to 2 places."""
    return t.mutate(percent=(t.searches * 100.0 / t.searches.sum()).round(2))


def searches_by_month(s: ir.Table, tables: Tables) -> ir.Table:
    # built from integers: strftime patterns differ between engines
    ts = s.searched_at
    month = ts.year().cast("string") + "-" + ts.month().cast("string").lpad(2, "0")
    out = s.group_by(month=month).aggregate(
        searches=s.count(),
        users=s.user_ref.nunique(),
        searching_agencies=s.searcher_agency_id.nunique(),
    )
    return out.order_by(out.month)


def _reason_text(s: ir.Table) -> ir.StringValue:
    redacted = s.redacted.contains("reason").fill_null(False)
    return (ibis.cases(
        (s.reason.notnull(), s.reason.re_replace("^ +| +$", "").lower()),
        (redacted, "(redacted)"),
        else_="(missing)",
    ))


def searches_by_reason(s: ir.Table, tables: Tables) -> ir.Table:
    out = s.group_by(reason=_reason_text(s)).aggregate(
        searches=s.count(),
        first_search=s.searched_at.min(),
        last_search=s.searched_at.max(),
    )
    out = _percent(out)
    out = out.select("reason", "searches", "percent", "first_search", "last_search")
    return out.order_by([ibis.desc("searches"), "reason"])


def searches_by_org(s: ir.Table, tables: Tables) -> ir.Table:
    a = tables("agencies").select("agency_id", "name", "state", "level")
    j = s.left_join(a, s.searcher_agency_id == a.agency_id)
    out = j.group_by(
        organization=ibis.coalesce(j.name, j.searcher_name_raw, "(unknown)"),
        agency_id=j.agency_id,
        state=j.state.fill_null("unknown"),
        level=j.level.fill_null("unknown"),
    ).aggregate(
        searches=j.count(),
        first_search=j.searched_at.min(),
        last_search=j.searched_at.max(),
    )
    out = _percent(out)
    out = out.select("organization", "agency_id", "state", "level", "searches", "percent",
                     "first_search", "last_search")
    return out.order_by([ibis.desc("searches"), "organization", "agency_id", "state", "level"])


def searches_by_purpose(s: ir.Table, tables: Tables) -> ir.Table:
    from alpr_audit.audit.reasons import purpose_table

    # reasons repeat (thousands of texts in millions of searches): count each text once,
    # classify the distinct texts, then add up (NULL is a group of its own and gets its label)
    per = s.group_by("reason").aggregate(n=s.count())
    p = purpose_table(per).select("reason", "n", purpose="purpose_label")
    out = p.group_by("purpose").aggregate(searches=p.n.sum(), distinct_reasons=p.reason.count())
    # the most common reason per label; ties go to the smaller text (deterministic everywhere)
    given = p.filter(p.reason.notnull())
    rank = ibis.row_number().over(group_by=given.purpose,
                                  order_by=[ibis.desc(given.n), given.reason])
    top = given.mutate(rk=rank).filter(lambda t: t.rk == 0).select(
        top_purpose="purpose", most_common_reason="reason")
    out = out.left_join(top, out.purpose == top.top_purpose)
    out = _percent(out)
    out = out.select("purpose", "searches", "percent", "distinct_reasons", "most_common_reason")
    return out.order_by([ibis.desc("searches"), "purpose"])


def search_types(s: ir.Table, tables: Tables) -> ir.Table:
    out = s.group_by(search_type=s.search_type.fill_null("(missing)"), mobile=s.mobile).aggregate(
        searches=s.count())
    out = _percent(out)
    return out.order_by([ibis.desc("searches"), "search_type", "mobile"])
