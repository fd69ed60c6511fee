"""A synthetic ALPR world with injected, documented misuse: what the audit is scored against.

:func:`write_world` writes one folder per agency, in formats alpr-audit ingests (Flock network
audits, user list, event log, SharedNetworks export, transparency-portal page) plus the
row-level CSVs the newer importers read (detections, hits, agreements), and a hidden
``.truth.json`` (``alpr-audit ingest DIR`` skips dot-files) saying what each rule must find
and where. Everything is a function of the seed: the same call writes the same bytes.

Ingest each agency folder with ``--agency "<agency name>"``: network audits, user lists and
event logs do not name the agency whose records they are.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.synth import world_vocab as W
from alpr_audit.synth._duck import connect, epoch_s
from alpr_audit.synth.world_files import (
    AGREEMENTS_FILE,
    EVENT_LOG_FILE,
    SHARED_NETWORKS_FILE,
    USERS_FILE,
    partner_table,
    write_agreements,
    write_event_log,
    write_shared_networks,
    write_users,
)
from alpr_audit.synth.world_inject import inject
from alpr_audit.synth.world_people import AS_OF, TZ, AgencyWorld, agency_seed, build_agency
from alpr_audit.synth.world_portal import write_portal
from alpr_audit.synth.world_readings import (
    monthly_counts,
    portal_counts,
    retention_ranges,
    write_readings,
)
from alpr_audit.synth.world_rules import prepare
from alpr_audit.synth.world_searches import add_searches, write_network_audits
from alpr_audit.synth.world_truth import check, expected_list, found, intended, near_misses

TRUTH_NAME = ".truth.json"
MAX_AGENCIES = len(W.WORLD_AGENCIES)

NOTES = (
    ("Ingest each agency folder with --agency set to its name (network audits, user lists and "
     "event logs do not name their agency); detections.csv, hits.csv and sharing_agreements.csv "
     "need the row-level importers."),
    ("Locators: CSV 'row N' with the header as row 1; XLSX 'Sheet!N'. Retention findings give "
     "row_ranges (first and last locator of each run of rows) instead of listing every row."),
    ("Subjects are written as in the files (partner and org names, user_ref = the Name cell, "
     "field names, hot-list names); subject_id is the registry id expected for agency subjects."),
    ("Not injected: access_record.incomplete 'date_time' (the Flock importer rejects a search "
     "without its time) and accounts.no_training (Flock user lists carry no training date)."),
    ("hit_ratio.period findings are info, one per agency and calendar month of row-level reads."),
)


def _agency_facts(con: Any, aw: AgencyWorld, out: Path) -> dict[str, Any]:
    """Write one agency's folder; return what the truth needs about it."""
    d = out / aw.folder
    d.mkdir(parents=True, exist_ok=True)
    files = write_network_audits(con, aw, d)
    users = write_users(con, aw, d)
    agreements = write_agreements(aw, d)
    shared = write_shared_networks(aw, d)
    events = write_event_log(aw, d)
    files += write_readings(con, aw, d)
    cutoff = epoch_s(AS_OF - timedelta(days=aw.profile.retention_days))
    retention = retention_ranges(con, aw, cutoff)
    vehicles, hits = portal_counts(con, aw)
    searches_30d = con.execute(
        "SELECT count(*) FROM srch WHERE agency_index = ? AND org = ? AND ts > ?",
        [aw.index, aw.name, AS_OF - timedelta(days=30)]).fetchall()[0][0]
    portal = write_portal(aw, d, {"cameras": 24, "vehicles_30d": vehicles, "hits_30d": hits,
                                  "searches_30d": searches_30d})
    files.append({"file": portal["file"], "format": "flock_portal_page"})
    files.append({"file": f"{aw.folder}/{USERS_FILE}", "format": "flock_users", "rows": len(users)})
    files.append({"file": f"{aw.folder}/{EVENT_LOG_FILE}", "format": "flock_event_log",
                  "rows": len(events)})
    if agreements:
        files.append({"file": f"{aw.folder}/{AGREEMENTS_FILE}", "format": "agreements",
                      "rows": len(agreements)})
    if shared:
        files.append({"file": f"{aw.folder}/{SHARED_NETWORKS_FILE}",
                      "format": "flock_shared_networks", "rows": len(aw.partners)})
    return {"files": files, "users": users, "users_file": f"{aw.folder}/{USERS_FILE}",
            "events": events, "events_file": f"{aw.folder}/{EVENT_LOG_FILE}",
            "agreements": agreements, "retention": retention, "portal": portal,
            "months": monthly_counts(con, aw)}


def _counts(con: Any, aws: list[AgencyWorld], facts: dict[str, Any],
            expected: list[dict[str, Any]]) -> dict[str, Any]:
    per: dict[str, Any] = {}
    for aw in aws:
        fx = facts[aw.name]
        by_file = dict(con.execute("SELECT file, count(*) FROM srch WHERE agency_index = ? "
                                   "GROUP BY file ORDER BY file", [aw.index]).fetchall())
        tags = dict(con.execute("SELECT tag, count(*) FROM srch WHERE agency_index = ? AND tag <> '' "
                                "GROUP BY tag ORDER BY tag", [aw.index]).fetchall())
        near = con.execute("SELECT count(*) FROM srch WHERE agency_index = ? AND near <> ''",
                           [aw.index]).fetchall()[0][0]
        rows = {f["format"]: f.get("rows") for f in fx["files"]}
        det, hit = rows.get("detections", 0), rows.get("hits", 0)
        per[aw.name] = {
            "searches": sum(by_file.values()), "searches_by_file": by_file,
            "searches_injected_by_tag": tags, "searches_near_miss": near,
            "users_listed": len(fx["users"]), "hotlist_events": len(fx["events"]),
            "hotlist_entry_creations": sum(1 for e in fx["events"] if e["event_type"] == "create"
                                           and e["entity_type"] == "Custom Hotlist Entry"),
            "detections": det, "hits": hit, "hit_ratio": round(hit / max(det + hit, 1), 5),
            "partners_out": fx["portal"]["outbound"], "partners_in": fx["portal"]["inbound"],
            "agreements": len(fx["agreements"]), "by_month": fx["months"],
        }
    findings = Counter(e["rule_id"] for e in expected)
    rows_by_rule: Counter[str] = Counter()
    for e in expected:
        rows_by_rule[e["rule_id"]] += e.get("row_count", 0)
    return {"agencies": per, "expected_findings_by_rule": dict(sorted(findings.items())),
            "expected_rows_by_rule": dict(sorted(rows_by_rule.items()))}


def write_world(out_dir: str | Path, *, seed: int = 0, scale: int = 1, agencies: int = 2) -> dict[str, Any]:
    """Write the synthetic world into ``out_dir`` and return its ground truth.

    ``scale`` multiplies volumes (1: ~20k searches and 200k reads per agency over 2024-01 …
    2025-10); ``agencies`` (1 … 8) alternates city and county profiles. The truth (also in
    ``out_dir/.truth.json``) holds ``seed``, ``scale``, ``as_of``, ``agencies``, ``files``,
    ``expected`` (rule_id, agency, subject, rows as file + locator), ``near_misses``,
    ``counts`` and ``notes``. Raises RuntimeError if the generated world does not trigger the
    rules exactly as intended (a generator bug, never a property of the seed).
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if not 1 <= agencies <= MAX_AGENCIES:
        raise ValueError(f"agencies must be between 1 and {MAX_AGENCIES}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = connect(seed)
    con.execute("SET enable_progress_bar = false")  # a library call prints nothing
    try:
        aws = [build_agency(i, seed=seed, scale=scale, n_agencies=agencies) for i in range(agencies)]
        for aw in aws:
            add_searches(con, aw, inject(aw, random.Random(agency_seed(seed, aw.index, 2))))
        prepare(con, aws)
        facts = {aw.name: _agency_facts(con, aw, out) for aw in aws}
        got = found(con, aws, facts)
        check(got, intended(con, aws, facts))
        expected = expected_list(got, aws, facts)
        truth = {
            "generator": "alpr_audit.synth.world.write_world",
            "seed": seed, "scale": scale,
            "as_of": AS_OF.isoformat() + "Z", "timezone": TZ,
            "agencies": [{"name": aw.name, "folder": aw.folder, "state": "CA",
                          "agency_id": parse_agency_name(aw.name).agency_id,
                          "profile": aw.profile.kind,
                          "retention_days": aw.profile.retention_days,
                          "policy_missing": list(aw.profile.policy_missing),
                          "partners": partner_table(aw.partners)} for aw in aws],
            "files": [f for aw in aws for f in facts[aw.name]["files"]],
            "expected": expected,
            "near_misses": near_misses(con, aws, facts),
            "counts": _counts(con, aws, facts, expected),
            "notes": list(NOTES),
        }
    finally:
        con.close()
    (out / TRUTH_NAME).write_text(json.dumps(truth, indent=1, default=str) + "\n", encoding="utf-8")
    return truth
