"""What the JSON API returns, as functions of a read-only store (no web objects here).

Everything is public-safe unless a function says ``raw``: user ids, plates, people's names
and e-mails leave as the store's keyed pseudonyms (invariant 7), free text that may name a
person (request correspondence, evidence notes about a user) is scrubbed or left out, and
file paths are cut to their file name.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import PurePath
from typing import Any

from alpr_audit.core.errors import AlprAuditError, UsageError
from alpr_audit.core.records import Finding
from alpr_audit.outputs.audit_report.data import Privacy, load_findings, load_run, user_people
from alpr_audit.reports.registry import resolve_agency
from alpr_audit.store import Store


class NotFound(AlprAuditError):
    """The thing asked for does not exist (HTTP 404)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, kind="not_found")


class Forbidden(AlprAuditError):
    """The caller may not have this (HTTP 403)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, kind="forbidden")


def page(rows: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """One page of ``rows`` with the total, so a client knows when to stop."""
    return {"total": len(rows), "limit": limit, "offset": offset,
            "items": rows[offset:offset + limit]}


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name} {value!r} is not a date", hint="write it as YYYY-MM-DD") from None


# --- agencies ------------------------------------------------------------------------------

def agencies(store: Store) -> list[dict[str, Any]]:
    """The registry with each agency's count of findings in the latest audit run."""
    return store.query("""
        SELECT a.agency_id, a.name, a.state, a.level, a.is_federal, a.is_private,
               a.deactivated, a.aliases, coalesce(f.n, 0) AS findings
        FROM agencies a LEFT JOIN (
            SELECT agency_id, count(*) AS n FROM findings
            WHERE run_id = (SELECT run_id FROM audit_runs ORDER BY started_at DESC, run_id DESC
                            LIMIT 1)
            GROUP BY agency_id) f USING (agency_id)
        ORDER BY a.name""")


def agency(store: Store, agency_id: str) -> dict[str, Any]:
    """One agency with its sources, sharing partners and findings by severity."""
    rows = store.query("SELECT agency_id, name, state, level, is_federal, is_private, "
                       "deactivated, aliases FROM agencies WHERE agency_id = ?", [agency_id])
    if not rows:
        raise NotFound(f"no agency {agency_id!r} in the store", hint="list them at /api/agencies")
    out = rows[0]
    out["sources"] = store.query(
        "SELECT count(*) AS files, coalesce(sum(rows_loaded), 0) AS rows_loaded, "
        "min(ingested_at) AS first_ingested, max(ingested_at) AS last_ingested "
        "FROM sources WHERE publisher_agency_id = ?", [agency_id])[0]
    out["sharing"] = store.query("""
        SELECT s.direction, s.data_kind, s.partner_agency_id,
               coalesce(p.name, s.partner_name_raw) AS partner, p.state, p.level,
               p.is_federal, p.is_private, max(s.observed_on) AS last_observed
        FROM sharing s LEFT JOIN agencies p ON p.agency_id = s.partner_agency_id
        WHERE s.publisher_agency_id = ?
        GROUP BY ALL ORDER BY s.direction, partner, s.data_kind""", [agency_id])
    by_sev: dict[str, int] = {}
    try:
        run = load_run(store, None)
    except UsageError:
        run = None
    if run is not None:
        for r in store.query("SELECT severity, count(*) AS n FROM findings WHERE run_id = ? "
                             "AND agency_id = ? GROUP BY severity", [run.run_id, agency_id]):
            by_sev[r["severity"]] = r["n"]
    out["findings_by_severity"] = by_sev
    return out


# --- findings ------------------------------------------------------------------------------

def findings(store: Store, *, run_id: str | None = None, agency: str | None = None,
             rule: str | None = None, severity: str | None = None, since: str | None = None,
             until: str | None = None) -> list[Finding]:
    """Findings of a run (default: the latest), pseudonymised, filtered; overlapping the
    period ``since``–``until`` (inclusive dates) when given. No run yet: an empty list."""
    try:
        run = load_run(store, run_id)
    except UsageError:
        if run_id is not None:
            raise NotFound(f"no audit run {run_id!r} in the store") from None
        return []
    rows = load_findings(store, run, Privacy(store, raw=False))
    start, end = _date(since, "since"), _date(until, "until")
    ids = set(resolve_agency(store, agency)) if agency else None
    out = []
    for f in rows:
        if ids is not None and f.agency_id not in ids:
            continue
        if rule and f.rule_id != rule and not f.rule_id.startswith(rule + "."):
            continue
        if severity and f.severity != severity:
            continue
        if start and f.last_at and f.last_at.date() < start:
            continue
        if end and f.first_at and f.first_at.date() > end:
            continue
        out.append(f)
    return out


def finding(store: Store, finding_id: str, *, limit: int = 200, raw: bool = False
            ) -> dict[str, Any]:
    """One finding with its first ``limit`` evidence rows and their provenance (file name,
    sha256, format, place in the file); pseudonymised unless ``raw``."""
    rows = store.query("SELECT run_id FROM findings WHERE finding_id = ?", [finding_id])
    if not rows:
        raise NotFound(f"no finding {finding_id!r} in the store",
                       hint="list them at /api/findings")
    privacy = Privacy(store, raw=raw)
    run = load_run(store, rows[0]["run_id"])
    one = next(f for f in load_findings(store, run, privacy) if f.finding_id == finding_id)
    found = one.to_record()
    kind = one.subject_kind
    ev = store.query("""
        SELECT e.table_name, e.source_id, e.locator, e."at", e.subject, e.note,
               s.path, s.sha256, s.format, s.log_kind
        FROM evidence e LEFT JOIN sources s USING (source_id)
        WHERE e.finding_id = ? ORDER BY e."at", e.source_id, e.locator LIMIT ?""",
                     [finding_id, int(limit)])
    total = store.query("SELECT count(*) AS n FROM evidence WHERE finding_id = ?",
                        [finding_id])[0]["n"]
    people = user_people(store, [e["subject"] for e in ev if kind == "user" and e["subject"]])
    for e in ev:
        e["file"] = PurePath(e.pop("path") or "").name or None
        if kind == "user" and not raw:
            person = people.get((e["subject"] or "").strip().lower(), {})
            e["note"] = privacy.scrub(e["note"], [("user", e["subject"]),
                                                  ("person", person.get("name")),
                                                  ("email", person.get("email"))])
            e["subject"] = privacy.token("user", e["subject"])
        elif kind == "agency" or not raw:
            e["subject"] = found["subject"]
    found["evidence"] = ev
    found["evidence_total"] = total
    found["evidence_shown"] = len(ev)
    return found


# --- reports -------------------------------------------------------------------------------

#: reports whose rows quote free text users typed (a reason may hold a plate or a name):
#: operators only
FREE_TEXT_REPORTS = frozenset({"searches-by-reason"})


# --- requests and sources ------------------------------------------------------------------

_REQUEST_COLUMNS = ("request_id, batch_id, agency, agency_id, title, tracking_no, submitted_on, "
                    "received_on, status, due_on, extended_due_on, estimated_on, imported_at")


def requests(store: Store, *, agency: str | None = None, status: str | None = None
             ) -> list[dict[str, Any]]:
    """Tracked records requests (correspondence left out: it names the requester)."""
    sql = f"SELECT {_REQUEST_COLUMNS} FROM requests WHERE true"
    params: list[Any] = []
    if agency:
        sql += " AND (list_contains($ids, agency_id) OR lower(agency) = lower($agency))"
    if status:
        sql += " AND status = $status"
    sql += " ORDER BY received_on DESC NULLS LAST, request_id"
    named: dict[str, Any] = {}
    if agency:
        try:
            named["ids"] = resolve_agency(store, agency)
        except UsageError:
            named["ids"] = []
        named["agency"] = agency
    if status:
        named["status"] = status
    cur = store.con.execute(sql, named or params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=False)) for r in cur.fetchall()]


def request(store: Store, request_id: str) -> dict[str, Any]:
    """One request with its items and the dates and kinds of its messages (their text may
    name the requester, so it is not published)."""
    rows = store.query(f"SELECT {_REQUEST_COLUMNS} FROM requests WHERE request_id = ?",
                       [request_id])
    if not rows:
        raise NotFound(f"no request {request_id!r} in the store", hint="list them at /api/requests")
    out = rows[0]
    out["items"] = store.query(
        "SELECT item_id, text, kind, period_start, period_end, disposition FROM request_items "
        "WHERE request_id = ? ORDER BY rowid", [request_id])
    out["communications"] = store.query(
        "SELECT seq, sent_on, direction, kind, cited_sections, estimated_on FROM communications "
        "WHERE request_id = ? ORDER BY seq", [request_id])
    return out


def sources(store: Store) -> list[dict[str, Any]]:
    """The ledger: file name (not the path), hash, format, row accounting."""
    rows = store.query(
        "SELECT source_id, path, sha256, format, publisher_agency_id, log_kind, rows_read, "
        "rows_loaded, rows_rejected, rows_duplicate, status, ingested_at FROM sources "
        "ORDER BY ingested_at, source_id")
    for r in rows:
        r["file"] = PurePath(r.pop("path") or "").name or None
    return rows


def details_json(text: str | None) -> Any:
    """A JSON text column decoded (None when it is not JSON)."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
