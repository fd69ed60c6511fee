"""The tables alpr-audit writes itself, not importers: request tracking (requests, their
items and communications) and the audit's runs, findings, evidence and purpose labels.

Part of the one contract in :mod:`alpr_audit.core.schema`, which registers them in ``TABLES``.
"""

from __future__ import annotations

from alpr_audit.core.schema_model import Table
from alpr_audit.core.schema_model import cols as _cols

REQUESTS = Table(
    "requests",
    "catalog",
    _cols(
        ("request_id", "VARCHAR PRIMARY KEY", "id in the store (tracking number based, or a hash)"),
        ("batch_id", "VARCHAR", "the multi-request this one belongs to"),
        ("agency", "VARCHAR", "agency asked, as written"),
        ("agency_id", "VARCHAR", "registry id of the agency"),
        ("title", "VARCHAR", "request title"),
        ("tracking_no", "VARCHAR", "the agency's or tracker's number"),
        ("submitted_on", "DATE", "date sent"),
        ("received_on", "DATE", "date the agency received it (the clock starts)"),
        ("status", "VARCHAR", "submitted, acknowledged, extended, processing, partial, done …"),
        ("due_on", "DATE", "determination due (10 calendar days)"),
        ("extended_due_on", "DATE", "due with the extension (at most 14 more days)"),
        ("estimated_on", "DATE", "the agency's latest estimate"),
        ("source_path", "VARCHAR", "file imported"),
        ("source_sha256", "VARCHAR", "its hash"),
        ("imported_at", "TIMESTAMP", "UTC"),
    ),
    "a records request to one agency",
)

REQUEST_ITEMS = Table(
    "request_items",
    "catalog",
    _cols(
        ("request_id", "VARCHAR", "the request"),
        ("item_id", "VARCHAR", "as written: A1, B2, R1 …"),
        ("text", "VARCHAR", "item text"),
        ("kind", "VARCHAR", "sharing_out … other (see requests.model.ITEM_KINDS)"),
        ("period_start", "DATE", "start of the period asked for"),
        ("period_end", "DATE", "end of the period asked for"),
        ("disposition", "VARCHAR", "the agency's answer to the item"),
    ),
    "one numbered item of a request",
)

COMMUNICATIONS = Table(
    "communications",
    "catalog",
    _cols(
        ("request_id", "VARCHAR", "the request"),
        ("seq", "INTEGER", "order in the thread"),
        ("sent_on", "DATE", "date of the message"),
        ("direction", "VARCHAR", "to_agency or from_agency"),
        ("kind", "VARCHAR", "request, confirmation, acknowledgement, extension, status …"),
        ("sender", "VARCHAR", "who wrote it (personal data when a person)"),
        ("text", "VARCHAR", "the message"),
        ("cited_sections", "VARCHAR[]", "Government Code sections cited"),
        ("estimated_on", "DATE", "a date the message promises"),
    ),
    "one message of a request thread",
)

SEARCH_PURPOSES = Table(
    "search_purposes",
    "parquet",
    _cols(
        ("source_id", "VARCHAR", "the search's file"),
        ("locator", "VARCHAR", "the search's place in it"),
        ("label", "VARCHAR", "missing/generic/case_number/immigration/protest/reproductive/personal/test/specific"),
        ("matched", "VARCHAR", "the term or pattern text that decided the label"),
        ("run_id", "VARCHAR", "the audit run that classified it"),
    ),
    "the purpose label of one search (written by audit; the latest run only)",
    derived=True,
)

EVIDENCE = Table(
    "evidence",
    "parquet",
    _cols(
        ("run_id", "VARCHAR", "the audit run"),
        ("finding_id", "VARCHAR", "the finding this row supports"),
        ("rule_id", "VARCHAR", "the rule"),
        ("agency_id", "VARCHAR", "agency the finding is about"),
        ("subject", "VARCHAR", "what the finding is about (partner, user, field …)"),
        ("table_name", "VARCHAR", "normalised table the row is in"),
        ("source_id", "VARCHAR", "the row's file"),
        ("locator", "VARCHAR", "the row's place in it"),
        ("at", "TIMESTAMP", "the row's time, when it has one (UTC)"),
        ("note", "VARCHAR", "what in the row shows it (matched term, value …)"),
    ),
    "one row behind a finding (written by audit)",
    derived=True,
)

FINDINGS = Table(
    "findings",
    "catalog",
    _cols(
        ("finding_id", "VARCHAR", "stable within a run: hash of run, rule, agency, subject"),
        ("run_id", "VARCHAR", "the audit run"),
        ("rule_id", "VARCHAR", "dotted, family first: sharing.out_of_state …"),
        ("severity", "VARCHAR", "high, medium, low, review, info"),
        ("agency_id", "VARCHAR", "agency the finding is about"),
        ("subject", "VARCHAR", "partner, user, field, element … the finding is about"),
        ("evidence_count", "BIGINT", "rows behind it (see the evidence table)"),
        ("first_at", "TIMESTAMP", "earliest evidence time (UTC)"),
        ("last_at", "TIMESTAMP", "latest evidence time (UTC)"),
        ("citation", "VARCHAR", "law or finding the rule rests on"),
        ("title", "VARCHAR", "the rule's title"),
        ("message", "VARCHAR", "plain-language explanation with the numbers"),
        ("details", "VARCHAR", "JSON: thresholds used, measured values"),
    ),
    "an audit finding",
)

AUDIT_RUNS = Table(
    "audit_runs",
    "catalog",
    _cols(
        ("run_id", "VARCHAR PRIMARY KEY", "id of the run"),
        ("pack", "VARCHAR", "rule pack"),
        ("started_at", "TIMESTAMP", "UTC"),
        ("finished_at", "TIMESTAMP", "UTC"),
        ("as_of", "TIMESTAMP", "the date retention and inactivity were measured against (UTC)"),
        ("engine", "VARCHAR", "duckdb or spark"),
        ("settings", "VARCHAR", "JSON: every threshold used and where it came from"),
        ("rules", "VARCHAR[]", "rule ids run"),
        ("findings", "BIGINT", "findings written"),
        ("not_applicable", "VARCHAR", "JSON: rule id → why it could not run (data absent)"),
        ("timings", "VARCHAR", "JSON: wall seconds per phase and rule"),
    ),
    "one audit run",
)
