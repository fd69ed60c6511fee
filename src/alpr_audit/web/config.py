"""Settings of the web app (``alpr-audit serve``) as one object, passed to ``create_app``.

Public mode is the default: read-only, pseudonymised, no operator endpoints. Operator mode is
on only when a token is configured (env ``ALPR_AUDIT_TOKEN`` or a token file); the token is
never printed, logged or put into an error message.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from alpr_audit.core.errors import UsageError

TOKEN_ENV = "ALPR_AUDIT_TOKEN"
#: shortest operator token accepted: a guessable token would open the raw data
MIN_TOKEN_LENGTH = 16
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class WebConfig:
    """Everything the app needs to know; ``app.state.web`` holds it."""

    store_path: Path
    host: str = "127.0.0.1"
    port: int = 8000
    #: operator bearer token; None = public mode only (operator endpoints are not mounted)
    token: str | None = field(default=None, repr=False)
    #: largest request body in bytes (uploads to the operator ingest included)
    max_body_bytes: int = 64 * 1024 * 1024
    #: requests per second per client address, and the burst allowed above it (0 = no limit)
    #: (generous: behind one loopback address every local client shares one bucket)
    rate_per_second: float = 5000.0
    rate_burst: int = 10000
    #: Host header names accepted (None: derived from ``host``; loopback binding accepts
    #: only loopback names, which stops DNS-rebinding pages from reading the API)
    allowed_hosts: tuple[str, ...] | None = None
    #: how often (seconds) the app looks for a newer committed catalog to serve
    refresh_seconds: float = 1.0
    #: most rows one API page may return
    max_page: int = 1000

    @property
    def operator(self) -> bool:
        """True when operator endpoints are on."""
        return bool(self.token)

    def host_names(self) -> tuple[str, ...] | None:
        """Host header names to accept, or None to accept any (a non-loopback binding
        behind a proxy that checks them)."""
        if self.allowed_hosts is not None:
            return self.allowed_hosts
        if self.host in LOOPBACK_HOSTS:
            return LOOPBACK_HOSTS
        return None

    def url(self) -> str:
        """The address to open in a browser."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def load_token(token_file: Path | None = None) -> str | None:
    """The operator token from ``token_file`` or env ``ALPR_AUDIT_TOKEN`` (None: public only).

    A token file readable by others is refused: the token opens raw plates and names.
    """
    if token_file is not None:
        try:
            mode = token_file.stat().st_mode
            text = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"cannot read the token file {token_file}: {exc.strerror}",
                             path=str(token_file), hint="pass a readable file to --token-file"
                             ) from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(f"the token file {token_file} is readable by other users",
                             path=str(token_file), hint=f"chmod 600 {token_file}")
    else:
        text = os.environ.get(TOKEN_ENV, "").strip()
        if not text:
            return None
    if len(text) < MIN_TOKEN_LENGTH:
        raise UsageError(f"the operator token is shorter than {MIN_TOKEN_LENGTH} characters",
                         path=str(token_file) if token_file else None,
                         hint="make one with: python -c \"import secrets; "
                         "print(secrets.token_urlsafe(32))\"")
    return text
