"""Settings shared by every command, as one object (STYLE.md, habit 9)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STORE = "./alpr-audit-store"
ENGINES = ("duckdb", "spark")


@dataclass
class Settings:
    """Global options: where the store is, how to print, which engine runs queries."""

    store: Path | None = None  # None: not given (env or default applies)
    json: bool = False
    engine: str = "duckdb"
    debug: bool = False
    memory_limit: str | None = None

    def store_path(self) -> Path:
        """--store, else $ALPR_AUDIT_STORE, else ./alpr-audit-store."""
        if self.store is not None:
            return Path(self.store)
        return Path(os.environ.get("ALPR_AUDIT_STORE") or DEFAULT_STORE)

    def store_given(self) -> bool:
        return self.store is not None or bool(os.environ.get("ALPR_AUDIT_STORE"))

    def ingest_memory_limit(self) -> str:
        """DuckDB memory cap for ingest; spills to the store's .tmp beyond it."""
        return self.memory_limit or os.environ.get("ALPR_AUDIT_MEMORY_LIMIT") or "1GB"
