"""Vigilant VehicleManager "Dashboard Hit Ratio Report" (PDF) → ``detection_counts``.

``Contributor | Record Type | Records`` with one Detections and one Hits row, ``Time Frame``
and ``Total Records`` in the header (docs/formats.md). One row per report: detections, hits,
total_records (= detections + hits: the record types are disjoint; a report that does not
add up is rejected), the period as written and resolved (``To 12-01-18`` ends on Dec 1;
relative frames against ``Date Created``) — see :mod:`.dashboard` for the reading rules and
:mod:`.dashboard_rows` for the rows.

A PDF may hold Detection reports too (Irvine's release alternates them): every report in the
file is staged, whichever importer recognised its first page.
"""

from __future__ import annotations

from typing import ClassVar

from alpr_audit.ingest.base import Plan, Probe, StageContext, StageResult
from alpr_audit.ingest.formats.vigilant.dashboard import HIT_RATIO, report_kind
from alpr_audit.ingest.formats.vigilant.dashboard_rows import stage_dashboard
from alpr_audit.ingest.pdftext import first_page_needs_ocr, first_page_text


def sniff_dashboard(probe: Probe, kind: str, format_id: str) -> Plan | None:
    """A plan when the PDF's first page is a dashboard report of ``kind``. Never raises."""
    try:
        if probe.kind != "pdf":
            return None
        text = first_page_text(probe.path)
        if text.strip():
            if report_kind(text) != kind:
                return None
            return Plan(format_id, None, details={"report": kind})
        # A scan without a text layer cannot be recognised before OCR: claim it (hit-ratio
        # importer only) so that staging says how to install OCR, rather than "unknown format".
        if kind == HIT_RATIO and first_page_needs_ocr(probe.path):
            return Plan(format_id, None, details={"report": kind, "needs_ocr": True})
        return None
    except Exception:  # a sniffer must never raise
        return None


class VigilantHitRatioImporter:
    """Vigilant Dashboard Hit Ratio Report (PDF) → ``detection_counts``."""

    format_id: ClassVar[str] = "vigilant_hit_ratio"
    label: ClassVar[str] = "Vigilant VehicleManager Dashboard Hit Ratio Report (PDF)"
    table: ClassVar[str] = "detection_counts"

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan when the first page is a Dashboard Hit Ratio Report."""
        return sniff_dashboard(probe, HIT_RATIO, self.format_id)

    def stage(self, ctx: StageContext) -> StageResult:
        """Stage every dashboard report in the file (see the module docstring)."""
        return stage_dashboard(ctx)
