"""The public JSON API: read-only, pseudonymised, documented by the app's ``/openapi.json``.

Lists come as ``{"total", "limit", "offset", "items"}``; errors as the CLI contract's
``{"error": {"kind", "message", "path", "locator", "hint"}}`` (``app.py`` maps them to HTTP
status codes). Answers are remembered per committed state of the store (``deps.cached_json``),
so a repeated question costs no database work.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from alpr_audit.core.errors import UsageError
from alpr_audit.reports.registry import get_report, list_reports, run_report
from alpr_audit.web import api_data as data
from alpr_audit.web.deps import cached_json

router = APIRouter(prefix="/api", tags=["public"])

Limit = Annotated[int, Query(ge=1, le=1000, description="Rows per page (at most 1000).")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip.")]
DateQ = Annotated[str | None, Query(description="Date, YYYY-MM-DD (UTC, inclusive).",
                                    pattern=r"^\d{4}-\d{2}-\d{2}$")]
AgencyQ = Annotated[str | None, Query(description="Agency id, name or alias.")]
JSON: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}}, "description": "JSON"}}


@router.get("/agencies", summary="Agencies in the registry", responses=JSON)
async def list_agencies_route(request: Request, limit: Limit = 100, offset: Offset = 0
                              ) -> Response:
    """Every agency with state, level, flags and its number of findings in the latest run."""
    return await cached_json(request, ("agencies", limit, offset),
                             lambda s: data.page(data.agencies(s), limit, offset))


@router.get("/agencies/{agency_id}", summary="One agency", responses=JSON)
async def agency_route(request: Request, agency_id: str) -> Response:
    """An agency with its files, sharing partners and findings by severity."""
    return await cached_json(request, ("agency", agency_id), lambda s: data.agency(s, agency_id))


@router.get("/findings", summary="Audit findings", responses=JSON)
async def findings_route(
    request: Request,
    agency: AgencyQ = None,
    rule: Annotated[str | None, Query(description="Rule id or family, e.g. sharing or "
                                      "sharing.out_of_state.")] = None,
    severity: Annotated[str | None, Query(description="high, medium, low, review or info.")]
    = None,
    since: DateQ = None,
    until: DateQ = None,
    run: Annotated[str | None, Query(description="Audit run id (default: the latest).")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Findings of the latest audit run (or ``run``), pseudonymised, in report order."""
    def compute(s: Any) -> dict[str, Any]:
        rows = data.findings(s, run_id=run, agency=agency, rule=rule, severity=severity,
                             since=since, until=until)
        return data.page([f.to_record() for f in rows], limit, offset)

    return await cached_json(
        request, ("findings", run, agency, rule, severity, since, until, limit, offset), compute)


@router.get("/findings/{finding_id}", summary="One finding with its evidence", responses=JSON)
async def finding_route(
    request: Request, finding_id: str,
    evidence: Annotated[int, Query(ge=0, le=1000, description="Evidence rows to include.")] = 200,
) -> Response:
    """A finding, its citation, and its evidence rows with provenance (file, sha256, place)."""
    return await cached_json(request, ("finding", finding_id, evidence),
                             lambda s: data.finding(s, finding_id, limit=evidence))


@router.get("/reports", summary="Named reports")
async def reports_route() -> dict[str, Any]:
    """Name, title and description of every report (``alpr-audit report --list``)."""
    rows = list_reports()
    for r in rows:
        r["public"] = r["name"] not in data.FREE_TEXT_REPORTS
    return {"total": len(rows), "items": rows}


def _report(name: str) -> Any:
    try:
        return get_report(name)
    except UsageError as exc:
        raise data.NotFound(exc.message, hint=exc.hint) from None


@router.get("/reports/{name}", summary="Run a named report", responses=JSON)
async def report_route(
    request: Request, name: str, agency: AgencyQ = None, since: DateQ = None,
    until: DateQ = None,
    log_kind: Annotated[str | None, Query(description="org_audit, network_audit, portal_audit …")]
    = None,
    limit: Limit = 1000, offset: Offset = 0,
) -> Response:
    """Rows of report ``name`` with the CLI's filters (``alpr-audit report NAME``)."""
    report = _report(name)
    if name in data.FREE_TEXT_REPORTS:
        raise data.Forbidden(f"report {name!r} quotes text users typed; it is for operators",
                             hint="operators: GET /api/operator/reports/" + name)

    def compute(s: Any) -> dict[str, Any]:
        rows = run_report(s, name, agency=agency, since=since, until=until, log_kind=log_kind)
        out = data.page(rows, limit, offset)
        out.update(name=report.name, title=report.title, description=report.description)
        return out

    return await cached_json(request, ("report", name, agency, since, until, log_kind, limit,
                                       offset), compute)


@router.get("/requests", summary="Tracked records requests", responses=JSON)
async def requests_route(
    request: Request, agency: AgencyQ = None,
    status: Annotated[str | None, Query(description="Request status.")] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> Response:
    """Records requests with their dates, deadlines and status."""
    return await cached_json(
        request, ("requests", agency, status, limit, offset),
        lambda s: data.page(data.requests(s, agency=agency, status=status), limit, offset))


@router.get("/requests/{request_id}", summary="One records request", responses=JSON)
async def request_route(request: Request, request_id: str) -> Response:
    """A request with its numbered items and the dates and kinds of its messages."""
    return await cached_json(request, ("request", request_id),
                             lambda s: data.request(s, request_id))


@router.get("/sources", summary="Ingested files (the ledger)", responses=JSON)
async def sources_route(request: Request, limit: Limit = 100, offset: Offset = 0) -> Response:
    """Every ingested file: name, sha256, format, publisher and row accounting."""
    return await cached_json(request, ("sources", limit, offset),
                             lambda s: data.page(data.sources(s), limit, offset))
