"""``alpr-audit store …``: maintenance of the store folder itself."""

from __future__ import annotations

from typing import Annotated

import typer

from alpr_audit.cli.context import app, open_store, settings_
from alpr_audit.cli.render import print_json, print_rows

store_app = typer.Typer(help="Maintain the store: compact the partitioned tables' files.",
                        no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("compact")
def store_compact(
    tables: Annotated[list[str] | None, typer.Argument(
        metavar="TABLE", show_default=False,
        help="detections, hits, searches (default: all three).")] = None,
) -> None:
    """Merge small files: one Parquet file per agency and month, swapped in atomically."""
    from alpr_audit.store.compact import compact

    with open_store(memory_limit=settings_.ingest_memory_limit()) as store:
        result = compact(store, tables or None)
    if settings_.json:
        print_json(result.to_json())
        return
    print_rows(result.to_json(), title="store compact")
