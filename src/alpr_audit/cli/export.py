"""``alpr-audit export sqlite|parquet``: the store in formats other tools open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alpr_audit.cli.context import app, open_store, settings_
from alpr_audit.cli.render import print_json, print_rows

export_app = typer.Typer(help="Export for other tools: SQLite for Datasette, Parquet for "
                         "Spark/DuckDB/pandas. Pseudonymised by default.", no_args_is_help=True)
app.add_typer(export_app, name="export")


def _show(result: dict, title: str) -> None:
    if settings_.json:
        print_json(result)
        return
    print_rows([{"table": t, "rows": n} for t, n in result["tables"].items()], title=title)


@export_app.command("sqlite")
def export_sqlite_cmd(
    out: Annotated[Path, typer.Option("--out", metavar="FILE",
                                      help="SQLite file to write (.db); FILE's .metadata.json "
                                      "is written beside it.")],
) -> None:
    """Aggregates and findings as a Datasette-ready SQLite file (no row-level personal data).

    Open it with: datasette FILE -m STEM.metadata.json
    """
    from alpr_audit.outputs.export import export_sqlite

    with open_store(read_only=True) as store:
        result = export_sqlite(store, out)
    _show(result.to_json(), f"SQLite export: {result.path} (metadata: {result.metadata_path})")


@export_app.command("parquet")
def export_parquet_cmd(
    out: Annotated[Path, typer.Option("--out", metavar="DIR",
                                      help="Folder to write: one TABLE.parquet per table and "
                                      "manifest.json (replaces an earlier export there).")],
    release: Annotated[list[str] | None, typer.Option(
        "--release", metavar="FIELD",
        help="Publish a personal field as written instead of its pseudonym (repeatable): "
        "names, plates, user_ids, emails, case_numbers.")] = None,
) -> None:
    """The normalised tables as Parquet, personal columns pseudonymised unless released."""
    from alpr_audit.outputs.export import export_parquet

    with open_store(read_only=True) as store:
        result = export_parquet(store, out, release=set(release or []))
    _show(result.to_json(), f"Parquet export: {result.dir}")
