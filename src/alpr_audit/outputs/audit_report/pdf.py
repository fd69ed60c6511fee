"""audit-report.pdf: the data the Typst template prints, and the choice of what to detail.

The template (``publish/templates/audit_report.typ``) receives one JSON object and places
every value as a string, so no text from the records can become Typst markup. A PDF of ten
thousand findings would take minutes to typeset and nobody would read it: the PDF details
every high and medium finding up to :data:`MAX_DETAILED`, then the first findings of the
lower severities up to :data:`MAX_OTHER`, and says so; every finding is in findings.csv and
findings.xlsx.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from alpr_audit.core.records import SEVERITIES, Finding
from alpr_audit.outputs.audit_report import data as rd
from alpr_audit.outputs.audit_report.charts import Chart
from alpr_audit.outputs.pdf import render_typst

#: Findings the PDF details at most, and at most how many of them below medium severity.
MAX_DETAILED = 300
MAX_OTHER = 50
#: Agencies named on the title page (the rest are counted).
TITLE_AGENCIES = 40
_SERIOUS = ("high", "medium")


def template() -> str:
    """The Typst source of the report."""
    return (resources.files("alpr_audit.outputs").joinpath("templates", "audit_report.typ")
            .read_text(encoding="utf-8"))


def pick_detailed(findings: list[Finding], max_detailed: int = MAX_DETAILED,
                  max_other: int = MAX_OTHER) -> list[Finding]:
    """Findings the PDF details, in report order: high and medium ones, then the others.

    When a group has more findings than room, the rules take turns (each rule's findings in
    report order, i.e. most evidence first), so one prolific rule cannot hide the others.
    """
    serious = _take_turns([f for f in findings if f.severity in _SERIOUS], max_detailed)
    room = max(0, min(max_other, max_detailed - len(serious)))
    others = _take_turns([f for f in findings if f.severity not in _SERIOUS], room)
    chosen = {f.finding_id for f in serious + others}
    return [f for f in findings if f.finding_id in chosen]


def _take_turns(findings: list[Finding], n: int) -> list[Finding]:
    if len(findings) <= n:
        return findings
    queues: dict[str, list[Finding]] = {}
    for f in findings:
        queues.setdefault(f.rule_id, []).append(f)
    out: list[Finding] = []
    depth = 0
    while len(out) < n:
        for q in queues.values():
            if depth < len(q) and len(out) < n:
                out.append(q[depth])
        depth += 1
    return out


def _when(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S") if v.time() != dt.time() else v.strftime("%Y-%m-%d")
    return "—" if v is None else str(v)


def _record(row: dict[str, Any]) -> str:
    """One evidence row's own columns as ``name: value`` pairs."""
    skip = {"evidence_at", "note", "source_file", "locator"}
    parts = []
    for k, v in row.items():
        if k in skip or v is None or v == "" or v == row.get("evidence_at"):
            continue  # the row's own time is the When column already
        shown = _when(v) if isinstance(v, (dt.date, dt.datetime)) else v
        parts.append(f"{k.replace('_', ' ')}: {shown}")
    return " · ".join(parts) or "—"


def _detail_note(findings: list[Finding], detailed: list[Finding], top: int,
                 max_detailed: int, max_other: int) -> str:
    n, k = len(findings), len(detailed)
    if n == 0:
        return "The run produced no finding."
    serious = sum(1 for f in findings if f.severity in _SERIOUS)
    if k == n:
        head = f"Every one of the {n:,} findings is detailed below"
    else:
        shown_serious = sum(1 for f in detailed if f.severity in _SERIOUS)
        head = (f"This report details {k:,} of the {n:,} findings: "
                + (f"all {serious:,} high and medium findings" if shown_serious == serious
                   else f"{shown_serious:,} of the {serious:,} high and medium findings (at "
                   f"most {max_detailed:,}, the rules taking turns, largest findings first)")
                + f", and {k - shown_serious:,} of the {n - serious:,} findings of lower "
                f"severity (at most {max_other:,}). Every finding is in findings.csv and "
                "findings.xlsx")
    return (head + f", each with its first {top:,} evidence rows by time; findings.xlsx has "
            "the evidence of every finding (one sheet per rule), and the evidence table of "
            "the store has all of it. Times are UTC.")


def build_data(run: rd.RunInfo, pack_title: str, findings: list[Finding],
               detailed: list[Finding], evidence: dict[str, list[dict[str, Any]]],
               charts: list[Chart], cover: dict[str, Any], *, raw: bool, top: int,
               evidence_rows: int, files: list[str], quiet: list[tuple[str, str]],
               max_detailed: int = MAX_DETAILED, max_other: int = MAX_OTHER) -> dict[str, Any]:
    """The JSON object the template prints."""
    by_sev = Counter(f.severity for f in findings)
    ev_sev: Counter[str] = Counter()
    by_rule: dict[str, list[Any]] = {}
    for f in findings:
        ev_sev[f.severity] += f.evidence_count
        r = by_rule.setdefault(f.rule_id, [f.rule_id, f.title, f.severity, 0, 0])
        r[3] += 1
        r[4] += f.evidence_count
    agencies = cover["agencies"]
    names = ", ".join(agencies[:TITLE_AGENCIES]) or "none (the store holds no agency's records)"
    if len(agencies) > TITLE_AGENCIES:
        names += f", and {len(agencies) - TITLE_AGENCIES:,} more"
    period = (f"{_when(cover['first'])} to {_when(cover['last'])} (UTC)"
              if cover["first"] else "no dated record")
    privacy = ("RAW REPORT — the operator chose to print user ids, names, e-mails, plates and "
               "case numbers "
               "as recorded. Do not publish this report." if raw else
               "Privacy: user ids, names, e-mail addresses, plates and case numbers are "
               "replaced by consistent pseudonyms keyed to this store (user-…, person-…, "
               "email-…, plate-…, case-…), the same ones its records-request packets use, so "
               "repeats can still be counted. Search reasons and evidence notes are printed as "
               "recorded, with the row's own user id, plate and case number replaced.")
    sev_order = {s: i for i, s in enumerate(SEVERITIES)}
    return {
        "title": "ALPR audit report",
        "subtitle": f"{pack_title} — rule pack {run.pack}",
        "footer": f"alpr-audit · run {run.run_id}" + (" · RAW — do not publish" if raw else ""),
        "facts": [
            ("Rule pack", f"{run.pack}: {pack_title}"),
            ("Data as of", f"{_when(run.as_of)} UTC"),
            ("Period of the data", period),
            ("Audit run", (f"{run.run_id} (engine {run.engine or 'duckdb'}, finished "
                           f"{_when(run.finished_at)} UTC)")),
            ("Findings", f"{len(findings):,} ({evidence_rows:,} evidence rows)"),
            ("Report written", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ],
        "agencies": names,
        "privacy_note": privacy,
        "summary_text": (f"The run checked the store against {len(run.rules):,} rules of the "
                         f"{run.pack} pack and found {len(findings):,} findings. Each finding "
                         "is one rule, one agency and one subject (a partner, a user, a field …) "
                         "with the records that show it."),
        "severity_rows": [[s, f"{by_sev.get(s, 0):,}", f"{ev_sev.get(s, 0):,}"]
                          for s in SEVERITIES],
        "rule_rows": [[r[0], r[1], r[2], f"{r[3]:,}", f"{r[4]:,}"] for r in sorted(
            by_rule.values(), key=lambda r: (sev_order.get(r[2], 9), r[0]))],
        "quiet_rows": [list(q) for q in quiet],
        "settings_rows": [[k, _value(v.get("value") if isinstance(v, dict) else v),
                           v.get("from", "") if isinstance(v, dict) else ""]
                          for k, v in sorted(run.settings.items())],
        "charts": [c.to_data() for c in charts],
        "detail_note": _detail_note(findings, detailed, top, max_detailed, max_other),
        "findings": [_finding(f, evidence.get(f.finding_id, []), top) for f in detailed],
        "files": files,
    }


def _value(v: Any) -> str:
    return "true" if v is True else "false" if v is False else str(v)


def _finding(f: Finding, rows: list[dict[str, Any]], top: int) -> dict[str, Any]:
    n = f.evidence_count
    shown = len(rows)
    return {
        "severity": f.severity, "title": f.title or f.rule_id,
        "facts": [("Rule", f.rule_id), ("Agency", f.agency), ("Subject", f.subject),
                  ("Citation", f.citation),
                  ("Evidence", (f"{n:,} record(s), first {_when(f.first_at)}, last "
                                f"{_when(f.last_at)} (UTC)")),
                  ("Finding id", f.finding_id)],
        "message": f.message,
        "rows_title": (f"Evidence: all {n:,} record(s)" if shown >= n else
                       f"Evidence: the first {shown:,} of {n:,} records by time"),
        "rows": [[_when(r.get("evidence_at")), _record(r), r.get("note") or "—",
                  f"{r.get('source_file') or '?'} {r.get('locator') or ''}".strip()]
                 for r in rows[:top]],
    }


def write_pdf(data: dict[str, Any], out: Path) -> Path:
    """Typeset the report to ``out``."""
    return render_typst(template(), data, out)
