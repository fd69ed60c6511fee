"""Named reports over the store, reused by the CLI (and later packets, portal and API)."""

from .registry import REPORTS, list_reports, run_report

__all__ = ["REPORTS", "list_reports", "run_report"]
