"""The command line: a thin Typer app, one module per command group (docs/cli.md).

Each command reads its arguments, makes one library call and renders the result
(:mod:`.render`); nothing here is imported by the library layers below.
"""

from alpr_audit.cli.app import app, main

__all__ = ["app", "main"]
