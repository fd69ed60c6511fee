"""Named reports over the store, reused by the CLI (and later packets, portal and API)."""

from alpr_audit.reports.registry import REPORTS, get_report, list_reports, run_report

__all__ = ["REPORTS", "get_report", "list_reports", "run_report"]
