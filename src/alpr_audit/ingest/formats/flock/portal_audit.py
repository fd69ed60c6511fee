"""Flock transparency-portal search audit CSV (``public_search_audit.csv``).

The last 30 days of searches as the portal offers them for download. Header variants seen
(docs/formats.md): ``id,userId,searchDate,cameraCount,reason`` (2025, naive UTC dates) through
``id,searchDate,networkCount,offenseType`` (2026, ISO ``Z`` dates, userId often ``***``).
Consecutive downloads overlap, so records are keyed by ``id`` alone.
"""

from __future__ import annotations

from typing import ClassVar

from alpr_audit.ingest.base import PUBLISHER, Plan, Probe, StageContext, StageResult
from alpr_audit.ingest.formats.flock.search_log import build_select
from alpr_audit.ingest.tabular import HeaderMap
from alpr_audit.ingest.tabular_importer import TabularImporter

SYNONYMS: dict[str, str] = {
    "id": "record_id",
    "userid": "user",
    "user id": "user",
    "searchdate": "search_time",
    "search date": "search_time",
    "cameracount": "devices",
    "camera count": "devices",
    "networkcount": "networks",
    "network count": "networks",
    "reason": "reason",
    "casenumber": "case",
    "case number": "case",
    "offensetype": "offense_type",
    "offense type": "offense_type",
}


class FlockPortalAuditImporter(TabularImporter):
    """Flock transparency-portal search audit CSV → ``searches`` (log_kind portal_audit)."""

    format_id: ClassVar[str] = "flock_portal_audit"
    label: ClassVar[str] = "Flock transparency-portal search audit CSV"
    synonyms = SYNONYMS
    required_any = ({"record_id", "search_time"},)
    min_fields = 3

    def sniff(self, probe: Probe) -> Plan | None:
        plan = super().sniff(probe)
        if plan is None:
            return None
        # Only the portal's own camelCase names: a generic "id, search date, …" sheet with
        # other columns is not this format.
        for part in plan.parts:
            if "" in part.header.fields:
                return None
        return plan

    def build(self, hm: HeaderMap, relation: str) -> str:
        return build_select(hm, relation, key="id")

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        # the portal lists the publisher's own users' searches
        return StageResult(locator_base, "portal_audit", ctx.publisher,
                           constants={"searcher_agency_id": PUBLISHER})
