"""``alpr-audit serve``: the web app and JSON API over the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alpr_audit.cli.context import app, settings_
from alpr_audit.cli.render import err, print_json


@app.command()
def serve(
    host: Annotated[str, typer.Option(
        "--host", metavar="ADDR",
        help="Address to listen on; loopback by default (only this machine can connect).")]
        = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="N", help="TCP port.")] = 8000,
    token_file: Annotated[Path | None, typer.Option(
        "--token-file", metavar="FILE",
        help="File holding the operator token (mode 600); without it and without env "
        "ALPR_AUDIT_TOKEN the operator endpoints are off.")] = None,
    rate_limit: Annotated[float, typer.Option(
        "--rate-limit", metavar="N",
        help="Requests per second allowed per client address (0 = no limit).")] = 5000.0,
) -> None:
    """Serve the pages and the JSON API (/api, described at /openapi.json) until Ctrl-C.

    Public mode (default): read-only, pseudonymised. Operator endpoints (/api/operator: raw
    evidence, plate lookup, ingest of an upload) need a token and are off unless one is set.
    """
    from alpr_audit.web.config import LOOPBACK_HOSTS, WebConfig, load_token
    from alpr_audit.web.server import serve as run

    config = WebConfig(store_path=settings_.store_path(), host=host, port=port,
                       token=load_token(token_file), rate_per_second=rate_limit,
                       rate_burst=max(int(rate_limit * 2), 1))
    if host not in LOOPBACK_HOSTS:
        err.print(f"[yellow]warning:[/yellow] listening on {host}: other machines can connect; "
                  "put it behind a TLS proxy that checks the Host header", highlight=False)

    def ready(url: str) -> None:
        mode = "operator endpoints on" if config.operator else "public mode"
        if settings_.json:
            print_json({"url": url, "operator": config.operator})
        else:
            err.print(f"serving {config.store_path} at {url} ({mode}); Ctrl-C stops",
                      highlight=False)
            print(url, flush=True)

    run(config, on_ready=ready)
