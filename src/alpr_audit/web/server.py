"""Running the web app with uvicorn (``alpr-audit serve``)."""

from __future__ import annotations

from collections.abc import Callable

from alpr_audit.core.errors import UsageError
from alpr_audit.store import Store
from alpr_audit.web.config import WebConfig


def check_store(config: WebConfig) -> None:
    """Fail before binding a port when the store is missing or of another schema version."""
    with Store.open(config.store_path, read_only=True):
        pass


def serve(config: WebConfig, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C ends it cleanly); ``on_ready`` gets the URL."""
    import uvicorn

    from alpr_audit.web.app import create_app

    if not 0 < config.port < 65536:
        raise UsageError(f"--port {config.port} is out of range", hint="use 1 to 65535")
    check_store(config)
    server = uvicorn.Server(uvicorn.Config(
        create_app(config), host=config.host, port=config.port, log_level="warning",
        access_log=False,  # a URL may hold a filter value; nothing personal goes to logs
        server_header=False, date_header=False, timeout_graceful_shutdown=5))
    if on_ready is not None:
        original = server.startup

        async def startup(sockets=None):  # noqa: ANN001, ANN202
            await original(sockets=sockets)
            if server.started:
                on_ready(config.url())

        server.startup = startup  # type: ignore[method-assign]
    try:
        server.run()  # returns None: whether it listened shows in server.started
    except KeyboardInterrupt:  # pragma: no cover - uvicorn handles SIGINT itself
        return
    if not server.started:
        raise UsageError(f"could not listen on {config.host}:{config.port}",
                         hint="is another server using the port? pick one with --port")
