"""Operator endpoints: raw values, "was this plate searched?", ingest of an uploaded file.

Mounted only when a token is configured; every route needs ``Authorization: Bearer
<token>`` (compared in constant time). Raw values are what the public API pseudonymises, so
these answers must never be cached or published.
"""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from alpr_audit.core.errors import AlprAuditError, UsageError
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.core.schema import TABLES
from alpr_audit.reports.registry import get_report, run_report
from alpr_audit.store import Store
from alpr_audit.web import api_data as data
from alpr_audit.web.deps import open_store
from alpr_audit.web.security import token_matches


class Unauthorized(AlprAuditError):
    """No or a wrong operator token (HTTP 401)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint="send Authorization: Bearer <the operator token>",
                         kind="unauthorized")


def require_operator(request: Request) -> None:
    """Dependency: the request carries the operator token."""
    if not token_matches(request.app.state.web, request.headers.get("authorization")):
        raise Unauthorized("this endpoint needs the operator token")


router = APIRouter(prefix="/api/operator", tags=["operator"],
                   dependencies=[Depends(require_operator)])

#: one writer at a time: DuckDB allows one writing connection per store
_WRITE_LOCK = threading.Lock()
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@router.get("/findings/{finding_id}/evidence", summary="A finding's evidence, raw")
def raw_evidence(request: Request, finding_id: str,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """The finding and its evidence with raw subjects and notes, each joined to the row it
    points at in its table (all columns, personal ones included)."""
    with open_store(request) as store:
        out = data.finding(store, finding_id, limit=limit, raw=True)
        for e in out["evidence"]:
            e["row"] = _source_row(store, e["table_name"], e["source_id"], e["locator"])
    return out


def _source_row(store: Store, table: str | None, source_id: str | None,
                locator: str | None) -> dict[str, Any] | None:
    if table not in TABLES or "locator" not in TABLES[table].column_names:
        return None  # table names come from the catalog; only known tables are queried
    rows = store.query(f'SELECT * FROM "{table}" WHERE source_id = ? AND locator = ? LIMIT 1',
                       [source_id, locator])
    return rows[0] if rows else None


class PlateQuery(BaseModel):
    """A plate to look up (in the body, so it stays out of URLs and access logs)."""

    plate: str = Field(min_length=1, max_length=16, description="Plate text as read or typed.")
    limit: int = Field(200, ge=1, le=1000)


def plate_key(text: str) -> str:
    """A plate as compared: upper case, letters and digits only (``7abc 123`` = ``7ABC123``)."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


@router.post("/plate-searched", summary="Was this plate searched?")
def plate_searched(request: Request, body: PlateQuery) -> dict[str, Any]:
    """Searches whose plate query matches the plate (wildcards ``*`` and ``?`` in a query
    are honoured), and the reads and hits of the plate's pseudonym in row-level data."""
    key = plate_key(body.plate)
    if len(key) < 2:
        raise UsageError("a plate needs at least two letters or digits", hint="send the plate text")
    with open_store(request) as store:
        # the query's text normalised the same way, wildcards turned into a LIKE pattern
        norm = ("regexp_replace(replace(replace(upper(plate_query), '*', '%'), '?', '_'), "
                "'[^0-9A-Z%_]', '', 'g')")
        matches = store.query(f"""
            SELECT s.searched_at, s.publisher_agency_id, s.searcher_agency_id,
                   s.searcher_name_raw, s.user_ref, s.reason, s.case_number, s.plate_query,
                   s.log_kind, s.source_id, s.locator
            FROM searches s WHERE plate_query IS NOT NULL AND $key LIKE {norm}
            ORDER BY searched_at, source_id, locator""", {"key": key})
        pz = Pseudonymizer(store_key(store.root))
        tokens = sorted({t for t in (pz.token("plate", body.plate.strip()),
                                     pz.token("plate", key)) if t})
        reads = store.query("""SELECT agency_id, count(*) AS reads, min(seen_at) AS first_seen,
                max(seen_at) AS last_seen FROM detections WHERE list_contains($t, plate_token)
                GROUP BY agency_id ORDER BY agency_id""", {"t": tokens})
    by_agency: dict[str, int] = {}
    for m in matches:
        a = m["searcher_agency_id"] or m["searcher_name_raw"] or "(unknown)"
        by_agency[a] = by_agency.get(a, 0) + 1
    return {"plate": key, "searched": bool(matches), "searches": len(matches),
            "by_searching_agency": by_agency, "reads": reads,
            "matches": matches[:body.limit]}


@router.get("/reports/{name}", summary="Any named report, raw text included")
def raw_report(request: Request, name: str, agency: str | None = None, since: str | None = None,
               until: str | None = None, log_kind: str | None = None) -> dict[str, Any]:
    """Rows of any report, including those quoting typed text (``searches-by-reason``)."""
    report = get_report(name)
    with open_store(request) as store:
        rows = run_report(store, name, agency=agency, since=since, until=until, log_kind=log_kind)
    return {"name": report.name, "title": report.title, "total": len(rows), "items": rows}


@router.post("/ingest", summary="Ingest an uploaded file")
async def ingest_upload(
    request: Request,
    filename: Annotated[str, Query(min_length=1, max_length=200,
                                   description="The file's name (its content decides the format).")],
    agency: Annotated[str | None, Query(description="Publishing agency, when the file "
                                        "does not say.")] = None,
) -> dict[str, Any]:
    """The request body is the file's bytes. Ingests run one at a time; requests served
    meanwhile see the store before or after the file, never half of it."""
    body = await request.body()
    if not body:
        raise UsageError("the request body is empty", hint="send the file's bytes as the body")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_ingest_bytes, request, filename, body, agency)


def _ingest_bytes(request: Request, filename: str, body: bytes, agency: str | None
                  ) -> dict[str, Any]:
    from alpr_audit.ingest.pipeline import ingest_paths

    name = _SAFE_NAME.sub("_", PurePath(filename).name).lstrip(".") or "upload"
    config = request.app.state.web
    with _WRITE_LOCK, tempfile.TemporaryDirectory(prefix="alpr-audit-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(body)
        with Store.open(config.store_path) as store:
            results = ingest_paths(store, [path], agency=agency)
    snapshots = getattr(request.app.state, "snapshots", None)
    if snapshots is not None:
        snapshots.refresh(force=True)
    out = results[0].to_json()
    out["path"] = name
    return out
