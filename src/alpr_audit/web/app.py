"""The FastAPI application of ``alpr-audit serve``: HTML pages, the JSON API, security.

``create_app(config)`` is the only entry point. Every error — ours, FastAPI's validation
errors, unknown routes — leaves in the CLI contract's shape ``{"error": {"kind", "message",
"path", "locator", "hint"}}`` with a fitting HTTP status; never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from alpr_audit import __version__
from alpr_audit.core.errors import AlprAuditError, StoreError
from alpr_audit.web import api, api_operator, pages
from alpr_audit.web.config import WebConfig
from alpr_audit.web.response_cache import ResponseCache
from alpr_audit.web.security import SecurityMiddleware
from alpr_audit.web.snapshot import Snapshots

log = logging.getLogger("alpr_audit.web")

#: HTTP status for each error kind (anything else of ours is a 400: the caller asked wrong)
STATUS = {"not_found": 404, "forbidden": 403, "unauthorized": 401, "store": 503,
          "internal": 500}
_HTTP_KINDS = {400: "request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 429: "rate_limit"}


def create_app(config: WebConfig) -> FastAPI:
    """The web app over the store at ``config.store_path``; operator routes when a token is set."""
    snapshots = Snapshots(config.store_path, refresh_seconds=config.refresh_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        snapshots.close()

    app = FastAPI(
        title="alpr-audit",
        version=__version__,
        description="Audit findings, reports, records requests and sources of an alpr-audit "
        "store. Public mode is read-only and pseudonymised; operator routes need a token.",
        docs_url=None, redoc_url=None,  # Swagger UI and ReDoc load from a CDN: not here
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.web = config
    app.state.snapshots = snapshots
    app.include_router(api.router)
    if config.operator:
        app.include_router(api_operator.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    _install_error_handlers(app, pages)
    app.add_middleware(ResponseCache, snapshots=snapshots)  # inside: refusals never cached
    app.add_middleware(SecurityMiddleware, config=config)
    return app


def error_response(request: Request, status: int, kind: str, message: str, *,
                   hint: str | None = None, locator: str | None = None,
                   pages: Any = None, headers: dict[str, str] | None = None) -> Response:
    """The error as JSON, or as the pages' HTML error page for a browser outside ``/api``."""
    body = {"error": {"kind": kind, "message": message, "path": request.url.path,
                      "locator": locator, "hint": hint}}
    render = getattr(pages, "error_page", None)
    if (render is not None and not request.url.path.startswith("/api")
            and "text/html" in request.headers.get("accept", "")):
        return render(request, status, body["error"])
    return JSONResponse(body, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI, pages: Any) -> None:
    @app.exception_handler(AlprAuditError)
    async def _ours(request: Request, exc: AlprAuditError) -> Response:
        status = STATUS.get(exc.kind, 400)
        if isinstance(exc, StoreError):
            status = 503
            log.warning("store error: %s", exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        # a store path in an error would tell a public visitor about the server's disks
        message = "the store cannot be opened right now" if status == 503 else exc.message
        return error_response(request, status, exc.kind, message, hint=exc.hint,
                              locator=exc.locator, pages=pages, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        msg = first.get("msg", "invalid request")
        return error_response(request, 400, "validation", f"{where}: {msg}" if where else msg,
                              locator=where or None, pages=pages,
                              hint="see /openapi.json for the parameters of this route")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        kind = _HTTP_KINDS.get(exc.status_code, "http")
        hint = "the API's routes are listed in /openapi.json" if exc.status_code == 404 else None
        return error_response(request, exc.status_code, kind, str(exc.detail), hint=hint,
                              pages=pages, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return error_response(request, 500, "internal", "internal error", pages=pages,
                              hint="the server log has the details")
