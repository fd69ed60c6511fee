"""The exceptions alpr-audit raises for fatal problems.

Rejected rows and findings are data, not exceptions. An exception means a whole operation
cannot go on; it carries enough context (file, place, hint) for the CLI to print a message a
person can act on, and for ``--json`` to emit the contract's error object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class AlprAuditError(Exception):
    """Root of every error alpr-audit raises on purpose."""

    message: str
    path: str | None = None
    locator: str | None = None
    hint: str | None = None
    kind: str = "error"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message

    def to_json(self) -> dict[str, Any]:
        """The ``{"error": {...}}`` object of the CLI contract."""
        return {
            "error": {
                "kind": self.kind,
                "message": self.message,
                "path": self.path,
                "locator": self.locator,
                "hint": self.hint,
            }
        }


@dataclass
class StoreError(AlprAuditError):
    """The store cannot be opened, migrated or written."""

    kind: str = "store"


@dataclass
class IngestError(AlprAuditError):
    """A file cannot be ingested at all (its rows are not even readable)."""

    kind: str = "ingest"


@dataclass
class UnknownFormatError(IngestError):
    """A file that is no format alpr-audit reads."""

    kind: str = "unknown_format"


@dataclass
class QueryError(AlprAuditError):
    """A SQL query or report cannot run."""

    kind: str = "query"


@dataclass
class UsageError(AlprAuditError):
    """The caller asked for something that does not exist (report name, option value)."""

    kind: str = "usage"
