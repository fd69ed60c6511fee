"""Whole responses remembered per committed state of the store.

In public mode an answer depends only on the URL and the store: no user, no session. So a
GET answered once with 200 is kept, as bytes, for as long as the copy of the catalog it was
computed from is served (``snapshot``), and sent again without routing, templates or the
database. Operator routes, requests carrying credentials and responses that set a cookie are
never kept.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from alpr_audit.web.security import ASGIApp, Message, Receive, Scope, Send
from alpr_audit.web.snapshot import MISSING

#: largest response kept (bytes)
MAX_BODY = 2 * 1024 * 1024


class ResponseCache:
    """ASGI middleware keeping 200 answers to public GETs per store state."""

    def __init__(self, app: ASGIApp, snapshots: Any) -> None:
        self.app = app
        self.snapshots = snapshots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        html = any(k == b"accept" and b"text/html" in v for k, v in scope.get("headers", []))
        key = ("response", scope["path"], scope.get("query_string", b""), html)
        hit = self.snapshots.peek(key)
        if hit is not MISSING:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        gen = self.snapshots.generation()
        if gen is None:  # the first request: take the first copy now, to know its state
            try:
                await run_in_threadpool(self.snapshots.refresh, True)
            except Exception:  # noqa: BLE001 - the route reports it in the error shape
                pass
            gen = self.snapshots.generation()
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        keep = gen is not None

        async def capture(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = message
                keep = keep and message["status"] == 200 and not any(
                    k.lower() == b"set-cookie" for k, _ in message.get("headers", []))
            elif message["type"] == "http.response.body" and keep:
                size += len(message.get("body", b""))
                if size > MAX_BODY:
                    keep = False
                else:
                    chunks.append(message.get("body", b""))
                if not message.get("more_body") and keep and start is not None:
                    self.snapshots.remember(gen, key, (start["status"],
                                                       list(start.get("headers", [])),
                                                       b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    def _cacheable(scope: Scope) -> bool:
        if scope["path"].startswith("/api/operator"):
            return False
        return not any(k == b"authorization" for k, _ in scope.get("headers", []))
