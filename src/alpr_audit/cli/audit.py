"""``alpr-audit audit``: run a rule pack over the store, print findings, write the report."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alpr_audit.cli.context import app, open_store, settings_
from alpr_audit.cli.render import err, print_json, print_rows
from alpr_audit.core.errors import UsageError
from alpr_audit.core.records import SEVERITIES

if TYPE_CHECKING:  # the engine loads Ibis: imported when a command runs, not at start-up
    from alpr_audit.audit.engine import AuditResult


def _as_of(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date", hint="write 2025-10-31 or "
                         "2025-10-31T23:59:59Z (UTC)") from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    elif len(text) == 10:  # a bare date means the end of that day
        value += dt.timedelta(days=1, microseconds=-1)
    return value


def _list_rules(pack: str) -> None:
    from alpr_audit.audit.engine import select_rules
    from alpr_audit.audit.packs import load_pack

    loaded = load_pack(pack)
    rows = [{"rule": r.id, "severity": loaded.severity.get(r.id, r.severity), "title": r.title,
             "citation": loaded.citations.get(r.id, r.citation)} for r in select_rules(loaded)]
    print_rows(rows, title=f"rules of pack {pack}", fmt="json" if settings_.json else "table")


@app.command()
def audit(
    pack: Annotated[str, typer.Option("--pack", metavar="PACK",
                                      help="Rule pack: california, illinois, virginia, generic.")]
        = "california",
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="DIR",
        help="Also write findings.csv, findings.xlsx and audit-report.pdf here.")] = None,
    settings_file: Annotated[Path | None, typer.Option(
        "--settings", metavar="FILE",
        help="TOML file overriding thresholds ([settings]), citations, severities.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE",
        help="Measure retention and inactivity against this date [default: latest in the data].")]
        = None,
    rules: Annotated[list[str] | None, typer.Option(
        "--rules", metavar="PATTERN", help="Only rules matching (repeatable), e.g. 'purpose.*'.")]
        = None,
    terms: Annotated[Path | None, typer.Option(
        "--terms", metavar="FILE", help="TOML term lists extending the purpose classifier.")]
        = None,
    raw: Annotated[bool, typer.Option(
        "--raw", help="Report with raw user ids and plates (operator opt-in; never publish).")]
        = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Write the report files into a non-empty --out that alpr-audit did "
        "not write, leaving its other files alone (an earlier report is replaced without it).")]
        = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the pack's rules.")]
        = False,
) -> None:
    """Check the store against the law and policy: findings with citations and evidence."""
    if list_rules:
        _list_rules(pack)
        return
    from alpr_audit.audit.engine import run_audit

    if out is not None:  # refuse a non-empty folder before the audit runs and commits
        from alpr_audit.outputs.audit_report.report import check_out_dir

        check_out_dir(out, overwrite)
    with open_store(memory_limit=settings_.ingest_memory_limit()) as store:
        with _RuleProgress(enabled=not settings_.json) as progress:
            result = run_audit(store, pack=pack, settings_file=settings_file,
                               as_of=_as_of(as_of), only=rules, terms_file=terms,
                               on_rule=progress.rule, engine=settings_.engine)
        report = None
        if out is not None:
            from alpr_audit.outputs.audit_report.report import write_audit_report

            report = write_audit_report(store, out, run_id=result.run_id, raw=raw,
                                        overwrite=overwrite)
    payload = result.to_json()
    if report is not None:
        payload["report"] = report.to_json()
    if settings_.json:
        print_json(payload)
        return
    _print_summary(result, report, out)


def _print_summary(result: AuditResult, report: Any, out: Path | None) -> None:
    by_sev = Counter(f.severity for f in result.findings)
    print_rows([{"severity": s, "findings": by_sev.get(s, 0)}
                for s in SEVERITIES],
               title=f"audit {result.run_id} · pack {result.pack.name} · as of "
               f"{result.as_of:%Y-%m-%d %H:%M} UTC · {result.seconds:.1f} s")
    shown = [f for f in result.findings if f.severity != "info"][:25]
    print_rows([{"severity": f.severity, "rule": f.rule_id, "agency": f.agency,
                 "subject": f.subject_name, "evidence": f.evidence_count} for f in shown],
               title=f"findings (first {len(shown)} of {len(result.findings)})")
    if result.not_applicable:
        err.print("not applicable: " + "; ".join(
            f"{k} ({v})" for k, v in result.not_applicable.items()), highlight=False)
    if report is not None:
        err.print(f"report: {out}", highlight=False)
    else:
        err.print("details: alpr-audit audit --out DIR (CSV, XLSX, PDF) or "
                  "alpr-audit sql \"SELECT * FROM findings\"", highlight=False)


class _RuleProgress:
    """A Rich progress bar over the rules (stderr), silent with --json."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _RuleProgress:
        if self.enabled:
            from rich.progress import Progress

            from alpr_audit.core.console import make_console

            self._progress = Progress(console=make_console(stderr=True), transient=True)
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def rule(self, rule_id: str, index: int, total: int) -> None:
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task("audit", total=total)
        self._progress.update(self._task, completed=index, description=f"rule {rule_id}")
