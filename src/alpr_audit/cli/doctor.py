"""``alpr-audit doctor``: check a store's integrity, or scan an output folder for leaks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alpr_audit.cli.context import app, open_store, settings_
from alpr_audit.cli.render import err, out, print_json, print_rows


@app.command()
def doctor(
    leaks: Annotated[Path | None, typer.Option(
        "--leaks", metavar="DIR",
        help="Instead: scan every file under DIR (CSV, JSON, XLSX, PDF, HTML, SQLite, Parquet, "
        "zip) for plates, names, e-mails and user ids of the store's sources.")] = None,
) -> None:
    """Check the store: catalog, registered files and their row counts, no orphan or staging
    files, ledger accounting, references between runs, findings and sources, key permissions.

    Exit code 1 when anything is wrong (or, with --leaks, when any leak is found).
    """
    if leaks is not None:
        from alpr_audit.doctor.leaks import check_folder

        with open_store(read_only=True) as store:
            result = check_folder(store, leaks)
        _show_leaks(result)
    else:
        from alpr_audit.doctor.integrity import check

        result = check(settings_.store_path()).to_json()
        _show_integrity(result)
    if not result["ok"]:
        raise typer.Exit(1)


def _show_integrity(result: dict[str, Any]) -> None:
    if settings_.json:
        print_json(result)
        return
    print_rows([{"check": k, "result": v} for k, v in result["checks"].items()],
               title=f"doctor: {result['store']}")
    if result["problems"]:
        print_rows(result["problems"], title="problems")
        err.print(f"[bold red]{len(result['problems'])} problem(s)[/bold red]")
    else:
        out.print(f"[green]ok[/green]: {result['sources']} sources, {result['files']} files, "
                  f"schema version {result['schema_version']}")


def _show_leaks(result: dict[str, Any]) -> None:
    if settings_.json:
        print_json(result)
        return
    checked = ", ".join(f"{n:,} {k}s" for k, n in result["values_checked"].items())
    if result["leaks"]:
        print_rows(result["leaks"], title=f"leaks in {result['folder']}")
        err.print(f"[bold red]{len(result['leaks'])} leak(s)[/bold red] "
                  f"({', '.join(f'{n} {k}' for k, n in result['by_kind'].items() if n)})")
    else:
        out.print(f"[green]no leaks[/green] in {result['folder']} (looked for {checked})")
    if result["unscanned"]:
        err.print(f"not scanned (no text reader): {', '.join(result['unscanned'][:10])}")
