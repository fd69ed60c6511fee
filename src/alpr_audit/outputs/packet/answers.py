"""Request item → the rows of the store that answer it (one function per item kind).

Each answer is data: columns, rows (or, for the access log, a SQL query the packet streams
straight to CSV with DuckDB ``COPY``: ten million searches never pass through Python), a
note a person reads, the sources used and every redaction with its legal basis.

Personal values are replaced in SQL by the store's keyed pseudonyms (invariant 7) unless the
operator released that field (``release``: ``names``, ``plates``, ``user_ids``, ``emails``,
``case_numbers``). Counts are given for the periods the sources state, never re-bucketed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from alpr_audit.core import sql
from alpr_audit.core.privacy import Pseudonymizer
from alpr_audit.core.privacy_sql import fill_pseudo_map, pseudo_expr
from alpr_audit.outputs.safe import sql_safe
from alpr_audit.requests.model import RequestItem
from alpr_audit.store import Store

#: Fields an operator may release instead of pseudonymising.
RELEASE_FIELDS = ("names", "plates", "user_ids", "emails", "case_numbers")

RELEASED = "records released"
REDACTED = "records released with redactions"
NO_RECORDS = "no responsive records"
MANUAL = "manual: answer by hand"
NO_RECORDS_NOTE = "no responsive records in the ingested sources: "

# Legal basis and reason per kind of personal value (docs/audit.md, CPRA redaction labels).
BASIS = {
    "plate": ("Gov. Code §7927.705; Civ. Code §1798.90.55(b)",
              "ALPR data may be shared only with public agencies (Civ. Code §1798.90.55(b)); "
              "plates replaced by consistent pseudonyms so repeats can still be counted "
              "(ACLU Foundation v. Superior Court (2017) 3 Cal.5th 1032)"),
    "person": ("Gov. Code §7922.000; §7927.700",
               "personal identifying information of employees; the public interest in "
               "non-disclosure clearly outweighs disclosure; pseudonyms keep people apart"),
    "case": ("Gov. Code §7923.600; §7927.200",
             "case numbers identify investigation files and may concern pending litigation; "
             "replaced by consistent pseudonyms"),
    "text": ("Gov. Code §7927.705; Civ. Code §1798.90.55(b)",
             "plate-shaped text and the searched plate removed from free-text fields"),
}
# What releasing a field means in the redaction log.
_RELEASE_REASON = "released at the operator's choice (release={field})"

# Plate shapes removed from free text (reasons, prompts): California 7ABC123, ABC1234, ABC123,
# 123ABC, 1AB2345, 1A23456. Best effort; the searched plate itself is matched exactly too.
_PLATE_TEXT = (r"\b([0-9][A-Z]{3}[0-9]{3}|[A-Z]{3}[0-9]{3,4}|[0-9]{3}[A-Z]{3}"
               r"|[0-9][A-Z]{2}[0-9]{4}|[0-9][A-Z][0-9]{5})\b")


_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass
class Redaction:
    """One column of one item: what was done to it and on which legal basis."""

    item_id: str
    column: str
    treatment: str  # pseudonymised | withheld | released
    basis: str
    reason: str


@dataclass
class ItemAnswer:
    """The answer to one request item."""

    item_id: str
    kind: str
    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    note: str
    sources: list[str]
    disposition: str = RELEASED
    redactions: list[Redaction] = field(default_factory=list)
    query: str | None = None  # set for streamed answers: rows is empty, row_count counted
    row_count: int = 0

    def __post_init__(self) -> None:
        if self.query is None:
            self.row_count = len(self.rows)


def id_list(ids: Sequence[str]) -> str:
    return "(" + ", ".join(sql.string(i) for i in ids) + ")" if ids else "(NULL)"


class _Ctx:
    """What every item function needs: the store, agency ids, pseudonyms and releases."""

    def __init__(self, store: Store, item: RequestItem, ids: Sequence[str],
                 pz: Pseudonymizer, release: set[str]) -> None:
        self.store, self.item, self.ids, self.pz = store, item, list(ids), pz
        self.release = set(release)
        self.ids_sql = id_list(self.ids)
        self.redactions: list[Redaction] = []

    def pseudo(self, kind: str, expr: str, from_sql: str) -> str:
        """SQL for the pseudonym of ``expr`` (evaluated over ``from_sql``: FROM … WHERE …)."""
        fill_pseudo_map(self.store.con, self.pz, kind, expr, from_sql)
        return pseudo_expr(self.pz, kind, expr)

    def personal(self, column: str, expr: str, kind: str, released_by: str,
                 from_sql: str) -> str:
        """``expr`` as released (formula-neutralised) or as its pseudonym, which needs no
        neutralising (it starts with a letter); logs the treatment of ``column``."""
        basis, reason = BASIS["plate" if kind == "plate" else "case" if kind == "case"
                              else "person"]
        if released_by in self.release:
            self.redactions.append(Redaction(self.item.item_id, column, "released", "",
                                             _RELEASE_REASON.format(field=released_by)))
            return sql_safe(expr)
        self.redactions.append(Redaction(self.item.item_id, column, "pseudonymised", basis,
                                         reason))
        return self.pseudo(kind, expr, from_sql)

    def free_text(self, column: str, expr: str, plate_expr: str | None) -> str:
        """A free-text column with plates removed (unless plates were released)."""
        if "plates" in self.release:
            return expr
        self.redactions.append(Redaction(self.item.item_id, f"{column} (plate-shaped text)",
                                         "withheld", *BASIS["text"]))
        scrubbed = f"regexp_replace({expr}, '{_PLATE_TEXT}', '[plate]', 'gi')"
        if plate_expr is None:
            return scrubbed
        own = (f"{plate_expr} IS NOT NULL AND length(replace({plate_expr}, '*', '')) >= 4 "
               f"AND contains(upper({expr}), upper({plate_expr}))")
        return (f"(CASE WHEN {own} THEN '[withheld: contains the searched plate]' "
                f"ELSE {scrubbed} END)")

    def period_sql(self, column: str) -> str:
        """`` AND …`` bounding ``column`` by the item's period (inclusive dates)."""
        out = ""
        if self.item.period_start:
            out += f" AND {column} >= DATE {sql.string(self.item.period_start.isoformat())}"
        if self.item.period_end:
            end = self.item.period_end + dt.timedelta(days=1)
            out += f" AND {column} < DATE {sql.string(end.isoformat())}"
        return out

    def rows(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cur = self.store.con.execute(sql)
        return [d[0] for d in cur.description], cur.fetchall()

    def scalar(self, sql: str) -> Any:
        return self.store.con.execute(sql).fetchall()[0][0]

    def answer(self, title: str, columns: list[str], rows: list[tuple[Any, ...]], note: str,
               looked_for: str, *, query: str | None = None, row_count: int | None = None,
               sources: list[str] | None = None) -> ItemAnswer:
        """An ItemAnswer; an empty one says what was looked for and carries no redactions."""
        n = row_count if row_count is not None else len(rows)
        if sources is None and "source_id" in columns:
            k = columns.index("source_id")
            sources = sorted({r[k] for r in rows if r[k] is not None})
        if n == 0:
            return ItemAnswer(self.item.item_id, self.item.kind, title, columns, [],
                              NO_RECORDS_NOTE + looked_for, [], NO_RECORDS)
        if query is None:  # log only columns that hold something to redact
            filled = {c for i, c in enumerate(columns) if any(r[i] is not None for r in rows)}
            self.redactions = [r for r in self.redactions if r.column.split(" (")[0] in filled]
        changed = any(r.treatment != "released" for r in self.redactions)
        return ItemAnswer(self.item.item_id, self.item.kind, title, columns, rows, note,
                          sources or [], REDACTED if changed else RELEASED, self.redactions,
                          query, n)


def answer_item(store: Store, item: RequestItem, agency_id: str | Sequence[str], *,
                pseudonymizer: Pseudonymizer, release: set[str] | frozenset[str] = frozenset(),
                agency_name: str | None = None) -> ItemAnswer:
    """Answer ``item`` for the agency (one id, or every id of one agency) from ``store``.

    Pseudonymising leaves the keyed pads and a value map in session variables of
    ``store.con`` (the streamed query needs them); call :func:`clear_pseudo_state` when
    done, as :func:`~alpr_audit.outputs.packet.packet.write_packet` does.
    """
    ids = [agency_id] if isinstance(agency_id, str) else list(agency_id)
    ctx = _Ctx(store, item, ids, pseudonymizer, set(release))
    who = agency_name or ", ".join(ids)
    fn = _KINDS.get(item.kind)
    if fn is None:
        return ItemAnswer(item.item_id, item.kind, "Answered by hand", [], [],
                          "manual: answer by hand (no table of the store answers this item)",
                          [], MANUAL)
    return fn(ctx, who)


# --- sharing lists ---------------------------------------------------------------------------

_SHARING = {
    "sharing_out": ("out", "detections", "Agencies {who} shares ALPR detection data with"),
    "sharing_in": ("in", "detections", "Agencies {who} receives ALPR detection data from"),
    "hotlist_out": ("out", "hotlist", "Agencies {who} shares hot lists with"),
    "hotlist_in": ("in", "hotlist", "Agencies {who} receives hot lists from"),
}


def _sharing(ctx: _Ctx, who: str) -> ItemAnswer:
    direction, data_kind, title = _SHARING[ctx.item.kind]
    # One detail per row: the network shared (Flock) or each hot list named; a hot-list
    # partner without named lists keeps one row (unnest of [NULL]).
    detail = ("network_name" if data_kind == "detections" else
              "unnest(CASE WHEN len(hotlists) > 0 THEN hotlists ELSE [NULL]::VARCHAR[] END)")
    detail_name = "networks" if data_kind == "detections" else "hot_lists"
    query = f"""
      SELECT {sql_safe("coalesce(any_value(a.name), s.partner_name_raw)")} AS partner,
             {sql_safe("s.partner_name_raw")} AS partner_as_written,
             coalesce(nullif(any_value(a.state), 'unknown'),
                      max(substr(list_filter(s.flags, lambda f: f LIKE 'state:%')[1], 7)),
                      'unknown') AS state,
             coalesce(any_value(a.level), 'unknown') AS level,
             coalesce(bool_or(a.is_federal), false)
               OR coalesce(bool_or(list_contains(s.flags, 'federal')), false) AS federal,
             coalesce(bool_or(a.is_private), false) AS private,
             coalesce(bool_or(a.deactivated), false) AS deactivated,
             s.status, s.observed_on,
             {sql_safe("string_agg(DISTINCT s.detail, '; ' ORDER BY s.detail)")} AS {detail_name},
             s.source_id
      FROM (SELECT *, {detail} AS detail FROM sharing
            WHERE publisher_agency_id IN {ctx.ids_sql} AND direction = {sql.string(direction)}
              AND data_kind = {sql.string(data_kind)}) s
      LEFT JOIN agencies a ON a.agency_id = s.partner_agency_id
      GROUP BY s.partner_agency_id, s.partner_name_raw, s.status, s.observed_on, s.source_id
      ORDER BY s.observed_on DESC NULLS LAST, partner, partner_as_written, s.status,
               s.source_id"""
    cols, rows = ctx.rows(query)
    c = {name: i for i, name in enumerate(cols)}
    partners = {r[c["partner"]] for r in rows}
    flagged = [f"{sum(1 for r in rows if r[c[k]])} {k}" for k in ("federal", "private",
                                                                  "deactivated")]
    # Out of state: of the agency's own state; a CPRA packet's agency is Californian when the
    # registry does not know better.
    home = ctx.scalar(f"SELECT coalesce(max(nullif(state, 'unknown')), 'CA') FROM agencies "
                      f"WHERE agency_id IN {ctx.ids_sql}")
    out_state = sum(1 for r in rows if r[c["state"]] not in (home, "unknown"))
    dates = sorted({str(r[c["observed_on"]]) for r in rows if r[c["observed_on"]]})
    note = (f"{len(partners):,} agencies in {len(rows):,} rows (one per partner, status and "
            f"source); {', '.join(flagged)}; {out_state} outside {home}; as observed on "
            f"{', '.join(dates) or 'an unstated date'}")
    looked = (f"no sharing list of {who} with direction {direction} and data kind {data_kind} "
              "(looked in: sharing)")
    return ctx.answer(title.format(who=who), cols, rows, note, looked)


# --- agreements (A5, A6) ---------------------------------------------------------------------

def _agreements(ctx: _Ctx, who: str) -> ItemAnswer:
    # the table always exists; an empty one means no agreements list was ingested at all
    exists = ctx.scalar("SELECT count(*) FROM table_files WHERE table_name = 'agreements'")
    looked = "no agreements have been ingested"
    if not exists:
        return ctx.answer("Sharing agreements and certifications", [], [], "", looked)
    cols, rows = ctx.rows(f"SELECT * FROM agreements WHERE agency_id IN {ctx.ids_sql}")
    return ctx.answer("Sharing agreements and certifications", cols, rows,
                      f"{len(rows):,} agreements",
                      f"no agreements of {who} (looked in: agreements)")


# --- detections and hits (B1, B2) ------------------------------------------------------------

def _counts(ctx: _Ctx, who: str) -> ItemAnswer:
    measure = "detections" if ctx.item.kind == "detections" else "hits"
    overlap = ""  # a count whose period overlaps the one asked for is responsive, as stated
    if ctx.item.period_start:
        start = sql.string(ctx.item.period_start.isoformat())
        overlap += f" AND (period_end IS NULL OR period_end >= DATE {start})"
    if ctx.item.period_end:
        end = sql.string((ctx.item.period_end + dt.timedelta(days=1)).isoformat())
        overlap += f" AND (period_start IS NULL OR period_start < DATE {end})"
    cols, rows = ctx.rows(f"""
      SELECT period_start, period_end, {sql_safe("period_text")} AS period_as_written,
             {sql_safe("coalesce(system, '(agency total)')")} AS system, {measure},
             total_records, {sql_safe("basis")} AS basis, report_created_on, source_id, locator
      FROM detection_counts WHERE agency_id IN {ctx.ids_sql} AND {measure} IS NOT NULL {overlap}
      ORDER BY period_start, period_end, system, source_id""")
    rows = [tuple(_day(v) for v in r) for r in rows]
    parts = [f"{r[4]:,} {measure} from {r[0]} to {r[1]} ({r[3]}; as written: {r[2]}; "
             f"basis: {r[6]})" for r in rows[:5]]
    more = f"; {len(rows) - 5} more rows" if len(rows) > 5 else ""
    note = ("; ".join(parts) + more + ". Counts are given for the periods the sources state, "
            "never re-bucketed")
    asked = _asked(ctx.item)
    looked = f"no {measure} count of {who}{asked} (looked in: detection_counts)"
    return ctx.answer(f"Number of {measure}", cols, rows, note, looked)


def _day(value: Any) -> Any:
    """A midnight timestamp shown as its date (report periods are mostly whole days)."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def _asked(item: RequestItem) -> str:
    if item.period_start or item.period_end:
        return f" for {item.period_start or '…'} to {item.period_end or 'the date of processing'}"
    return ""


# --- users (officers with access) ------------------------------------------------------------

def _users(ctx: _Ctx, who: str) -> ItemAnswer:
    frm = f"FROM users WHERE agency_id IN {ctx.ids_sql}"
    name = ctx.personal("name", "display_name", "person", "names", frm)
    email = ctx.personal("email", "email", "email", "emails", frm)
    # A user id that is the person's name or e-mail is released only with that field too.
    hide_ref = []
    if "names" not in ctx.release:
        hide_ref.append("lower(trim(user_ref)) = lower(trim(display_name))")
    if "emails" not in ctx.release:
        hide_ref.append("lower(trim(user_ref)) = lower(trim(email)) OR user_ref LIKE '%@%'")
    user = ctx.personal("user", "user_ref", "user", "user_ids", frm)
    if "user_ids" in ctx.release and hide_ref:
        user = (f"CASE WHEN {' OR '.join(hide_ref)} THEN {ctx.pseudo('user', 'user_ref', frm)} "
                f"ELSE {sql_safe('user_ref')} END")
    cols, rows = ctx.rows(f"""
      SELECT {user} AS "user", {name} AS name, {email} AS email,
             {sql_safe("title")} AS title, {sql_safe("role")} AS role,
             {sql_safe("array_to_string(permissions, '; ')")} AS permissions,
             last_login AS last_login_utc, training_on, source_id
      FROM users WHERE agency_id IN {ctx.ids_sql}
      ORDER BY "user", source_id""")
    srcs = sorted({r[-1] for r in rows})
    note = f"{len(rows):,} accounts from {len(srcs)} user list(s)"
    return ctx.answer("Officers with authorized access to ALPR systems", cols, rows, note,
                      f"no user list of {who} (looked in: users)")


# --- audits: searches by stated reason and by month ------------------------------------------

def _audits(ctx: _Ctx, who: str) -> ItemAnswer:
    # Grouped by reason as typed, with per-search ids folded so that they group: alert uuids
    # ("… associated with Alert: 3f2a…") and reasons that are only a case number.
    typed = ("regexp_replace(regexp_replace(lower(trim(reason)), "
             f"'{_UUID}', '<id>', 'g'), '^[0-9]{{2,4}}-?[0-9]{{3,}}$', '<case number>')")
    reason = ctx.free_text("value", typed, "plate_query")
    value = sql_safe(f"CASE WHEN reason IS NOT NULL THEN {reason} WHEN list_contains(redacted, "
                     "'reason') THEN '(redacted)' ELSE '(missing)' END")
    event = sql_safe("coalesce(event_type, '?') || ' ' || coalesce(entity_type, '?')")
    where = f"publisher_agency_id IN {ctx.ids_sql}{ctx.period_sql('searched_at')}"
    cols, rows = ctx.rows(f"""
      WITH s AS (SELECT * FROM searches WHERE {where})
      SELECT 'search reason' AS breakdown,
             {value} AS value,
             count(*) AS count, min(searched_at) AS first_utc, max(searched_at) AS last_utc
      FROM s GROUP BY 2
      UNION ALL
      SELECT 'searches by month', coalesce(strftime(searched_at, '%Y-%m'), '(no date)'),
             count(*), min(searched_at), max(searched_at) FROM s GROUP BY 2
      UNION ALL
      SELECT 'hot-list events', {event},
             count(*), min("at"), max("at")
      FROM hotlist_events WHERE agency_id IN {ctx.ids_sql}{ctx.period_sql('"at"')} GROUP BY 2
      ORDER BY breakdown DESC, count DESC, value""")
    sources = [r[0] for r in ctx.store.con.execute(
        f"SELECT DISTINCT source_id FROM searches WHERE {where} UNION "
        f"SELECT DISTINCT source_id FROM hotlist_events WHERE agency_id IN {ctx.ids_sql} "
        "ORDER BY 1").fetchall()]
    total = sum(r[2] for r in rows if r[0] == "searches by month")
    note = (f"{total:,} searches counted by stated reason (as typed, lower-cased, with alert "
            "ids and bare case numbers folded) and by month, from the search audit "
            "logs; no plates or user ids. Misuse findings (purpose and sharing rules) are in "
            "the audit report (`alpr-audit audit --out DIR`)")
    return ctx.answer("Audits: searches by stated reason and by month", cols, rows, note,
                      f"no search audit log or hot-list log of {who}{_asked(ctx.item)} "
                      "(looked in: searches, hotlist_events)", sources=sources)


# --- external access: counts, and federal partners singled out -------------------------------

def _external(ctx: _Ctx, who: str) -> ItemAnswer:
    period = ctx.period_sql("searched_at")
    cols, rows = ctx.rows(f"""
      SELECT 'accesses by other agencies (as reported)' AS measure, period_start, period_end,
             NULL AS agency, NULL::BOOLEAN AS federal, accesses AS count, NULL AS detail, source_id
      FROM external_access_counts WHERE agency_id IN {ctx.ids_sql}
      UNION ALL
      SELECT 'searches by other agencies (audit log)', date_trunc('month', s.searched_at),
             date_trunc('month', s.searched_at) + INTERVAL 1 MONTH - INTERVAL 1 SECOND,
             NULL, NULL, count(*), count(*) FILTER (WHERE a.is_federal) || ' by federal agencies',
             string_agg(DISTINCT s.source_id, '; ')
      FROM searches s LEFT JOIN agencies a ON a.agency_id = s.searcher_agency_id
      WHERE s.publisher_agency_id IN {ctx.ids_sql} AND s.searcher_agency_id NOT IN {ctx.ids_sql}
        {period} GROUP BY 2, 3
      UNION ALL
      SELECT 'searches by a federal agency (audit log)', min(s.searched_at), max(s.searched_at),
             {sql_safe("a.name")}, true, count(*), NULL, string_agg(DISTINCT s.source_id, '; ')
      FROM searches s JOIN agencies a ON a.agency_id = s.searcher_agency_id
      WHERE s.publisher_agency_id IN {ctx.ids_sql} AND a.is_federal {period} GROUP BY a.name
      UNION ALL
      SELECT 'federal partner on the sharing list', min(s.observed_on), max(s.observed_on),
             {sql_safe("coalesce(a.name, s.partner_name_raw)")}, true, NULL,
             string_agg(DISTINCT concat_ws(' ', s.direction, s.data_kind, s.status), '; '),
             s.source_id
      FROM sharing s LEFT JOIN agencies a ON a.agency_id = s.partner_agency_id
      WHERE s.publisher_agency_id IN {ctx.ids_sql}
        AND (a.is_federal OR list_contains(s.flags, 'federal'))
      GROUP BY 4, s.source_id
      ORDER BY measure, period_start, agency""")
    sources = sorted({p.strip() for r in rows if r[-1] for p in str(r[-1]).split(";")})
    fed = sorted({r[3] for r in rows if r[4] and r[3]})
    note = (f"{len(rows):,} rows: reported access counts, monthly searches by other agencies, "
            f"and federal agencies singled out ({len(fed)}: {', '.join(fed) or 'none'})")
    looked = (f"no count of accesses by other agencies, no search by another agency in the "
              f"audit logs of {who} and no federal partner (looked in: external_access_counts, "
              "searches, sharing)")
    return ctx.answer("Access by other agencies, federal agencies singled out", cols,
                      [tuple(_day(v) for v in r) for r in rows], note, looked, sources=sources)


# --- records of access: the search log, streamed ---------------------------------------------

def _access_records(ctx: _Ctx, who: str) -> ItemAnswer:
    where = f"s.publisher_agency_id IN {ctx.ids_sql}{ctx.period_sql('s.searched_at')}"
    frm = f"FROM searches s WHERE {where}"
    user = ctx.personal("user", "s.user_ref", "user", "user_ids", frm)
    plate = ctx.personal("plate", "s.plate_query", "plate", "plates", frm)
    case = ctx.personal("case_number", "s.case_number", "case", "case_numbers", frm)
    reason = ctx.free_text("reason", "s.reason", "s.plate_query")
    prompt = ctx.free_text("text_prompt", "s.text_prompt", "s.plate_query")
    # No join (e.g. for the searcher's canonical name): ten million rows would pay for it,
    # and the registry id plus the name as written say as much.
    text = {"searcher_agency_id": "s.searcher_agency_id",
            "searcher_as_written": "s.searcher_name_raw", "user": user,
            "reason": reason, "case_number": case, "offense_type": "s.offense_type",
            "plate": plate, "search_type": "s.search_type"}
    done = {"user", "case_number", "plate"}  # safe already (see _Ctx.personal)
    plain = {"mobile": "s.mobile", "networks_searched": "s.networks_searched",
             "devices_searched": "s.devices_searched",
             "time_frame_start_utc": "s.time_frame_start",
             "time_frame_end_utc": "s.time_frame_end"}
    more = {"text_prompt": prompt, "filters": "s.filters", "log_kind": "s.log_kind",
            "redacted_in_source": "array_to_string(s.redacted, '; ')"}
    select = {"searched_at_utc": "s.searched_at",
              **{k: v if k in done else sql_safe(v) for k, v in text.items()}, **plain,
              **{k: sql_safe(v) for k, v in more.items()},
              "source_id": "s.source_id", "locator": sql_safe("s.locator")}
    columns = ", ".join(f'{v} AS "{k}"' for k, v in select.items())
    query = (f"SELECT {columns} "
             "FROM searches s "
             f"WHERE {where} "
             # Sorted, so the same log always gives the same file (and hash): a scan's order
             # is not guaranteed. Ties: the file, then the record's place in it.
             "ORDER BY s.searched_at, s.source_id, length(s.locator), s.locator")
    personal = {"user": "user_ref", "plate": "plate_query", "case_number": "case_number",
                "reason": "reason", "text_prompt": "text_prompt"}
    n, first, last, *filled = ctx.store.con.execute(
        f"SELECT count(*), min(searched_at), max(searched_at), "
        f"{', '.join(f'count({c})' for c in personal.values())} FROM searches s WHERE {where}"
    ).fetchall()[0]
    empty = {k for k, f in zip(personal, filled, strict=False) if not f}  # nothing to redact there
    ctx.redactions = [r for r in ctx.redactions if r.column.split(" (")[0] not in empty]
    sources = [r[0] for r in ctx.store.con.execute(
        f"SELECT DISTINCT source_id FROM searches s WHERE {where} ORDER BY 1").fetchall()]
    span = " to ".join(f"{t:%Y-%m-%d %H:%M:%S}" for t in (first, last) if t is not None)
    note = (f"{n:,} searches ({span or 'no dates'}, UTC), in time order; "
            "users, plates and case numbers pseudonymised unless released")
    return ctx.answer("Records of access (search audit log)", list(select), [], note,
                      f"no search audit log of {who}{_asked(ctx.item)} (looked in: searches)",
                      query=query, row_count=n, sources=sources)


_KINDS = {
    "sharing_out": _sharing, "sharing_in": _sharing, "hotlist_out": _sharing,
    "hotlist_in": _sharing, "agreements": _agreements, "detections": _counts, "hits": _counts,
    "users": _users, "audits": _audits, "external_access": _external,
    "access_records": _access_records,
}
