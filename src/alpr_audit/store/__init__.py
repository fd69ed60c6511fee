"""The store: catalog.duckdb plus Parquet tables, with atomic ingest commits."""

from alpr_audit.store.store import CATALOG_FILE, Store

__all__ = ["CATALOG_FILE", "Store"]
