"""The ground truth of the synthetic world: what the audit rules must find, checked twice.

Two independent accounts are compared before anything is returned: what was *intended*
(the tags of injected rows and events, the special accounts, the partners' designed flags)
and what the rule definitions *find* when applied to what was generated (``world_rules`` for
searches, the registry's name parser for partners, the cell rules for hot-list cells). Any
difference — a background row that fires by accident, an injection that does not — raises,
so a world that is returned is exactly as the truth file says.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.audit.reasons import classify_many
from alpr_audit.ingest.formats.flock.portal_page import partner_markers
from alpr_audit.synth.world_people import AS_OF, END, START, AgencyWorld
from alpr_audit.synth.world_rules import INACTIVE_DAYS, Findings, search_findings

#: Rules whose evidence rows must match the injected rows exactly (others: the subject, and
#: the injected rows among the evidence).
ROW_EXACT = ("purpose.", "access_record.", "scope.", "volume.", "accounts.unknown_searcher",
             "accounts.inactive", "hotlist.")
#: Rules whose subject is an agency (the truth also gives the registry id it expects).
AGENCY_SUBJECT = ("purpose.", "scope.", "sharing.", "agreements.")
_PERSONAL_WORD = re.compile(r"\bpersonal\b", re.IGNORECASE)


def _num(loc: str) -> int:
    m = re.search(r"(\d+)$", loc)
    return int(m.group(1)) if m else 0


def _add(f: Findings, rule: str, agency: str, subject: str, rows: set[tuple[str, str]] | None = None) -> None:
    f.setdefault((rule, agency, subject), set()).update(rows or set())


def intended(con: duckdb.DuckDBPyConnection, aws: list[AgencyWorld], facts: dict[str, Any]) -> Findings:
    """What the world was built to trigger."""
    out: Findings = {}
    folder = {aw.name: aw.folder for aw in aws}
    for agency, f, row, org, name, tag in con.execute(
            "SELECT agency, file, \"row\", org, name, tag FROM srch WHERE tag <> ''").fetchall():
        rule, _, field = tag.partition(":")
        subject = field or (org if rule.startswith(("purpose.", "scope.")) else name)
        _add(out, rule, agency, subject, {(f"{folder[agency]}/{f}", f"row {row}")})
    for aw in aws:
        a, fx = aw.name, facts[aw.name]
        _add(out, "accounts.search_after_inactivity", a, aw.account("gap").name)
        for u in fx["users"]:
            if u["special"] in ("left", "inactive_a", "inactive_b"):
                _add(out, "accounts.inactive", a, u["user_ref"], {(fx["users_file"], u["locator"])})
        for e in fx["events"]:
            if e["tag"]:
                _add(out, e["tag"], a, e["hotlist"], {(fx["events_file"], e["locator"])})
        for p in aw.partners:
            if p.outbound:
                for rule in p.expect:
                    _add(out, rule, a, p.name)
            if aw.profile.has_agreements and p.outbound and p.agreement in (None, "expired", "future"):
                _add(out, "agreements.missing", a, p.name)
        if any(p.inbound for p in aw.partners):
            _add(out, "sharing.inbound", a, "inbound")
        for el in aw.profile.policy_missing:
            _add(out, "policy.missing_element", a, el)
        if aw.profile.retention_days < (END - START).days:  # reads older than it states
            _add(out, "retention.detections", a, "detections")
            _add(out, "retention.hits", a, "hits")
        for k in range(22):  # info: one hit ratio per calendar month of reads, 2024-01 … 2025-10
            _add(out, "hit_ratio.period", a, month_period(f"{2024 + k // 12}-{k % 12 + 1:02d}"))
    return out


def month_period(month: str) -> str:
    """``2024-02`` -> ``2024-02-01..2024-02-29`` (the audit's period text)."""
    first = date.fromisoformat(month + "-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return f"{first.isoformat()}..{last.isoformat()}"


def found(con: duckdb.DuckDBPyConnection, aws: list[AgencyWorld], facts: dict[str, Any]) -> Findings:
    """What the rule definitions find in the generated world."""
    listed = {aw.name: {u["user_ref"] for u in facts[aw.name]["users"]} for aw in aws}
    out: Findings = dict(search_findings(con, aws, listed))
    cutoff = AS_OF - timedelta(days=INACTIVE_DAYS)
    for aw in aws:
        a, fx = aw.name, facts[aw.name]
        for u in fx["users"]:
            if datetime.fromisoformat(u["last_login"]) < cutoff:
                _add(out, "accounts.inactive", a, u["user_ref"], {(fx["users_file"], u["locator"])})
        _hotlist_found(out, con, a, fx)
        _sharing_found(out, aw)
        for what, r in (fx["retention"] or {}).items():
            if r["row_count"]:
                _add(out, f"retention.{what}", a, what)
        for el in aw.profile.policy_missing:  # the policy texts are written to lack these
            _add(out, "policy.missing_element", a, el)
        for m in fx["months"]:
            if m["detections"] + m["hits"]:
                _add(out, "hit_ratio.period", a, month_period(m["month"]))
    return out


def _hotlist_found(out: Findings, con: duckdb.DuckDBPyConnection, agency: str, fx: dict[str, Any]) -> None:
    """Hot-list rules on the event log's entry creations, cells read by the ingest's macros."""
    ev = fx["events"]
    cols = ("locator", "event_type", "entity_type", "hotlist", "reason", "case", "expiry")
    con.register("_ev", pa.table({c: pa.array([e[c] for e in ev], pa.string()) for c in cols}))
    try:
        rows = con.execute("""
            SELECT locator, hotlist, reason, aa_ts(expiry) IS NULL, aa_text("case") IS NULL
            FROM _ev WHERE lower(event_type) IN ('create', 'created')
              AND regexp_matches(entity_type, 'hotlist.*entry', 'i')""").fetchall()
    finally:
        con.unregister("_ev")
    texts = sorted({t for r in rows for t in (r[1], r[2]) if t})
    personal = {t for t, (label, _) in zip(texts, classify_many(texts), strict=False)
                if label == "personal" or _PERSONAL_WORD.search(t)}
    for locator, hotlist, reason, no_expiry, no_case in rows:
        loc = {(fx["events_file"], locator)}
        if no_expiry:
            _add(out, "hotlist.no_expiry", agency, hotlist, loc)
        if no_case:
            _add(out, "hotlist.no_case_number", agency, hotlist, loc)
        if hotlist in personal or reason in personal:
            _add(out, "hotlist.personal_owner", agency, hotlist, loc)


def _sharing_found(out: Findings, aw: AgencyWorld) -> None:
    home = parse_agency_name(aw.name).state
    valid: set[str] = set()
    if aw.profile.has_agreements:
        from alpr_audit.synth.world_files import agreement_rows

        for r in agreement_rows(aw):
            ok = r["signed_on"] <= AS_OF.date() and (r["expires_on"] is None
                                                    or r["expires_on"] > AS_OF.date())
            if ok:
                valid.add(parse_agency_name(r["written"]).agency_id)
    for p in aw.partners:
        if p.inbound:
            _add(out, "sharing.inbound", aw.name, "inbound")
        if not p.outbound:
            continue
        n = parse_agency_name(p.name)
        status, _ = partner_markers(p.name)
        inactive = n.deactivated or status != "active"
        if n.state not in ("unknown", home) and not n.is_federal:
            _add(out, "sharing.out_of_state", aw.name, p.name)
        if n.is_federal:
            _add(out, "sharing.federal", aw.name, p.name)
        if n.is_private:
            _add(out, "sharing.private", aw.name, p.name)
        if n.state == "unknown" and not n.is_federal and not n.is_private:
            _add(out, "sharing.unknown_partner", aw.name, p.name)
        if inactive:
            _add(out, "sharing.deactivated_partner", aw.name, p.name)
        if aw.profile.has_agreements and not inactive and n.agency_id not in valid:
            _add(out, "agreements.missing", aw.name, p.name)


def check(got: Findings, want: Findings) -> None:
    """Raise RuntimeError when the found and intended findings differ."""
    problems = [f"fires without being injected: {k} ({len(got[k])} rows)"
                for k in sorted(set(got) - set(want))]
    problems += [f"injected but does not fire: {k}" for k in sorted(set(want) - set(got))]
    for k in sorted(set(got) & set(want)):
        exact = k[0].startswith(ROW_EXACT) and k[0] != "accounts.shared_account"
        if exact and got[k] != want[k]:
            problems.append(f"{k}: rows differ ({len(got[k] - want[k])} extra, "
                            f"{len(want[k] - got[k])} missing)")
        elif not want[k] <= got[k]:
            problems.append(f"{k}: injected rows missing from the evidence")
    if problems:
        raise RuntimeError("synthetic world self-check failed (a generator bug): "
                           + "; ".join(problems[:12]))


def expected_list(got: Findings, aws: list[AgencyWorld], facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The truth file's ``expected`` entries, sorted by rule, agency and subject."""
    out = []
    for (rule, agency, subject), rows in sorted(got.items()):
        e: dict[str, Any] = {"rule_id": rule, "agency": agency, "subject": subject}
        if rule.startswith(AGENCY_SUBJECT):
            e["subject_id"] = parse_agency_name(subject).agency_id
        if rule.startswith("retention."):
            r = facts[agency]["retention"][subject]
            e.update(file=r["file"], row_count=r["row_count"], row_ranges=r["row_ranges"])
        elif rule == "hit_ratio.period":
            m = next(m for m in facts[agency]["months"] if month_period(m["month"]) == subject)
            e.update(severity="info", detections=m["detections"], hits=m["hits"])
        elif rows:
            ordered = sorted(rows, key=lambda fr: (fr[0], _num(fr[1])))
            e["rows"] = [{"file": f, "locator": loc} for f, loc in ordered]
            e["row_count"] = len(ordered)
        out.append(e)
    return out


def near_misses(con: duckdb.DuckDBPyConnection, aws: list[AgencyWorld],
                facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Documented near-misses: what comes close to a rule and must not fire."""
    folder = {aw.name: aw.folder for aw in aws}
    what = {
        "volume.burst": "19 searches in 8.4 minutes (a burst needs 20 within 10)",
        "scope.many_networks": "999 and 998 networks searched (the threshold is 1000)",
        "purpose.*": "reasons with look-alike words (ice cream, test drive, nice, service, "
                     "personnel, rallye, Justice) whose label is specific",
    }
    out: list[dict[str, Any]] = []
    grouped: dict[tuple[str, str, str], list[tuple[str, int]]] = defaultdict(list)
    for agency, f, row, name, near in con.execute(
            "SELECT agency, file, \"row\", name, near FROM srch WHERE near <> '' ORDER BY file, \"row\""
    ).fetchall():
        subject = name if near.startswith(("volume.", "accounts.")) else ""
        grouped[(near, agency, subject)].append((f"{folder[agency]}/{f}", row))
    for (near, agency, subject), rows in sorted(grouped.items()):
        text = what.get(near, "")
        if near == "accounts.search_after_inactivity":
            gap = con.execute("SELECT max(gap) FROM (SELECT ts - lag(ts) OVER (ORDER BY ts) AS gap "
                              "FROM srch WHERE agency = ? AND name = ?)", [agency, subject]
                              ).fetchall()[0][0]
            text = f"longest pause between searches {gap.days} days (the rule needs 365)"
        elif near == "volume.user_spike":
            days = con.execute("SELECT count(DISTINCT CAST(ts AS DATE)) FROM srch WHERE agency = ? "
                               "AND name = ?", [agency, subject]).fetchall()[0][0]
            text = ("a day of 39 searches (a spike needs 40)" if days >= 10 else
                    f"a day of 45 searches, but only {days} active days (a baseline needs 10)")
        out.append({"near": near, "agency": agency, "subject": subject or None, "what": text,
                    "rows": [{"file": f, "locator": f"row {r}"} for f, r in rows[:40]],
                    "row_count": len(rows)})
    for aw in aws:
        out += _other_near_misses(con, aw, facts[aw.name])
    return out


def _other_near_misses(con: duckdb.DuckDBPyConnection, aw: AgencyWorld,
                       fx: dict[str, Any]) -> list[dict[str, Any]]:
    a = aw.name
    out: list[dict[str, Any]] = []
    for special in ("swing",):
        name = aw.account(special).name
        n, off = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE local_hour BETWEEN 1 AND 4) FROM sx "
            "WHERE agency = ? AND user_ref = ?", [a, name]).fetchall()[0]
        out.append({"near": "volume.off_shift", "agency": a, "subject": name,
                    "what": f"swing shift: {off} of {n} searches at 01:00-04:59 local "
                            f"({off / max(n, 1):.0%} > 5 %, a habit, not an anomaly)"})
    left = next(u for u in fx["users"] if u["special"] == "left_near")
    out.append({"near": "accounts.inactive", "agency": a, "subject": left["user_ref"],
                "what": "last login 364 days before as_of",
                "rows": [{"file": fx["users_file"], "locator": left["locator"]}]})
    withheld = con.execute("SELECT count(*) FROM sx WHERE agency = ? AND reason_red", [a]).fetchall()[0][0]
    out.append({"near": "access_record.incomplete", "agency": a, "subject": "purpose",
                "what": f"{withheld} partner searches whose reason is a redaction marker "
                        "(withheld, not missing); plates and names redacted likewise"})
    for p in aw.partners:
        if p.note:
            out.append({"near": "sharing.*", "agency": a, "subject": p.name, "what": p.note})
    for r in fx["agreements"]:
        if r["agreement"] == "respelled":
            out.append({"near": "agreements.missing", "agency": a, "subject": r["partner"],
                        "what": f"agreement on file under another spelling: {r['written']!r}"})
        elif r["expires_on"] == date(2025, 11, 30):
            out.append({"near": "agreements.missing", "agency": a, "subject": r["partner"],
                        "what": "agreement expires 2025-11-30, after as_of"})
    for e in fx["events"]:
        if e["near"] and e["event_type"] == "create":
            out.append({"near": e["near"], "agency": a, "subject": e["hotlist"],
                        "what": f"{e['entity_type']} create; expiry {e['expiry']!r}, reason "
                                f"{e['reason']!r}",
                        "rows": [{"file": fx["events_file"], "locator": e["locator"]}]})
    n_upd = sum(1 for e in fx["events"] if e["near"] and e["event_type"] != "create")
    out.append({"near": "hotlist.*", "agency": a, "subject": None,
                "what": f"{n_upd} update/delete events without expiry or case (not creations)"})
    if not fx["retention"] or not any(r["row_count"] for r in fx["retention"].values()):
        out.append({"near": "retention.detections", "agency": a, "subject": "detections",
                    "what": f"oldest read is 669 days before as_of; the portal states "
                            f"{aw.profile.retention_days} days"})
    return out
