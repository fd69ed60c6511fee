"""The ``alpr-audit`` command line: parse arguments, call the library, render the result.

Each command makes one library call; ``--json`` prints exactly what the library returned.
Errors are printed as message / file / place / hint; tracebacks only with ``--debug``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from alpr_audit.cli.context import app, open_store, settings_
from alpr_audit.cli.render import err, print_error, print_json, print_rows
from alpr_audit.core.errors import AlprAuditError, UsageError

# --- ingest -------------------------------------------------------------------------------


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Files or folders to ingest.")],
    agency: Annotated[str | None, typer.Option(
        "--agency", metavar="NAME",
        help="Agency whose records these are (publisher), when the files do not say.")] = None,
    log_kind: Annotated[str | None, typer.Option(
        "--log-kind", metavar="KIND",
        help="Override the detected log kind: org_audit, network_audit or portal_audit.")] = None,
    format_ids: Annotated[list[str] | None, typer.Option(
        "--format", metavar="FORMAT",
        help="Only try this format id (repeatable); default: detect among all.")] = None,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", metavar="FILE",
        help="Read the files with a TOML column mapping (docs/mapped-import.md) for "
        "vendors without a built-in importer.")] = None,
) -> None:
    """Ingest files or folders; formats are detected by content.

    Prints one row per file: format, log kind, rows read / loaded / rejected / duplicate.
    Exit code 0 when every file was ingested or already present, 1 when any failed.
    """
    from alpr_audit.core.progress import IngestProgress
    from alpr_audit.ingest.pipeline import ingest_paths
    from alpr_audit.ingest.registry import by_format_id

    importers = by_format_id(format_ids) if format_ids else None
    if mapping is not None:
        from alpr_audit.ingest.formats.generic.mapped import MappedImporter
        from alpr_audit.ingest.formats.generic.mapping import load_mapping

        importers = [MappedImporter(load_mapping(mapping))]
    with open_store(memory_limit=settings_.ingest_memory_limit()) as store:
        with IngestProgress(enabled=not settings_.json) as progress:
            results = ingest_paths(store, paths, agency=agency, log_kind=log_kind,
                                   progress=progress, debug=settings_.debug,
                                   importers=importers)
    if settings_.json:
        print_json([r.to_json() for r in results])
    else:
        print_rows([_ingest_row(r) for r in results], title="ingest")
        for r in results:
            if r.status == "failed":
                err.print(f"[red]failed:[/red] {r.path}: {r.message}", highlight=False)
                if r.hint:
                    err.print(f"  hint: {r.hint}", highlight=False)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


def _ingest_row(r: Any) -> dict[str, Any]:
    return {"file": Path(r.path).name, "format": r.format, "kind": r.log_kind,
            "read": r.rows_read, "loaded": r.rows_loaded, "rejected": r.rows_rejected,
            "duplicate": r.rows_duplicate, "status": r.status, "source": r.source_id}


# --- ledger and rejects -------------------------------------------------------------------


@app.command()
def sources() -> None:
    """List ingested files (the ledger) with row accounting."""
    with open_store(read_only=True) as store:
        rows = store.query(
            "SELECT source_id, path, sha256, format, publisher_agency_id, log_kind, rows_read, "
            "rows_loaded, rows_rejected, rows_duplicate, status, ingested_at, run_id "
            "FROM sources ORDER BY ingested_at, path")
    if settings_.json:
        print_json(rows)
    else:
        print_rows([{k: r[k] for k in ("source_id", "path", "format", "log_kind", "rows_read",
                                       "rows_loaded", "rows_rejected", "rows_duplicate",
                                       "ingested_at")} for r in rows], title="sources")


@app.command()
def rejects(
    source: Annotated[str | None, typer.Argument(
        metavar="[SOURCE]",
        help="Source id (or its first characters); all sources when omitted.")] = None,
    limit: Annotated[int, typer.Option("--limit", metavar="N",
                                       help="At most this many rows (0 = all).")] = 200,
    code: Annotated[str | None, typer.Option(
        "--code", metavar="CODE",
        help="Only rejects with this code (docs/rejects.md), or a family: 'cell.*'.")] = None,
) -> None:
    """Show rejected rows: source, place, code and reason, raw text."""
    from alpr_audit.core.records import Reject

    with open_store(read_only=True) as store:
        sql = "SELECT source_id, locator, code, reason, raw FROM rejects WHERE true"
        params: list[Any] = []
        if source:
            sql += " AND starts_with(source_id, ?)"
            params.append(source)
        if code:
            sql += " AND code LIKE ?"
            params.append(code.replace("*", "%"))
        sql += " ORDER BY source_id, rowid"
        if limit:
            sql += f" LIMIT {int(limit)}"
        found = [Reject.from_row(r) for r in store.query(sql, params)]
    if settings_.json:
        print_json([r.to_json() for r in found])
    else:
        print_rows([r.to_json() for r in found], title="rejects")


# --- queries --------------------------------------------------------------------------------


@app.command()
def sql(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="One read-only SQL statement.")],
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT",
                                     help="table, csv or json.")] = "table",
) -> None:
    """Run read-only SQL over the normalised tables.

    Tables: sources, rejects, agencies, searches. Only SELECT (and EXPLAIN, DESCRIBE)
    statements run; anything that would write is refused.
    """
    from alpr_audit.store.sql import run_readonly_sql

    if fmt not in ("table", "csv", "json"):
        raise UsageError(f"unknown format {fmt!r}", hint="use table, csv or json")
    with open_store(read_only=True) as store:
        rows = run_readonly_sql(store, query)
    print_rows(rows, fmt="json" if settings_.json else fmt)


@app.command()
def report(
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="Report name (see --list).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the reports.")] = False,
    agency: Annotated[str | None, typer.Option(
        "--agency", metavar="A", help="Only this agency (id, name or alias).")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="DATE", help="From this date (YYYY-MM-DD, UTC).")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="DATE", help="Up to and including this date.")] = None,
    log_kind: Annotated[str | None, typer.Option(
        "--log-kind", metavar="KIND",
        help="Only one kind of log (org_audit, network_audit, portal_audit …); the same "
        "search can appear in several.")] = None,
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT",
                                     help="table, csv or json.")] = "table",
) -> None:
    """Run a named report (report --list shows them)."""
    from alpr_audit.reports import get_report, list_reports, run_report

    rows: list[dict[str, Any]]
    if list_ or name is None:
        rows = list_reports()
        print_rows(rows, title="reports", fmt="json" if settings_.json else "table")
        return
    title = get_report(name).title
    with open_store(read_only=True) as store:
        rows = run_report(store, name, agency=agency, since=since, until=until, log_kind=log_kind,
                          engine=settings_.engine)
    print_rows(rows, title=title, fmt="json" if settings_.json else fmt)


@app.command()
def agencies(
    unresolved: Annotated[bool, typer.Option(
        "--unresolved", help="Only agencies whose state or level is unknown.")] = False,
    explain: Annotated[str | None, typer.Option(
        "--explain", metavar="NAME",
        help="Show how a written name is read, with the evidence; needs no store.")] = None,
) -> None:
    """The agency registry: canonical names, state, level, flags."""
    from alpr_audit.agencies.service import explain as explain_name
    from alpr_audit.agencies.service import list_agencies

    if explain is not None:
        result = explain_name(explain)
        if settings_.json:
            print_json(result)
        else:
            print_rows([{k: v for k, v in result.items() if k != "evidence"}], title="agency")
            for line in result["evidence"]:
                err.print(f"  evidence: {line}", highlight=False)
        return
    with open_store(read_only=True) as store:
        rows = list_agencies(store, unresolved=unresolved)
    if settings_.json:
        print_json(rows)
    else:
        print_rows(rows, title="unresolved agencies" if unresolved else "agencies")


# --- synthetic data and the demo ------------------------------------------------------------


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder to write.")],
    scale: Annotated[int, typer.Option(
        "--scale", metavar="N",
        help="About N network-audit records (10^3 … 10^8); with --world a volume factor "
        "(1 ≈ 19k searches and 200k reads per agency).")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", metavar="S", help="Same seed, same bytes.")] = 0,
    agency: Annotated[str, typer.Option(
        "--agency", metavar="NAME", help="The synthetic agency's name.")] = "Mapleton CA PD",
    world: Annotated[bool, typer.Option(
        "--world", help="Write a world of agencies (searches, users, sharing, hot lists, "
        "detections, hits, agreements, portal pages) with injected misuse.")] = False,
    truth: Annotated[bool, typer.Option(
        "--truth", help="Print the world's ground truth (implies --world; it is always "
        "written to DIR/.truth.json).")] = False,
    agencies: Annotated[int, typer.Option(
        "--agencies", metavar="K", help="Agencies in the world (1–8).")] = 2,
) -> None:
    """Write synthetic ALPR data: one agency's Flock logs, or a world with ground truth.

    Without --world: monthly network-audit CSVs overlapping by a day, an organisation-audit
    workbook and two overlapping portal downloads, with every quirk of docs/formats.md; a hidden
    .manifest.json says what a correct ingest must count. With --world: folders per agency
    (ingest each with --agency NAME) and .truth.json saying what each audit rule must find.
    """
    if world or truth:
        _synth_world(out, scale=1 if scale == 10_000 else scale, seed=seed, agencies=agencies,
                     show_truth=truth)
        return
    from alpr_audit.cli.demo import synthesize

    manifest = synthesize(out, scale=scale, seed=seed, agency=agency)
    if settings_.json:
        print_json(manifest)
    else:
        print_rows([{"file": f["path"], "format": f["format"], "rows": f["rows"]}
                    for f in manifest["files"]], title=f"synthetic data in {out}")


def _synth_world(out: Path, *, scale: int, seed: int, agencies: int, show_truth: bool) -> None:
    from collections import Counter

    from alpr_audit.synth.world import MAX_AGENCIES, write_world

    if not 1 <= agencies <= MAX_AGENCIES:
        raise UsageError(f"--agencies {agencies} is out of range", hint=f"use 1 to {MAX_AGENCIES}")
    if not 1 <= scale <= 1000:
        raise UsageError(f"--scale {scale} is out of range for --world", hint="use 1 to 1000")
    result = write_world(out, seed=seed, scale=scale, agencies=agencies)
    if settings_.json:
        print_json(result if show_truth else {"dir": str(out), "agencies": result["agencies"]})
        return
    print_rows([{"agency": a["name"], "folder": str(out / a["folder"])} for a in result["agencies"]],
               title=f"synthetic world in {out} (ingest each folder with --agency NAME)")
    if show_truth:
        per_rule = Counter(e["rule_id"] for e in result["expected"])
        print_rows([{"rule": r, "expected findings": n} for r, n in sorted(per_rule.items())],
                   title=f"ground truth: {out / '.truth.json'}")


@app.command()
def demo(
    scale: Annotated[int, typer.Option("--scale", metavar="N",
                                       help="Volume factor of the synthetic world (1 ≈ 19k "
                                       "searches and 200k reads per agency).")] = 1,
    seed: Annotated[int, typer.Option("--seed", metavar="S", help="Seed of the synthetic world.")] = 0,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="DIR", help="Where to write the audit report [default: a temp folder].")]
        = None,
) -> None:
    """Synthesize two agencies, ingest them, print reports, audit them, write the audit report.

    Uses a new store in a temporary folder unless --store (or ALPR_AUDIT_STORE) is given.
    """
    from alpr_audit.cli.demo import run_demo

    store = settings_.store_path() if settings_.store_given() else None
    result = run_demo(store, scale=scale, seed=seed, memory_limit=settings_.ingest_memory_limit(),
                      show=None if settings_.json else _show_demo, out_dir=out)
    if settings_.json:
        print_json(result)


def _show_demo(stage: str, payload: Any) -> None:
    from collections import Counter

    from alpr_audit.cli.render import out
    from alpr_audit.core.records import SEVERITIES

    if stage == "synth":
        out.print(f"[bold]1. synthesized[/bold] {', '.join(payload['agencies'])}: "
                  f"{len(payload['files'])} files in {payload['dir']}")
    elif stage == "ingest":
        out.print("[bold]2. ingested[/bold]")
        print_rows([_ingest_row(r) for r in payload])
    elif stage == "report":
        name, rows = payload
        print_rows(rows, title=name)
    elif stage == "audit":
        by = Counter(f.severity for f in payload.findings)
        out.print(f"[bold]3. audited[/bold] {len(payload.findings)} findings "
                  f"({', '.join(f'{by[s]} {s}' for s in SEVERITIES if by[s])}) "
                  f"in {payload.seconds:.1f} s")
        print_rows([{"severity": f.severity, "rule": f.rule_id, "agency": f.agency,
                     "subject": f.subject_name, "evidence": f.evidence_count}
                    for f in payload.findings if f.severity == "high"][:15],
                   title="high findings (first 15; every finding is in the report)")
    elif stage == "report_files":
        out.print(f"[bold]4. audit report[/bold] (pseudonymised) in {payload.dir}:")
        for p in (payload.pdf_path, payload.xlsx_path, payload.csv_path):
            out.print(f"   {p}")
    elif stage == "portal":
        out.print(f"[bold]5. transparency portal[/bold] ({payload.agencies} agencies): "
                  f"open {payload.index.resolve().as_uri()}")
    elif stage == "store":
        out.print(f"\n[bold]explore it:[/bold] alpr-audit --store {payload} audit --list-rules")
        out.print(f"            alpr-audit --store {payload} sql \"SELECT rule_id, subject, "
                  "evidence_count FROM findings ORDER BY severity\"")


# --- entry point ----------------------------------------------------------------------------


# Command groups in their own modules; imported here, after app and its helpers exist.
from alpr_audit.cli import audit as _audit  # noqa: E402,F401
from alpr_audit.cli import doctor as _doctor  # noqa: E402,F401
from alpr_audit.cli import export as _export  # noqa: E402,F401
from alpr_audit.cli import portal as _portal  # noqa: E402,F401
from alpr_audit.cli import requests as _requests  # noqa: E402,F401
from alpr_audit.cli import serve as _serve  # noqa: E402,F401
from alpr_audit.cli import store as _store  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app and turn errors into the contract's messages."""
    settings_.__init__()  # type: ignore[misc]  # fresh settings per invocation (tests)
    try:
        code = app(args=argv, standalone_mode=False, prog_name="alpr-audit")
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument …
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(exc.format_message() + "\n")
            sys.exit(0)
        print_error(UsageError(exc.format_message(), hint="see alpr-audit --help"),
                    settings_.json or "--json" in (argv if argv is not None else sys.argv))
        sys.exit(2)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except AlprAuditError as exc:
        if settings_.debug:
            raise
        print_error(exc, settings_.json)
        sys.exit(2)
    except Exception as exc:
        if settings_.debug:
            raise
        print_error(AlprAuditError(f"internal error: {exc!r}", kind="internal",
                                   hint="re-run with --debug and report the traceback"),
                    settings_.json)
        sys.exit(3)
    # Without standalone mode a command's typer.Exit(n) comes back as the return value.
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
