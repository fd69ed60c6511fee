"""The explicit registry of source formats, and detection by content.

Adding a format = one importer module plus one line here. Order matters: more specific
formats come first, so a portal CSV is not mistaken for a loosely-headed audit sheet.
"""

from __future__ import annotations

from alpr_audit.core.errors import UnknownFormatError
from alpr_audit.ingest.base import Importer, Plan, Probe
from alpr_audit.ingest.formats.flock.audit import FlockAuditImporter
from alpr_audit.ingest.formats.flock.devices_pdf import FlockDevicesPdfImporter
from alpr_audit.ingest.formats.flock.event_log import FlockEventLogImporter
from alpr_audit.ingest.formats.flock.portal_audit import FlockPortalAuditImporter
from alpr_audit.ingest.formats.flock.portal_page import FlockPortalPageImporter
from alpr_audit.ingest.formats.flock.shared_networks import FlockSharedNetworksImporter
from alpr_audit.ingest.formats.flock.users import FlockUsersImporter
from alpr_audit.ingest.formats.generic.agreements import AgreementsImporter
from alpr_audit.ingest.formats.generic.detections import DetectionsImporter
from alpr_audit.ingest.formats.generic.readings import HitsImporter
from alpr_audit.ingest.formats.generic.response_workbook import ResponseWorkbookImporter
from alpr_audit.ingest.formats.vigilant.detection_report import VigilantDetectionReportImporter
from alpr_audit.ingest.formats.vigilant.hit_ratio import VigilantHitRatioImporter
from alpr_audit.ingest.formats.vigilant.sharing_report import VigilantSharingReportImporter
from alpr_audit.ingest.formats.vigilant.users import VigilantUsersImporter

IMPORTERS: list[Importer] = [
    # before the Flock importers: flock_audit takes a whole workbook if one sheet is an audit
    ResponseWorkbookImporter(),
    FlockPortalPageImporter(),
    FlockSharedNetworksImporter(),
    FlockPortalAuditImporter(),
    FlockEventLogImporter(),
    FlockUsersImporter(),
    # before flock_audit, which would claim a detections export headed ID, Agency, Plate …
    DetectionsImporter(),
    HitsImporter(),
    AgreementsImporter(),
    FlockAuditImporter(),
    # PDFs. The hit-ratio importer also claims image-only PDFs when tesseract is missing (to
    # say how to install it), so other PDF formats must come before it.
    VigilantSharingReportImporter(),
    FlockDevicesPdfImporter(),
    VigilantDetectionReportImporter(),
    VigilantHitRatioImporter(),
    VigilantUsersImporter(),  # the weakest evidence (one 'Name' column): last
]

_KIND_NAMES = {
    "empty": "an empty file",
    "pdf": "a PDF document",
    "html": "an HTML page",
    "binary": "binary data",
    "csv": "a CSV/text table",
    "xlsx": "an Excel workbook",
}


def by_format_id(format_ids: list[str]) -> list[Importer]:
    """The registered importers with these ids; UnknownFormatError for an unknown id."""
    known = {i.format_id: i for i in IMPORTERS}
    missing = [f for f in format_ids if f not in known]
    if missing:
        raise UnknownFormatError(
            f"unknown format id {', '.join(missing)}",
            hint="format ids: " + ", ".join(known),
        )
    return [known[f] for f in format_ids]


def formats() -> list[tuple[str, str]]:
    """(format id, description) of every format alpr-audit reads."""
    return [(i.format_id, i.label) for i in IMPORTERS]


def detect(probe: Probe, importers: list[Importer] | None = None) -> tuple[Importer, Plan]:
    """The importer and plan for a probed file, or UnknownFormatError saying what it is.

    ``importers`` restricts detection to those (``ingest --format``, tests).
    """
    for importer in importers or IMPORTERS:
        plan = importer.sniff(probe)
        if plan is not None:
            return importer, plan
    what = _KIND_NAMES.get(probe.kind, probe.kind)
    if probe.note:
        what += f" ({probe.note})"
    elif probe.kind in ("csv", "xlsx") and probe.sheets and probe.sheets[0].rows:
        first = [c for c in probe.sheets[0].rows[0] if c][:6]
        what += f" whose first row is {first!r}"
    known = "; ".join(f"{fid}: {label}" for fid, label in formats())
    raise UnknownFormatError(
        f"not a format alpr-audit reads: {what}",
        path=str(probe.path),
        locator=None,
        hint=f"formats it reads: {known}. If this is one of them, check its header row.",
    )
