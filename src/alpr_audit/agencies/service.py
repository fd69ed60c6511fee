"""What the ``agencies`` command shows: the registry, the unresolved, and why."""

from __future__ import annotations

from typing import Any

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.store import Store


def list_agencies(store: Store, *, unresolved: bool = False) -> list[dict[str, Any]]:
    """The registry's agencies; with ``unresolved`` only those whose state or level is unknown."""
    where = "WHERE state = 'unknown' OR level = 'unknown'" if unresolved else ""
    return store.query(
        f"""SELECT agency_id, name, state, level, is_federal, is_private, deactivated, aliases
            FROM agencies {where} ORDER BY name""")


def explain(name: str) -> dict[str, Any]:
    """How a written name is read: canonical name, id, state, level, flags and the evidence."""
    p = parse_agency_name(name)
    return {"name": name, "canonical": p.canonical, "agency_id": p.agency_id, "state": p.state,
            "level": p.level, "is_federal": p.is_federal, "is_private": p.is_private,
            "deactivated": p.deactivated, "evidence": list(p.evidence)}
