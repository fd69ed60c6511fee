"""The normalised tables: names, columns and types — the one contract every stage shares.

Catalog tables live inside ``catalog.duckdb``; Parquet tables are written as Parquet files
under ``tables/<name>/`` (the large ones in agency and month folders, ``store/layout.py``) and
exposed as views of the same name. The tables alpr-audit writes itself (request tracking, the
audit's runs and findings) are defined in :mod:`alpr_audit.core.schema_outputs`. Every
Parquet file of a table is written with the columns below, in this order, so that files from
different runs union cleanly (a migration that adds a column reads older files as NULL).

Timestamps are ``TIMESTAMP`` holding UTC wall time (invariant 4); the ``*_raw`` columns keep
the source text where the zone or form was ambiguous.
"""

from __future__ import annotations

from alpr_audit.core.schema_model import Column as Column  # re-exported: the contract's types
from alpr_audit.core.schema_model import Table as Table
from alpr_audit.core.schema_model import cols as _cols
from alpr_audit.core.schema_outputs import (
    AUDIT_RUNS,
    COMMUNICATIONS,
    EVIDENCE,
    FINDINGS,
    REQUEST_ITEMS,
    REQUESTS,
    SEARCH_PURPOSES,
)

#: Bump when a catalog table gains, loses or changes a column; add a step to
#: ``store.migrations``.
SCHEMA_VERSION = 4


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
        ("code", "VARCHAR", "the reason's stable code (docs/rejects.md), e.g. cell.bad_timestamp"),
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
    scope=("publisher_agency_id", "log_kind"),
    verify=("record_id", "searched_at", "searcher_name_raw", "search_type"),
    agency_refs=(("searcher_name_raw", "searcher_agency_id"),),
)

# Columns every Parquet table ends with: the de-duplication key the pipeline computes.
_KEY = (
    ("natural_key", "UBIGINT", "hash of the de-duplication key (see docs/formats.md)"),
    ("occurrence", "INTEGER", "nth identical record in a file without record ids"),
)

SHARING = Table(
    "sharing",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("publisher_agency_id", "VARCHAR", "agency whose sharing this is"),
        ("partner_agency_id", "VARCHAR", "the other agency (registry id)"),
        ("partner_name_raw", "VARCHAR", "the other agency as written"),
        ("network_name", "VARCHAR", "the network shared, when the source names it (Flock)"),
        ("direction", "VARCHAR", "out (publisher shares with partner) or in (partner shares)"),
        ("data_kind", "VARCHAR", "detections or hotlist"),
        ("status", "VARCHAR", "active, deactivated, inactive, or removed (a share ended)"),
        ("observed_on", "DATE", "date the source shows the relationship (capture/report date)"),
        ("relationship", "VARCHAR", "relationship label of the source (Flock devices page)"),
        ("access", "VARCHAR", "access label of the source"),
        ("search_enabled", "BOOLEAN", "partner may search (Flock devices page)"),
        ("hotlist_enabled", "BOOLEAN", "partner's hot-list tool enabled"),
        ("camera_count", "BIGINT", "cameras the partner's network holds, when stated"),
        ("hotlists", "VARCHAR[]", "hot-list names shared"),
        ("flags", "VARCHAR[]", "markers as written: federal, NVLS …"),
        *_KEY,
    ),
    "one sharing relationship observed in a source",
    agency_refs=(("partner_name_raw", "partner_agency_id"),),
)

USERS = Table(
    "users",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("agency_id", "VARCHAR", "agency the account belongs to"),
        ("user_ref", "VARCHAR", "user name or id as written (personal data)"),
        ("display_name", "VARCHAR", "person's name (personal data)"),
        ("email", "VARCHAR", "e-mail (personal data)"),
        ("phone", "VARCHAR", "phone (personal data)"),
        ("title", "VARCHAR", "job title"),
        ("role", "VARCHAR", "role in the ALPR system"),
        ("identity_provider", "VARCHAR", "sign-in provider"),
        ("permissions", "VARCHAR[]", "permissions enabled (search, hotlist tool, user mgmt …)"),
        ("last_login", "TIMESTAMP", "UTC"),
        ("training_on", "DATE", "date of ALPR training, when stated"),
        ("redacted", "VARCHAR[]", "columns whose cell held a redaction marker"),
        *_KEY,
    ),
    "one account with access",
    publisher="agency_id",
    scope=("agency_id",),
)

HOTLIST_EVENTS = Table(
    "hotlist_events",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("agency_id", "VARCHAR", "agency whose log this is"),
        ("event_id", "VARCHAR", "vendor event id, when exported"),
        ("user_ref", "VARCHAR", "who acted (personal data)"),
        ("at", "TIMESTAMP", "UTC (a reserved word in SQL: write \"at\")"),
        ("at_raw", "VARCHAR", "source text of the time when its zone was not explicit"),
        ("event_type", "VARCHAR", "create, update, delete …"),
        ("entity_type", "VARCHAR", "Custom Hotlist Entry, networkShare, user …"),
        ("hotlist_name", "VARCHAR", "hot list"),
        ("plate_query", "VARCHAR", "plate (personal data)"),
        ("plate_state", "VARCHAR", "plate's state"),
        ("reason", "VARCHAR", "reason given"),
        ("case_number", "VARCHAR", "case number given"),
        ("expires_at", "TIMESTAMP", "UTC expiry of a hot-list entry"),
        ("details", "VARCHAR", "every Key: value of the entity details, as JSON"),
        ("redacted", "VARCHAR[]", "columns whose cell held a redaction marker"),
        *_KEY,
    ),
    "one hot-list or administrative action",
    publisher="agency_id",
    scope=("agency_id",),
)

DETECTION_COUNTS = Table(
    "detection_counts",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file (page, line)"),
        ("agency_id", "VARCHAR", "agency whose cameras detected"),
        ("period_start", "TIMESTAMP", "first instant counted (UTC as the report states it)"),
        ("period_end", "TIMESTAMP", "last instant counted: what the report says, not a calendar year"),
        ("period_text", "VARCHAR", "the period as written"),
        ("system", "VARCHAR", "camera system or contributor, NULL for the agency total"),
        ("detections", "BIGINT", "plate reads that were not hits"),
        ("hits", "BIGINT", "hot-list hits"),
        ("total_records", "BIGINT", "what the source calls total records"),
        ("basis", "VARCHAR", "what the source counted, e.g. 'detections+hits=total_records'"),
        ("report_created_on", "DATE", "report's creation date"),
        *_KEY,
    ),
    "an aggregate count of detections/hits over a period",
    publisher="agency_id",
    scope=("agency_id",),
)

PORTAL_SNAPSHOTS = Table(
    "portal_snapshots",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("agency_id", "VARCHAR", "agency the portal is about"),
        ("agency_name_raw", "VARCHAR", "agency name as the portal writes it"),
        ("captured_on", "DATE", "capture date (page or file name)"),
        ("retention_days", "INTEGER", "data retention in days"),
        ("camera_count", "BIGINT", "cameras"),
        ("vehicles_30d", "BIGINT", "vehicles detected in the last 30 days"),
        ("hits_30d", "BIGINT", "hot-list hits in the last 30 days"),
        ("searches_30d", "BIGINT", "searches in the last 30 days"),
        ("hotlists", "VARCHAR[]", "hot lists alerted on"),
        ("what_detected", "VARCHAR", "policy text"),
        ("what_not_detected", "VARCHAR", "policy text"),
        ("acceptable_use", "VARCHAR", "policy text"),
        ("prohibited_uses", "VARCHAR", "policy text"),
        ("access_policy", "VARCHAR", "policy text"),
        ("hotlist_policy", "VARCHAR", "policy text"),
        ("policy_links", "VARCHAR[]", "links to policies"),
        ("last_updated", "DATE", "portal's 'last updated' date"),
        *_KEY,
    ),
    "one capture of a transparency page",
    publisher="agency_id",
    scope=("agency_id",),
)

EXTERNAL_ACCESS_COUNTS = Table(
    "external_access_counts",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("agency_id", "VARCHAR", "agency whose data was accessed"),
        ("period_start", "TIMESTAMP", "start of the period"),
        ("period_end", "TIMESTAMP", "end of the period"),
        ("accesses", "BIGINT", "accesses by other agencies"),
        *_KEY,
    ),
    "accesses by other agencies in a period",
    publisher="agency_id",
    scope=("agency_id",),
)

AGREEMENTS = Table(
    "agreements",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("agency_id", "VARCHAR", "agency that signed (the data owner)"),
        ("partner_agency_id", "VARCHAR", "the other party (registry id)"),
        ("partner_name_raw", "VARCHAR", "the other party as written"),
        ("kind", "VARCHAR", "MOU, interagency agreement, certification, declaration …"),
        ("signed_on", "DATE", "date signed"),
        ("expires_on", "DATE", "date it ends, NULL when open-ended"),
        ("document", "VARCHAR", "document name or link"),
        *_KEY,
    ),
    "one sharing agreement or certification on file",
    publisher="agency_id",
    scope=("agency_id",),
    agency_refs=(("partner_name_raw", "partner_agency_id"),),
)

DETECTIONS = Table(
    "detections",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("agency_id", "VARCHAR", "agency whose camera read the plate"),
        ("detection_id", "VARCHAR", "the system's read id"),
        ("device_id", "VARCHAR", "camera"),
        ("plate_token", "VARCHAR", "keyed hash of the plate (the plate itself is not stored)"),
        ("plate_state", "VARCHAR", "plate's state as read"),
        ("seen_at", "TIMESTAMP", "UTC"),
        ("lat", "DOUBLE", "latitude"),
        ("lon", "DOUBLE", "longitude"),
        *_KEY,
    ),
    "one row-level plate read (agency-side or synthetic data)",
    publisher="agency_id",
    scope=("agency_id",),
)

HITS = Table(
    "hits",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the file"),
        ("locator", "VARCHAR", "where in the file"),
        ("agency_id", "VARCHAR", "agency whose camera read the plate"),
        ("hit_id", "VARCHAR", "the system's alert id"),
        ("detection_id", "VARCHAR", "the read that matched"),
        ("hotlist", "VARCHAR", "hot list matched"),
        ("hit_at", "TIMESTAMP", "UTC"),
        ("disposition", "VARCHAR", "what the officer recorded (confirmed, misread …)"),
        *_KEY,
    ),
    "one hot-list match of a read",
    publisher="agency_id",
    scope=("agency_id",),
)

TABLES: dict[str, Table] = {t.name: t for t in (
    SOURCES, REJECTS, AGENCIES, SEARCHES, SHARING, USERS, HOTLIST_EVENTS, DETECTION_COUNTS,
    PORTAL_SNAPSHOTS, EXTERNAL_ACCESS_COUNTS, REQUESTS, REQUEST_ITEMS, COMMUNICATIONS,
    AGREEMENTS, DETECTIONS, HITS, SEARCH_PURPOSES, EVIDENCE, FINDINGS, AUDIT_RUNS)}
PARQUET_TABLES = [t for t in TABLES.values() if t.storage == "parquet"]
#: Parquet tables an importer may write (the audit writes the derived ones).
INGEST_TABLES = [t for t in PARQUET_TABLES if not t.derived]
CATALOG_TABLES = [t for t in TABLES.values() if t.storage == "catalog"]
