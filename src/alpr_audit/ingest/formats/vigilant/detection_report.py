"""Vigilant VehicleManager "Dashboard Detection Report" (PDF) → ``detection_counts``.

``Contributor | System | Detections`` per camera system (or ``Contributor | Agency |
Detections`` for "My Agency"), ``Total Detections`` in the header (docs/formats.md). One row per
system — name as written, ``(Deleted)`` kept in it, zero counts loaded — and the total as a
row with ``system`` NULL. These "Detections" include hits (the total equals the Hit Ratio
report's Total Records), so they are stored as ``total_records`` with a ``basis`` saying so;
see :mod:`.dashboard_rows`. A per-agency report that names one agency names the publisher.

A PDF may hold Hit Ratio reports too: every report in the file is staged.
"""

from __future__ import annotations

from typing import ClassVar

from alpr_audit.ingest.base import Plan, Probe, StageContext, StageResult
from alpr_audit.ingest.formats.vigilant.dashboard import DETECTION
from alpr_audit.ingest.formats.vigilant.dashboard_rows import stage_dashboard
from alpr_audit.ingest.formats.vigilant.hit_ratio import sniff_dashboard


class VigilantDetectionReportImporter:
    """Vigilant Dashboard Detection Report (PDF) → ``detection_counts``."""

    format_id: ClassVar[str] = "vigilant_detection_report"
    label: ClassVar[str] = "Vigilant VehicleManager Dashboard Detection Report (PDF)"
    table: ClassVar[str] = "detection_counts"

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan when the first page is a Dashboard Detection Report."""
        return sniff_dashboard(probe, DETECTION, self.format_id)

    def stage(self, ctx: StageContext) -> StageResult:
        """Stage every dashboard report in the file (see the module docstring)."""
        return stage_dashboard(ctx)
