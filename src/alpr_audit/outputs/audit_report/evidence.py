"""Evidence rows joined back to the normalised rows they point at, for the report.

Each evidence row names (table_name, source_id, locator); :data:`VIEWS` says which columns of
each normalised table a reader needs to judge it (for a search: when, who, why, which plate,
how many networks, which log) and which of them are personal. Personal columns are
pseudonymised in SQL, and free text of the same row (a reason naming the plate) has the row's
own personal values replaced, by :class:`~alpr_audit.outputs.audit_report.data.Privacy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alpr_audit.core import sql
from alpr_audit.outputs.audit_report.data import EV, Privacy
from alpr_audit.store import Store

_FILE = r"regexp_extract(so.path, '[^/\\]+$')"


@dataclass
class TableView:
    """How evidence rows of one normalised table are shown: (header, SQL over ``n``)."""

    table: str
    columns: list[tuple[str, str]]
    joins: str = ""
    #: personal columns: (pseudonym kind, column of n); a column's ``{name}`` placeholder
    #: in ``columns`` becomes its pseudonym (or the raw value in a raw report)
    personal: list[tuple[str, str]] = field(default_factory=list)
    #: text columns that may repeat the row's own personal values
    free_text: tuple[str, ...] = ()


_PARTNER = ("LEFT JOIN agencies pa ON pa.agency_id = n.partner_agency_id")
VIEWS: dict[str, TableView] = {v.table: v for v in [
    TableView("searches", [
        ("searched_at", "n.searched_at"),
        ("searching_org", "coalesce(sa.name, n.searcher_name_raw)"),
        ("user", "{user_ref}"), ("reason", "{reason}"), ("case_number", "{case_number}"),
        ("plate", "{plate_query}"), ("networks_searched", "n.networks_searched"),
        ("devices_searched", "n.devices_searched"), ("search_type", "n.search_type"),
        ("log_kind", "n.log_kind")],
        "LEFT JOIN agencies sa ON sa.agency_id = n.searcher_agency_id",
        [("user", "user_ref"), ("plate", "plate_query"), ("case", "case_number")], ("reason",)),
    TableView("sharing", [
        ("partner", "coalesce(pa.name, n.partner_name_raw)"),
        ("partner_as_written", "n.partner_name_raw"), ("partner_state", "pa.state"),
        ("direction", "n.direction"), ("data_kind", "n.data_kind"), ("status", "n.status"),
        ("observed_on", "n.observed_on"), ("network", "n.network_name")], _PARTNER),
    TableView("users", [
        ("user", "{user_ref}"), ("name", "{display_name}"), ("email", "{email}"),
        ("title", "n.title"), ("role", "n.role"),
        ("permissions", "array_to_string(n.permissions, '; ')"),
        ("last_login", "n.last_login"), ("training_on", "n.training_on")], "",
        [("user", "user_ref"), ("person", "display_name"), ("email", "email")]),
    TableView("detections", [
        ("detection_id", "n.detection_id"), ("device_id", "n.device_id"),
        ("plate_token", "n.plate_token"), ("plate_state", "n.plate_state"),
        ("seen_at", "n.seen_at")]),
    TableView("hits", [
        ("hit_id", "n.hit_id"), ("detection_id", "n.detection_id"), ("hotlist", "n.hotlist"),
        ("hit_at", "n.hit_at"), ("disposition", "n.disposition")]),
    TableView("hotlist_events", [
        ("at", 'n."at"'), ("user", "{user_ref}"), ("event_type", "n.event_type"),
        ("entity_type", "n.entity_type"), ("hotlist", "n.hotlist_name"),
        ("plate", "{plate_query}"), ("reason", "{reason}"), ("case_number", "{case_number}"),
        ("expires_at", "n.expires_at")], "",
        [("user", "user_ref"), ("plate", "plate_query"), ("case", "case_number")], ("reason",)),
    TableView("portal_snapshots", [
        ("captured_on", "n.captured_on"), ("agency_as_written", "n.agency_name_raw"),
        ("retention_days", "n.retention_days"), ("camera_count", "n.camera_count"),
        ("vehicles_30d", "n.vehicles_30d"), ("hits_30d", "n.hits_30d"),
        ("searches_30d", "n.searches_30d")]),
    TableView("detection_counts", [
        ("period_start", "n.period_start"), ("period_end", "n.period_end"),
        ("period_text", "n.period_text"), ("system", "n.system"),
        ("detections", "n.detections"), ("hits", "n.hits"),
        ("total_records", "n.total_records"), ("basis", "n.basis")]),
    TableView("agreements", [
        ("partner", "coalesce(pa.name, n.partner_name_raw)"), ("kind", "n.kind"),
        ("signed_on", "n.signed_on"), ("expires_on", "n.expires_on"),
        ("document", "n.document")], _PARTNER),
    TableView("external_access_counts", [
        ("period_start", "n.period_start"), ("period_end", "n.period_end"),
        ("accesses", "n.accesses")]),
]}


def _columns(view: TableView, privacy: Privacy, cond: str) -> tuple[list[tuple[str, str]], str]:
    """The view's (header, expr) with personal values pseudonymised and free text scrubbed,
    plus the note expression scrubbed of the row's own personal values."""
    frm = f"FROM {view.table} n WHERE n.source_id IN (SELECT source_id FROM {EV} WHERE {cond})"
    tokens = {col: privacy.sql(kind, f"n.{col}", frm) for kind, col in view.personal}
    pairs = [(f"n.{col}", tok) for col, tok in tokens.items()]
    subs = dict(tokens)
    for col in view.free_text:
        subs[col] = privacy.scrub_sql(f"n.{col}", pairs)
    cols = [(h, e.format(**subs) if "{" in e else e) for h, e in view.columns]
    return cols, privacy.scrub_sql("e.note_out", pairs)


def evidence_sql(table: str, cond: str, privacy: Privacy, *,
                 head: bool = True) -> tuple[list[str], str]:
    """Columns and a query over the :data:`EV` rows matching ``cond`` (SQL over its
    columns) of ``table``, each joined to its normalised row, in report order."""
    view = VIEWS.get(table)
    cols, note = _columns(view, privacy, cond) if view else ([], "e.note_out")
    lead = [("finding_id", "e.finding_id"), ("agency", "e.agency_name"),
            ("subject", "e.subject_out"), ("evidence_at", 'e."at"'), ("note", note)]
    tail = [("source_file", _FILE), ("locator", "e.locator")]
    allc = (lead if head else lead[3:]) + cols + tail
    join = (f"LEFT JOIN {table} n ON n.source_id = e.source_id AND n.locator = e.locator "
            f"{view.joins}") if view else ""
    # one normalised row per evidence row, even where a locator is not unique in its table
    query = (f"SELECT {', '.join(f'{x} AS {sql.identifier(h)}' for h, x in allc)} "
           f"FROM (SELECT * FROM {EV} WHERE {cond}) e {join} "
           f"LEFT JOIN sources so ON so.source_id = e.source_id "
           + ("QUALIFY row_number() OVER (PARTITION BY e.ev_n) = 1 " if view else "")
           + "ORDER BY e.ev_n")
    return [h for h, _ in allc], query


def safe_sql(store: Store, query: str, safe: Any) -> str:
    """``query`` with every VARCHAR column passed through ``safe`` (an SQL wrapper such as
    :func:`~alpr_audit.outputs.safe.sql_safe`), other types unchanged."""
    desc = store.con.execute(f"DESCRIBE {query}").fetchall()
    cols = [(sql.identifier(d[0]), str(d[1]).upper()) for d in desc]
    body = ", ".join(f"{safe(c)} AS {c}" if t == "VARCHAR" else c for c, t in cols)
    return f"SELECT {body} FROM ({query}) q"


def evidence_groups(store: Store) -> list[dict[str, Any]]:
    """(rule_id, table_name, rows) of the run's evidence, in rule then table order."""
    return store.query(f"""SELECT rule_id, table_name, count(*) AS n, min(ev_n) AS first
        FROM {EV} GROUP BY ALL ORDER BY first""")


def top_evidence(store: Store, finding_ids: list[str], top: int,
                 privacy: Privacy) -> dict[str, list[dict[str, Any]]]:
    """The first ``top`` evidence rows (by time) of each finding, as display dicts."""
    out: dict[str, list[dict[str, Any]]] = {}
    if not finding_ids or top <= 0:
        return out
    con = store.con
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _aa_report_top AS SELECT ev_n FROM {EV}
        WHERE list_contains($1, finding_id)
        QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY ev_n) <= $2""",
                [finding_ids, int(top)])
    where = "ev_n IN (SELECT ev_n FROM _aa_report_top)"
    tables = [r[0] for r in con.execute(
        f"SELECT DISTINCT table_name FROM {EV} WHERE {where}").fetchall()]
    try:
        for table in tables:
            cols, query = evidence_sql(table, f"{where} AND table_name = {sql.string(table)}",
                                     privacy, head=False)
            cur = con.execute(query.replace("SELECT ", "SELECT e.finding_id AS _fid, ", 1))
            names = ["_fid", *cols]
            for row in cur.fetchall():
                rec = dict(zip(names, row, strict=False))
                out.setdefault(rec.pop("_fid"), []).append(rec)
    finally:
        con.execute("DROP TABLE IF EXISTS _aa_report_top")
    return out
