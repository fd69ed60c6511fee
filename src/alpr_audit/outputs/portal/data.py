"""What the transparency portal shows, gathered from the store with read-only SQL.

Every figure is computed for all agencies at once (one grouped query per figure, not one per
agency), so a store with hundreds of agencies and millions of searches builds in seconds.
Nothing personal leaves here: searches are counted, never listed; reasons are reduced to their
purpose label (the classifier of :mod:`alpr_audit.audit.reasons`); findings come through
:func:`alpr_audit.outputs.audit_report.data.load_findings`, which pseudonymises users.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import PurePath
from typing import Any

from alpr_audit.core.errors import UsageError
from alpr_audit.core.records import SEVERITIES, Finding
from alpr_audit.outputs.audit_report.data import Privacy, load_findings, load_run
from alpr_audit.store import Store

#: Purpose labels that record no specific, authorised purpose ("vague" on the pages).
VAGUE_LABELS = ("missing", "generic", "test")
#: Labels a council member must see called out.
ALARM_LABELS = ("immigration", "protest", "reproductive", "personal")
#: Portal figures compared between two captures of the same page.
SNAPSHOT_FIELDS = ("retention_days", "camera_count", "vehicles_30d", "hits_30d", "searches_30d")


def _rows(store: Store, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return store.query(sql, params or [])


def _by(rows: list[dict[str, Any]], key: str = "agency_id") -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r.pop(key)].append(r)
    return out


def portal_agencies(store: Store, only: list[str] | None = None) -> list[str]:
    """Agencies that get a page: those whose own records (sources, portal pages, counts,
    findings) are in the store — not every partner named on a sharing list."""
    rows = _rows(store, """
        SELECT DISTINCT id FROM (
          SELECT publisher_agency_id AS id FROM sources
          UNION ALL SELECT agency_id FROM portal_snapshots
          UNION ALL SELECT agency_id FROM detection_counts
          UNION ALL SELECT publisher_agency_id FROM searches
          UNION ALL SELECT publisher_agency_id FROM sharing)
        WHERE id IS NOT NULL AND id IN (SELECT agency_id FROM agencies) ORDER BY id""")
    ids = [r["id"] for r in rows]
    if only:
        from alpr_audit.reports.registry import resolve_agency

        wanted: list[str] = []
        for name in only:
            wanted += [i for i in resolve_agency(store, name) if i not in wanted]
        ids = [i for i in wanted if i in ids] or wanted
    return ids


def snapshots(store: Store, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each agency's portal captures, oldest first, with what changed since the one before."""
    rows = _rows(store, f"""
        SELECT agency_id, captured_on, {', '.join(SNAPSHOT_FIELDS)}, hotlists
        FROM portal_snapshots WHERE agency_id IN (SELECT unnest($1::VARCHAR[]))
        QUALIFY row_number() OVER (PARTITION BY agency_id, captured_on ORDER BY source_id DESC,
                                   locator) = 1
        ORDER BY agency_id, captured_on NULLS FIRST""", [ids])
    out = _by(rows)
    for caps in out.values():
        prev: dict[str, Any] | None = None
        for cap in caps:
            cap["hotlists"] = list(cap["hotlists"] or [])
            cap["changes"] = [] if prev is None else [
                {"field": f, "before": prev[f], "after": cap[f]}
                for f in SNAPSHOT_FIELDS if prev[f] != cap[f]]
            prev = cap
    return out


def searches_by_month(store: Store, ids: list[str]) -> tuple[dict[str, str], dict[str, list]]:
    """Per agency: the search log counted (the kind with most rows: one search can sit in an
    organisation, a network and a portal log, so kinds are never added) and searches per month."""
    kinds = {r["agency_id"]: r["log_kind"] for r in _rows(store, """
        SELECT agency_id, log_kind FROM (
          SELECT publisher_agency_id AS agency_id, coalesce(log_kind, '(unknown)') AS log_kind,
                 count(*) AS n
          FROM searches WHERE publisher_agency_id IN (SELECT unnest($1::VARCHAR[]))
          GROUP BY 1, 2)
        QUALIFY row_number() OVER (PARTITION BY agency_id ORDER BY n DESC, log_kind) = 1""",
                                                             [ids])}
    rows = _rows(store, """
        SELECT s.publisher_agency_id AS agency_id,
               strftime(date_trunc('month', s.searched_at), '%Y-%m') AS month, count(*) AS searches
        FROM searches s JOIN (SELECT unnest($1::VARCHAR[]) AS a, unnest($2::VARCHAR[]) AS k) x
          ON s.publisher_agency_id = x.a AND coalesce(s.log_kind, '(unknown)') = x.k
        WHERE s.searched_at IS NOT NULL GROUP BY ALL ORDER BY 1, 2""",
                 [list(kinds), list(kinds.values())])
    return kinds, _by(rows)


def searches_by_purpose(store: Store, kinds: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Per agency: searches per purpose label of the stated reason, in the counted log.

    Reasons are grouped first (a log repeats a few hundred reasons millions of times), then
    labelled by the audit's own classifier, so the labels are the audit's labels.
    """
    import ibis

    from alpr_audit.audit.reasons import purpose_table

    if not kinds:
        return {}
    grouped = store.con.sql("""
        SELECT s.publisher_agency_id AS agency_id, s.reason, count(*) AS n
        FROM searches s JOIN (SELECT unnest($1::VARCHAR[]) AS a, unnest($2::VARCHAR[]) AS k) x
          ON s.publisher_agency_id = x.a AND coalesce(s.log_kind, '(unknown)') = x.k
        GROUP BY ALL""", params=[list(kinds), list(kinds.values())]).to_arrow_table()
    t = purpose_table(ibis.memtable(grouped))
    labelled = t.group_by(["agency_id", "purpose_label"]).aggregate(searches=t.n.sum())
    rows = ibis.duckdb.connect().to_pyarrow(labelled).to_pylist()
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["agency_id"]].append({"label": r["purpose_label"], "searches": int(r["searches"])})
    for labels in out.values():
        total = sum(r["searches"] for r in labels) or 1
        for r in labels:
            r["percent"] = round(100 * r["searches"] / total, 1)
        labels.sort(key=lambda r: (-r["searches"], r["label"]))
    return out


def reads_by_month(store: Store, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Per agency and month: plate reads and hot-list hits, from row-level data when the store
    has it, else from count reports whose period is at most a month."""
    rows = _rows(store, """
        WITH want AS (SELECT unnest($1::VARCHAR[]) AS agency_id),
        r AS (SELECT agency_id, strftime(date_trunc('month', seen_at), '%Y-%m') AS month,
                     count(*) AS reads FROM detections WHERE seen_at IS NOT NULL
                     AND agency_id IN (SELECT agency_id FROM want) GROUP BY ALL),
        h AS (SELECT d.agency_id, strftime(date_trunc('month', h.hit_at), '%Y-%m') AS month,
                     count(*) AS hits FROM hits h JOIN detections d USING (detection_id)
                     WHERE h.hit_at IS NOT NULL AND d.agency_id IN (SELECT agency_id FROM want)
                     GROUP BY ALL),
        rowlevel AS (SELECT r.agency_id, r.month, r.reads, coalesce(h.hits, 0) AS hits,
                            'row-level data' AS basis FROM r LEFT JOIN h USING (agency_id, month)),
        counted AS (SELECT agency_id, strftime(date_trunc('month', period_start), '%Y-%m') AS month,
                           sum(coalesce(total_records, detections + hits))::BIGINT AS reads,
                           sum(hits)::BIGINT AS hits, 'count reports' AS basis
                    FROM detection_counts WHERE system IS NULL
                      AND period_end - period_start <= INTERVAL 32 DAY
                      AND agency_id IN (SELECT agency_id FROM want)
                      AND agency_id NOT IN (SELECT agency_id FROM rowlevel) GROUP BY ALL)
        SELECT * FROM rowlevel UNION ALL SELECT * FROM counted ORDER BY agency_id, month""",
                 [ids])
    return _by(rows)


def hit_totals(store: Store, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per agency: hits per 100 reads over everything counted (row-level data first, then
    agency-total count reports), with the period it covers."""
    rows = _rows(store, """
        WITH want AS (SELECT unnest($1::VARCHAR[]) AS agency_id),
        rowlevel AS (SELECT d.agency_id, count(*) AS reads, count(h.hit_id) AS hits,
                            min(d.seen_at)::DATE AS since, max(d.seen_at)::DATE AS until
                     FROM detections d LEFT JOIN hits h USING (detection_id)
                     WHERE d.agency_id IN (SELECT agency_id FROM want) GROUP BY ALL),
        counted AS (SELECT agency_id, sum(coalesce(total_records, detections + hits)) AS reads,
                           sum(hits) AS hits, min(period_start)::DATE AS since,
                           max(period_end)::DATE AS until
                    FROM detection_counts WHERE system IS NULL AND hits IS NOT NULL
                      AND agency_id IN (SELECT agency_id FROM want)
                      AND agency_id NOT IN (SELECT agency_id FROM rowlevel) GROUP BY ALL)
        SELECT agency_id, reads::BIGINT AS reads, hits::BIGINT AS hits, since, until
        FROM (SELECT * FROM rowlevel UNION ALL SELECT * FROM counted) WHERE reads > 0""", [ids])
    out = {}
    for r in rows:
        r["hit_percent"] = round(100 * r["hits"] / r["reads"], 3)
        out[r.pop("agency_id")] = r
    return out


def sharing(store: Store, ids: list[str], states: dict[str, str | None]
            ) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per agency: partners it shares with (out) and that share with it (in), with state,
    level and flags; out-of-state, federal and private partners flagged."""
    rows = _rows(store, """
        SELECT s.publisher_agency_id AS agency_id, s.direction, s.partner_agency_id,
               coalesce(p.name, s.partner_name_raw) AS partner, p.state, p.level,
               coalesce(p.is_federal, false) AS is_federal,
               coalesce(p.is_private, false) AS is_private,
               string_agg(DISTINCT s.data_kind, ', ' ORDER BY s.data_kind) AS data_kinds,
               arg_max(s.status, s.observed_on) AS status, max(s.observed_on) AS last_observed,
               list_distinct(flatten(list(coalesce(s.flags, []::VARCHAR[])))) AS source_flags
        FROM sharing s LEFT JOIN agencies p ON p.agency_id = s.partner_agency_id
        WHERE s.publisher_agency_id IN (SELECT unnest($1::VARCHAR[]))
        GROUP BY ALL ORDER BY agency_id, s.direction, partner""", [ids])
    out: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: {"out": [], "in": []})
    for r in rows:
        aid = r.pop("agency_id")
        home = states.get(aid)
        state = r["state"] if r["state"] not in (None, "", "unknown") else None
        flags = []
        if state and home and home != "unknown" and state != home:
            flags.append("out of state")
        if r["is_federal"] or r["level"] == "federal":
            flags.append("federal")
        if r["is_private"] or r["level"] == "private":
            flags.append("private")
        if not r["partner_agency_id"]:
            flags.append("unidentified")
        # markers the source itself wrote (Flock's "federal", "NVLS" …), kept as written
        flags += [f for f in (r.pop("source_flags") or []) if f and f.lower() not in flags]
        r["flags"] = flags
        r["active"] = (r["status"] or "active") in ("active", "")
        out[aid]["out" if r["direction"] == "out" else "in"].append(r)
    for both in out.values():  # the partners the law forbids first, then by name
        for d in both.values():
            d.sort(key=lambda p: (not set(p["flags"]) & {"out of state", "federal", "private"},
                                  (p["partner"] or "").lower()))
    return out


def policy(store: Store, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Per agency: the §1798.90.51 elements (A)–(G) found in its latest portal page's policy
    text, each with the passage that addresses it (the audit's own patterns)."""
    import ibis

    from alpr_audit.audit.rules.policy import (
        POLICY_COLUMNS,
        element_passage,
        load_policy_terms,
        policy_text,
    )

    cols = ", ".join(POLICY_COLUMNS)
    latest = store.con.sql(f"""
        SELECT agency_id, retention_days, {cols} FROM portal_snapshots
        WHERE agency_id IN (SELECT unnest($1::VARCHAR[]))
        QUALIFY row_number() OVER (PARTITION BY agency_id ORDER BY captured_on DESC NULLS LAST,
                                   source_id DESC, locator) = 1""", params=[ids]).to_arrow_table()
    if latest.num_rows == 0:
        return {}
    elements = load_policy_terms()
    t = ibis.memtable(latest)
    body = policy_text(t)
    expr = t.select("agency_id", "retention_days",
                    **{el.id: element_passage(body, el) for el in elements.values()})
    out: dict[str, list[dict[str, Any]]] = {}
    for r in ibis.duckdb.connect().to_pyarrow(expr).to_pylist():
        items = []
        for el in elements.values():
            passage = r[el.id]
            if passage is None and el.id == "G" and r["retention_days"] is not None:
                passage = f"Retention card: {r['retention_days']} days"
            items.append({"id": el.id, "title": el.title, "passage": passage,
                          "present": passage is not None})
        out[r["agency_id"]] = items
    return out


def findings(store: Store) -> tuple[dict[str, Any] | None, dict[str, list[Finding]]]:
    """The latest audit run (id, pack, dates) and its findings per agency, pseudonymised."""
    try:
        run = load_run(store, None)
    except UsageError:
        return None, {}
    rows = load_findings(store, run, Privacy(store, raw=False))
    info = {"run_id": run.run_id, "pack": run.pack, "finished_at": run.finished_at,
            "as_of": run.as_of, "findings": len(rows)}
    by: dict[str, list[Finding]] = defaultdict(list)
    for r in rows:
        by[r.agency_id or ""].append(r)
    return info, by


def sources(store: Store, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Per agency: the files its figures come from, with sha256 and the period each covers."""
    rows = _rows(store, """
        WITH periods AS (
          SELECT source_id, min(searched_at)::DATE AS lo, max(searched_at)::DATE AS hi
            FROM searches GROUP BY 1
          UNION ALL SELECT source_id, min(period_start)::DATE, max(period_end)::DATE
            FROM detection_counts GROUP BY 1
          UNION ALL SELECT source_id, min(captured_on), max(captured_on) FROM portal_snapshots GROUP BY 1
          UNION ALL SELECT source_id, min(observed_on), max(observed_on) FROM sharing GROUP BY 1)
        SELECT s.publisher_agency_id AS agency_id, s.source_id, s.path, s.sha256, s.format,
               s.log_kind, s.rows_loaded, s.ingested_at, min(p.lo) AS period_start,
               max(p.hi) AS period_end
        FROM sources s LEFT JOIN periods p USING (source_id)
        WHERE s.publisher_agency_id IN (SELECT unnest($1::VARCHAR[]))
        GROUP BY ALL ORDER BY agency_id, s.ingested_at, s.source_id""", [ids])
    for r in rows:  # the file name only: a server's folders are nobody's business
        r["file"] = PurePath(r.pop("path") or "").name or r["source_id"]
    return _by(rows)


def problem_kinds(rows: list[Finding]) -> list[dict[str, Any]]:
    """Findings summed per rule: title, severity, how many, records behind them."""
    kinds: dict[str, dict[str, Any]] = {}
    for f in rows:
        k = kinds.setdefault(f.rule_id, {"rule_id": f.rule_id, "title": f.title,
                                            "severity": f.severity, "findings": 0,
                                            "records": 0})
        k["findings"] += 1
        k["records"] += f.evidence_count
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(kinds.values(), key=lambda k: (order.get(k["severity"], 9), -k["findings"]))


def vague_share(purposes: list[dict[str, Any]]) -> float | None:
    """Percent of searches whose purpose label records no specific purpose."""
    total = sum(r["searches"] for r in purposes)
    if not total:
        return None
    return round(100 * sum(r["searches"] for r in purposes if r["label"] in VAGUE_LABELS) / total, 1)


def gather(store: Store, agencies: list[str] | None = None,
           today: dt.date | None = None) -> dict[str, Any]:
    """Everything the portal shows: ``{"generated_on", "run", "agencies": [page data …]}``,
    one entry per agency with its own records (or those named in ``agencies``)."""
    ids = portal_agencies(store, agencies)
    registry = {r["agency_id"]: r for r in _rows(store, "SELECT * FROM agencies")}
    states = {a: registry[a]["state"] for a in ids if a in registry}
    snaps = snapshots(store, ids)
    kinds, months = searches_by_month(store, ids)
    purposes = searches_by_purpose(store, kinds)
    reads = reads_by_month(store, ids)
    hits = hit_totals(store, ids)
    shares = sharing(store, ids, states)
    pol = policy(store, ids)
    run, found = findings(store)
    srcs = sources(store, ids)
    pages = []
    for aid in ids:
        reg = registry.get(aid, {"name": aid, "state": None, "level": None})
        caps = snaps.get(aid, [])
        share = shares.get(aid, {"out": [], "in": []})
        fs = found.get(aid, [])
        by_sev = {s: sum(1 for f in fs if f.severity == s) for s in SEVERITIES}
        purpose_rows = purposes.get(aid, [])
        pages.append({
            "agency_id": aid, "name": reg["name"], "state": reg.get("state"),
            "level": reg.get("level"), "latest": caps[-1] if caps else None, "snapshots": caps,
            "log_kind": kinds.get(aid), "searches_by_month": months.get(aid, []),
            "searches_total": sum(r["searches"] for r in months.get(aid, [])),
            "purposes": purpose_rows, "vague_percent": vague_share(purpose_rows),
            "alarm_searches": sum(r["searches"] for r in purpose_rows
                                  if r["label"] in ALARM_LABELS),
            "reads_by_month": reads.get(aid, []), "hit_ratio": hits.get(aid),
            "sharing": share,
            "partners_flagged": sorted({p["partner"] for d in ("out", "in") for p in share[d]
                                        if set(p["flags"]) & {"out of state", "federal",
                                                              "private"}}),
            "out_of_state": sum(1 for p in share["out"] if "out of state" in p["flags"]),
            "federal": sum(1 for p in share["out"] if "federal" in p["flags"]),
            "private": sum(1 for p in share["out"] if "private" in p["flags"]),
            "problem_kinds": problem_kinds(fs),
            "policy": pol.get(aid, []), "findings": fs, "findings_by_severity": by_sev,
            "sources": srcs.get(aid, []),
        })
    pages.sort(key=lambda p: _natural(p["name"]))
    return {"generated_on": (today or dt.date.today()).isoformat(), "run": run,
            "agencies": pages}


def _natural(name: str | None) -> list[Any]:
    """Sort key reading numbers as numbers: "Town 2" before "Town 10"."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name or "")]
