"""What every command module shares: the Typer app, the global options and the open store.

Command modules import from here (never from :mod:`.app`), so the command line has no import
cycle: :mod:`.app` registers the data commands and then imports the command-group modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alpr_audit import __version__
from alpr_audit.core.config import ENGINES, Settings
from alpr_audit.core.errors import UsageError

app = typer.Typer(
    name="alpr-audit",
    help="Audit automated license plate reader (ALPR) records: ingest vendor exports, "
    "query them, report on them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: The global options of the current invocation (reset by :func:`.app.main`).
settings_ = Settings()


def settings() -> Settings:
    """The global options of the current invocation."""
    return settings_


def _version(value: bool) -> None:
    if value:
        print(f"alpr-audit {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    store: Annotated[Path | None, typer.Option(
        "--store", metavar="DIR",
        help="Store folder [env ALPR_AUDIT_STORE; default ./alpr-audit-store].")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", help="Machine-readable JSON on stdout (and nothing else on stdout).")] = False,
    engine: Annotated[str, typer.Option(
        "--engine", metavar="ENGINE",
        help="Query engine for audit and report: duckdb or spark (local Spark unless "
        "--spark-master or SPARK_REMOTE).")] = "duckdb",
    spark_master: Annotated[str | None, typer.Option(
        "--spark-master", metavar="URL", envvar="SPARK_MASTER", show_envvar=False,
        help="Spark master URL (spark://host:7077, yarn, local[4]) [env SPARK_MASTER; "
        "SPARK_REMOTE=sc://host:15002 for Spark Connect].")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}", hint=f"use one of: {', '.join(ENGINES)}")
    if spark_master:  # read by audit/spark.py when the session starts
        import os

        os.environ["SPARK_MASTER"] = spark_master
    settings_.store, settings_.json, settings_.engine, settings_.debug = store, json_out, engine, debug


def open_store(read_only: bool = False, memory_limit: str | None = None):
    """The store named by --store / $ALPR_AUDIT_STORE / the default."""
    from alpr_audit.store import Store

    return Store.open(settings_.store_path(), read_only=read_only, memory_limit=memory_limit)
