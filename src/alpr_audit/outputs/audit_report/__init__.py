"""The audit report: findings as CSV, XLSX and a PDF read by people (docs/audit.md)."""
