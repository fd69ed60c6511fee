"""Web security in one ASGI middleware: headers, Host check, rate limit, read-only public
mode, body size limit, path traversal and CSRF — plus the operator token check.

Written as plain ASGI (not ``BaseHTTPMiddleware``) so it costs microseconds per request and
can count an upload's bytes as they arrive. Refusals use the API's error shape.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, unquote

from fastapi import Request

from alpr_audit.web.config import WebConfig

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPERATOR_PREFIX = "/api/operator/"
CSRF_COOKIE = "aa_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

#: Sent with every response. No inline script or style anywhere; nothing from other origins.
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
     b"form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-embedder-policy", b"require-corp"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cache-control", b"no-store"),
]

# "..", encoded or double-encoded, as a path segment; backslashes and NUL never belong in a URL
_TRAVERSAL = re.compile(r"(^|/)\.\.(/|$)")


def error_body(kind: str, message: str, *, hint: str | None = None, path: str | None = None,
               locator: str | None = None) -> bytes:
    """The CLI contract's error object as JSON bytes."""
    return json.dumps({"error": {"kind": kind, "message": message, "path": path,
                                 "locator": locator, "hint": hint}}).encode()


class RateLimiter:
    """A token bucket per client address: ``rate`` per second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, max(burst, 1)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take one token for ``client``; False when its bucket is empty."""
        if self.rate <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                return False
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:  # forget idle clients, bounded memory
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return True


def is_traversal(raw_path: str) -> bool:
    """True when a URL path tries to climb out of its folder, however it is encoded."""
    text = raw_path
    for _ in range(3):  # plain, encoded, double-encoded
        if "\\" in text or "\x00" in text or _TRAVERSAL.search(text):
            return True
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return True  # still encoded after three rounds: nobody needs that


class SecurityMiddleware:
    """Refuses what must not reach a route and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, config: WebConfig) -> None:
        self.app = app
        self.config = config
        self.hosts = config.host_names()
        self.limiter = RateLimiter(config.rate_per_second, config.rate_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)

        refusal = self._check(scope)
        if refusal is not None:
            await _respond(send_with_headers, *refusal, path=scope["path"])
            return
        if scope["method"] not in SAFE_METHODS:
            guarded = await self._guard_body(scope, receive, send_with_headers)
            if guarded is None:
                return
            receive = guarded
        await self.app(scope, receive, send_with_headers)

    def _check(self, scope: Scope) -> tuple[int, str, str, str | None] | None:
        headers = _headers(scope)
        if self.hosts is not None:
            host = headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            name = name.strip("[]").lower()
            if name not in self.hosts:
                return (400, "host", "this server answers only to its loopback names",
                        "open the address alpr-audit serve printed (e.g. http://127.0.0.1:8000/)")
        raw = scope.get("raw_path") or scope["path"].encode()
        if is_traversal(raw.decode("latin-1")):
            return 400, "path", "paths may not leave their folder", None
        client = (scope.get("client") or ("unknown", 0))[0]
        if not self.limiter.allow(client):
            return (429, "rate_limit", "too many requests from this address",
                    "slow down and retry in a second")
        method = scope["method"]
        if method not in SAFE_METHODS:
            if not (self.config.operator and scope["path"].startswith(OPERATOR_PREFIX)):
                return (405, "read_only", "this server is read-only: public mode serves "
                        "GET requests only", "changes go through the alpr-audit command line "
                        "or the operator endpoints (a token is needed)")
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return 400, "request", "Content-Length is not a number", None
            if int(length) > self.config.max_body_bytes:
                return (413, "too_large", f"request body over {self.config.max_body_bytes} "
                        "bytes", "send a smaller file")
        return None

    async def _guard_body(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """Read the body within the size limit, check CSRF for cookie-borne requests, and
        hand the route a receive that replays it. None when a refusal was sent."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if len(body) > self.config.max_body_bytes:
                await _respond(send, 413, "too_large",
                               f"request body over {self.config.max_body_bytes} bytes",
                               "send a smaller file", path=scope["path"])
                return None
            if not message.get("more_body"):
                break
        headers = _headers(scope)
        if not headers.get("authorization", "").lower().startswith("bearer "):
            if not _csrf_ok(headers, bytes(body)):
                await _respond(send, 403, "csrf", "the form's CSRF token is missing or does "
                               "not match its cookie", "reload the page and submit it again",
                               path=scope["path"])
                return None
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return replay


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(headers: dict[str, str], name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _csrf_ok(headers: dict[str, str], body: bytes) -> bool:
    """Double-submit check: the cookie's token equals the header's or the form field's."""
    cookie = _cookie(headers, CSRF_COOKIE)
    if not cookie:
        return False
    sent = headers.get(CSRF_HEADER)
    if sent is None and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        sent = next(iter(parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD) or []), None)
    return sent is not None and hmac.compare_digest(cookie.encode(), sent.encode())


async def _respond(send: Send, status: int, kind: str, message: str,
                   hint: str | None = None, path: str | None = None) -> None:
    body = error_body(kind, message, hint=hint, path=path)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def csrf_token(request: Request) -> str:
    """The CSRF token for a form on this page: the cookie's, or a new one the page must set
    with :func:`set_csrf_cookie`. Put it in a hidden ``csrf_token`` field."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 32:
        token = secrets.token_urlsafe(32)
    request.state.csrf_token = token
    return token


def set_csrf_cookie(request: Request, response: Any) -> None:
    """Set the cookie :func:`csrf_token` handed out (call on the response of the form page)."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")


def token_matches(config: WebConfig, header: str | None) -> bool:
    """True when ``Authorization: Bearer <token>`` carries the operator token (constant time)."""
    if not config.token or not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), config.token.encode())
