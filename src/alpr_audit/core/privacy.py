"""Pseudonyms for public outputs (invariant 7): a keyed HMAC, stable within a store.

The key is 32 random bytes generated once per store in ``<store>/secret.key`` (mode 0600,
never printed). The same plate, name or user id always gets the same pseudonym in one store,
so repeats can still be counted, while nobody without the key can test a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "secret.key"

#: Pseudonym prefixes by kind of value, so a reader sees what was replaced.
KINDS = {"plate": "plate", "person": "person", "user": "user", "email": "email", "phone": "phone"}


def store_key(root: Path) -> bytes:
    """The store's HMAC key, created on first use with owner-only permissions."""
    path = Path(root) / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()


class Pseudonymizer:
    """Replace personal values with ``<kind>-<12 hex>`` tokens keyed by the store's secret."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @property
    def key(self) -> bytes:
        """The HMAC key, for computing the same tokens inside SQL (never print it)."""
        return self._key

    def token(self, kind: str, value: str | None) -> str | None:
        """The pseudonym of ``value``; None stays None. Case and spacing do not matter."""
        if value is None:
            return None
        norm = " ".join(str(value).split()).casefold()
        if not norm:
            return None
        digest = hmac.new(self._key, f"{kind}\x1f{norm}".encode(), hashlib.sha256).hexdigest()
        return f"{KINDS.get(kind, kind)}-{digest[:12]}"
