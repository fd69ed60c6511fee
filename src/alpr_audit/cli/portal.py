"""``alpr-audit portal build``: the static transparency site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alpr_audit.cli.context import app, open_store, settings_
from alpr_audit.cli.render import err, out, print_json

portal_app = typer.Typer(help="The static transparency portal (a site of plain files).",
                         no_args_is_help=True)
app.add_typer(portal_app, name="portal")


@portal_app.command("build")
def portal_build(
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR",
                                          help="Folder to write the site to (replaced atomically "
                                          "when it holds an earlier portal).")],
    agency: Annotated[list[str] | None, typer.Option(
        "--agency", metavar="A", help="Only this agency (id, name or alias); repeatable.")] = None,
) -> None:
    """Build the site: an index comparing agencies and one page per agency, pseudonymised.

    Works from file:// and any static host; nothing is loaded from the network.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from alpr_audit.outputs.portal.build import build_portal

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("portal", total=None)

        def tick(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        with open_store(read_only=True) as store:
            result = build_portal(store, out_dir, agencies=agency or None, progress=tick)
    if settings_.json:
        print_json(result.to_json())
        return
    out.print(f"portal: {result.agencies} agency pages, {result.findings} findings, "
              f"{result.charts} charts, {result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s")
    out.print(f"open it: {result.index.resolve().as_uri()}")
