"""Synthetic Flock Safety search-audit logs (public entry point).

The writers live in small modules; this one gathers them under the names other code uses:
:func:`write_audit_csv` and :func:`write_audit_xlsx` (Organization / Network audit exports)
and :func:`write_portal_csv` (transparency-portal search audit).
"""

from __future__ import annotations

from alpr_audit.synth.flock_audit import AUDIT_VARIANTS, write_audit_csv
from alpr_audit.synth.flock_portal import PORTAL_VARIANTS, write_portal_csv
from alpr_audit.synth.flock_xlsx import XLSX_DATETIME_VARIANTS, write_audit_xlsx
from alpr_audit.synth.vocab import EM_DASHES, REDACTION_MARKERS

__all__ = [
    "AUDIT_VARIANTS",
    "EM_DASHES",
    "PORTAL_VARIANTS",
    "REDACTION_MARKERS",
    "XLSX_DATETIME_VARIANTS",
    "write_audit_csv",
    "write_audit_xlsx",
    "write_portal_csv",
]
