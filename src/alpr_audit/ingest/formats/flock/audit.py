"""Flock Organization Audit / Network Audit exports (CSV or XLSX, one sheet per month).

Columns drift between releases (docs/formats.md): ``ID`` is missing in some exports,
``Moderation`` went in Sep 2025, ``Text Prompt`` in Oct 2025, ``Total Devices Searched`` came
in Feb 2026, ``Offense Type`` later; some agencies split ``Search Date`` / ``Search Time`` and
hand-edit header names. Columns are found by name; a header-less sheet is matched against the
vendor's default orders by content. Unknown extra columns are kept in rejects' raw text only.
"""

from __future__ import annotations

import itertools
import re
from typing import ClassVar

from alpr_audit.core.cells import parse_int, parse_time_frame, parse_timestamp
from alpr_audit.ingest.base import PUBLISHER, StageContext, StageResult
from alpr_audit.ingest.formats.flock.search_log import build_select
from alpr_audit.ingest.tabular import HeaderMap
from alpr_audit.ingest.tabular_importer import ColumnCheck, TabularImporter

SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["id", "search id", "audit id", "record id"], "record_id"),
    **dict.fromkeys(["name", "user", "user name", "username", "officer", "searcher"], "user"),
    **dict.fromkeys(["org name", "organization", "organization name", "org", "agency",
                     "agency name", "searching agency"], "org"),
    **dict.fromkeys(["total networks searched", "networks searched", "network count",
                     "total networks", "# networks searched"], "networks"),
    **dict.fromkeys(["total devices searched", "devices searched", "total cameras searched",
                     "cameras searched", "device count", "camera count"], "devices"),
    **dict.fromkeys(["time frame", "timeframe", "search time frame", "date range",
                     "search window"], "time_frame"),
    **dict.fromkeys(["license plate", "plate", "license plate number", "lpn", "plate number",
                     "plate searched"], "plate"),
    **dict.fromkeys(["reason", "search reason", "purpose", "reason for search"], "reason"),
    **dict.fromkeys(["case #", "case number", "case", "case no", "case no.", "case#",
                     "case num"], "case"),
    **dict.fromkeys(["filters", "filter", "search filters"], "filters"),
    **dict.fromkeys(["search time", "searched at", "search date time", "search date/time",
                     "search datetime", "date/time", "timestamp", "search timestamp",
                     "date and time"], "search_time"),
    **dict.fromkeys(["search date", "date"], "search_date"),
    **dict.fromkeys(["search type", "type"], "search_type"),
    **dict.fromkeys(["text prompt", "prompt"], "text_prompt"),
    "moderation": "moderation",
    **dict.fromkeys(["offense type", "offense", "offence type"], "offense_type"),
}

#: The vendor's full column order; real exports are subsets of it.
FULL_ORDER = ("record_id", "user", "org", "networks", "devices", "time_frame", "plate",
              "reason", "case", "filters", "search_time", "search_type", "text_prompt",
              "moderation")
_OPTIONAL = ("record_id", "devices", "text_prompt", "moderation")


def _default_orders() -> tuple[tuple[str, ...], ...]:
    orders = []
    for n in range(len(_OPTIONAL) + 1):
        for dropped in itertools.combinations(_OPTIONAL, n):
            base = tuple(f for f in FULL_ORDER if f not in dropped)
            orders.append(base)
            orders.append(base + ("offense_type",))
    return tuple(orders)


#: Column orders of the releases docs/formats.md describes, oldest first: Moderation went in
#: Sep 2025, Text Prompt in Oct 2025, Offense Type came later, Total Devices Searched in
#: Feb 2026.
RELEASE_ORDERS = (
    FULL_ORDER[:4] + FULL_ORDER[5:],
    FULL_ORDER[:4] + FULL_ORDER[5:13],
    FULL_ORDER[:4] + FULL_ORDER[5:12],
    FULL_ORDER[:4] + FULL_ORDER[5:12] + ("offense_type",),
    FULL_ORDER[:12] + ("offense_type",),
    FULL_ORDER,
)

SEARCH_TYPES = {"search", "lookup", "apiv1", "apiv2", "convoy", "visual", "freeform",
                "multigeo", "searchsummary"}


def _is_search_type(text: str) -> bool:
    base = re.sub(r"\s*-\s*mobile\s*$", "", text.strip(), flags=re.I).lower()
    return base in SEARCH_TYPES


def _is_frame(text: str) -> bool:
    start, end = parse_time_frame(text)
    return start is not None and end is not None


class FlockAuditImporter(TabularImporter):
    """Flock Organization/Network Audit → ``searches``."""

    format_id: ClassVar[str] = "flock_audit"
    label: ClassVar[str] = "Flock Organization/Network Audit export (CSV/XLSX)"
    synonyms = SYNONYMS
    # The search time plus anything only a search audit has.
    required_any = ({"search_time", "time_frame"}, {"search_time", "search_type"},
                    {"search_time", "org"}, {"search_date", "search_type"},
                    {"search_date", "time_frame"})
    min_fields = 4
    default_orders = _default_orders()
    release_orders = RELEASE_ORDERS
    column_checks: ClassVar[dict[str, ColumnCheck]] = {
        "search_time": lambda v: parse_timestamp(v) is not None,
        "time_frame": _is_frame,
        "networks": lambda v: parse_int(v) is not None,
        "search_type": _is_search_type,
    }

    def build(self, hm: HeaderMap, relation: str) -> str:
        return build_select(hm, relation, key="content")

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        orgs = [r[0] for r in ctx.con.execute(
            "SELECT DISTINCT searcher_name_raw FROM stage_searches WHERE _reject IS NULL "
            "AND searcher_name_raw IS NOT NULL LIMIT 2").fetchall()]
        name = ctx.path.name.lower()
        if ctx.plan.log_kind:
            kind = ctx.plan.log_kind
        elif "network" in name:
            kind = "network_audit"
        elif re.search(r"org(ani[sz]ation)?[ _-]?audit", name):
            kind = "org_audit"
        else:
            # An organisation audit lists one organisation's own users; a network audit
            # lists every organisation that searched the agency's cameras.
            kind = "org_audit" if len(orgs) <= 1 else "network_audit"
        publisher = ctx.publisher
        if publisher is None and kind == "org_audit" and len(orgs) == 1:
            publisher = orgs[0]
        own = {"searcher_agency_id": PUBLISHER} if kind == "org_audit" else {}
        return StageResult(locator_base, kind, publisher, constants=own)
