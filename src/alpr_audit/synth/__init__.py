"""Synthetic, deterministic vendor exports for tests and benchmarks (no real data).

Every file is a pure function of its arguments and seed: the same call writes the same bytes.
"""

from __future__ import annotations

from alpr_audit.synth.agency_set import write_agency_set
from alpr_audit.synth.flock import (
    AUDIT_VARIANTS,
    PORTAL_VARIANTS,
    write_audit_csv,
    write_audit_xlsx,
    write_portal_csv,
)

__all__ = [
    "AUDIT_VARIANTS",
    "PORTAL_VARIANTS",
    "write_agency_set",
    "write_audit_csv",
    "write_audit_xlsx",
    "write_portal_csv",
]
