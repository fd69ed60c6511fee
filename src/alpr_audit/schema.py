"""The normalised tables: names, columns and types — the one contract every stage shares.

Catalog tables live inside ``catalog.duckdb``; Parquet tables are written as one Parquet file
per ingested source under ``tables/<name>/`` and exposed as views of the same name. Every
Parquet file of a table is written with the columns below, in this order, so that files from
different runs union cleanly (a migration that adds a column reads older files as NULL).

Timestamps are ``TIMESTAMP`` holding UTC wall time (invariant 4); the ``*_raw`` columns keep
the source text where the zone or form was ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Bump when a table gains, loses or changes a column; add a step to ``store.migrations``.
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    storage: str  # "catalog" (a DuckDB table) or "parquet" (files + a view)
    columns: tuple[Column, ...]
    doc: str

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self) -> str:
        cols = ",\n  ".join(f'"{c.name}" {c.type}' for c in self.columns)
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" (\n  {cols}\n)'


def _cols(*spec: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in spec)


SOURCES = Table(
    "sources",
    "catalog",
    _cols(
        ("source_id", "VARCHAR PRIMARY KEY", "first 16 hex digits of the file's sha256"),
        ("path", "VARCHAR", "path as given at ingest (absolute)"),
        ("sha256", "VARCHAR UNIQUE", "content hash; the same bytes are never ingested twice"),
        ("format", "VARCHAR", "format id from the detector, e.g. flock_audit"),
        ("publisher_agency_id", "VARCHAR", "agency whose records these are, when known"),
        ("log_kind", "VARCHAR", "org_audit, network_audit, portal_audit …"),
        ("rows_read", "BIGINT", "data records read (blank rows are not records)"),
        ("rows_loaded", "BIGINT", "records written to the normalised table"),
        ("rows_rejected", "BIGINT", "records kept in rejects"),
        ("rows_duplicate", "BIGINT", "records dropped as duplicates of a natural key"),
        ("status", "VARCHAR", "ingested"),
        ("ingested_at", "TIMESTAMP", "UTC time of the commit"),
        ("run_id", "VARCHAR", "the ingest run that committed it"),
        ("size_bytes", "BIGINT", "file size"),
        ("details", "VARCHAR", "JSON: sheets, header variant, encoding, notes"),
    ),
    "the ledger: one row per ingested file",
)

REJECTS = Table(
    "rejects",
    "catalog",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where: 'row 12' (CSV record, header = row 1) or 'Sheet!12'"),
        ("raw", "VARCHAR", "the record's cells as text"),
        ("reason", "VARCHAR", "what was expected"),
    ),
    "rows that could not be loaded, kept whole",
)

AGENCIES = Table(
    "agencies",
    "catalog",
    _cols(
        ("agency_id", "VARCHAR PRIMARY KEY", "slug of the canonical name"),
        ("name", "VARCHAR", "canonical name"),
        ("state", "VARCHAR", "two-letter state code, or 'unknown'"),
        ("level", "VARCHAR", "local/county/state/federal/tribal/university/private/unknown"),
        ("is_federal", "BOOLEAN", "a federal agency"),
        ("is_private", "BOOLEAN", "a business, HOA or other private body"),
        ("deactivated", "BOOLEAN", "seen marked deactivated/inactive"),
        ("aliases", "VARCHAR[]", "every spelling seen"),
    ),
    "the agency registry",
)

SEARCHES = Table(
    "searches",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("publisher_agency_id", "VARCHAR", "agency whose log this is"),
        ("searcher_agency_id", "VARCHAR", "agency of the person who searched"),
        ("searcher_name_raw", "VARCHAR", "searching organisation as written"),
        ("record_id", "VARCHAR", "the vendor's record id, when the export has one"),
        ("user_ref", "VARCHAR", "user name or id as written (personal data)"),
        ("searched_at", "TIMESTAMP", "UTC"),
        ("searched_at_raw", "VARCHAR", "source text of the search time when its zone was not explicit"),
        ("reason", "VARCHAR", "the purpose typed by the user"),
        ("case_number", "VARCHAR", "case number as typed"),
        ("offense_type", "VARCHAR", "offense type picked by the user"),
        ("plate_query", "VARCHAR", "plate searched, '*' wildcards kept (personal data)"),
        ("search_type", "VARCHAR", "search, lookup, apiV2 … without the ' - Mobile' suffix"),
        ("mobile", "BOOLEAN", "the search type carried ' - Mobile'"),
        ("networks_searched", "BIGINT", "networks searched"),
        ("devices_searched", "BIGINT", "cameras/devices searched"),
        ("time_frame_start", "TIMESTAMP", "UTC start of the searched period"),
        ("time_frame_end", "TIMESTAMP", "UTC end of the searched period"),
        ("filters", "VARCHAR", "search filters as written"),
        ("text_prompt", "VARCHAR", "free-text prompt (visual search)"),
        ("moderation", "VARCHAR", "moderation flag"),
        ("redacted", "VARCHAR[]", "columns whose cell held a redaction marker"),
        ("log_kind", "VARCHAR", "org_audit/network_audit/portal_audit/…"),
        ("natural_key", "UBIGINT", "hash of the de-duplication key (see docs/formats.md)"),
        ("occurrence", "INTEGER", "nth identical record in a file without record ids"),
    ),
    "one search (query) audit record",
)

TABLES: dict[str, Table] = {t.name: t for t in (SOURCES, REJECTS, AGENCIES, SEARCHES)}
PARQUET_TABLES = [t for t in TABLES.values() if t.storage == "parquet"]
CATALOG_TABLES = [t for t in TABLES.values() if t.storage == "catalog"]
