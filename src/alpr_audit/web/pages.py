"""The HTML pages of the web app: the portal's templates rendered live from the store.

Public and pseudonymised like the static portal (the same data code and templates), plus
what only a live app can offer: a findings browser with filters, each finding's evidence with
its provenance, and records-request tracking. Charts are separate SVG routes shown with
``<img>``, so pages carry no inline style or script (the app's Content-Security-Policy).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from alpr_audit.outputs.portal import charts as ch
from alpr_audit.outputs.portal.build import agency_context, static_dir
from alpr_audit.outputs.portal.data import gather
from alpr_audit.outputs.portal.render import Links, render
from alpr_audit.web import api_data
from alpr_audit.web.deps import cached, open_store

router = APIRouter(include_in_schema=False)
#: Served under /static by the app (helper B's ``create_app`` mounts it).
STATIC_DIR = static_dir()
LINKS = Links(live=True)
#: Findings one findings page lists (the filters narrow a large audit down to them).
LIST_LIVE = 500


def _html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render(template, LINKS, **context), status_code=status)


def _data(request: Request) -> dict[str, Any]:
    """The portal's figures for every agency, computed once per committed store state."""
    return cached(request, ("pages.gather",), lambda store: gather(store))


def _page(request: Request, agency_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = _data(request)
    for page in data["agencies"]:
        if page["agency_id"] == agency_id:
            return data, page
    raise api_data.NotFound(f"no agency page {agency_id!r}",
                            hint="the agencies with records are listed on the front page")


def error_page(request: Request, status: int, error: dict[str, Any]) -> HTMLResponse:
    """The app's errors as a page, for a browser (called by the app's error handlers)."""
    return _html("error.html", status=status, status_code=status, error=error)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    data = _data(request)
    return _html("index.html", agencies=data["agencies"], run=data["run"],
                 generated_on=data["generated_on"])


@router.get("/agencies/{agency_id}", response_class=HTMLResponse)
def agency(request: Request, agency_id: str) -> HTMLResponse:
    data, page = _page(request, agency_id)
    return _html("agency.html", **agency_context(data, page, render_charts=False))


@router.get("/charts/{name}.svg")
def chart(request: Request, name: str) -> Response:
    agency_id, _, key = name.rpartition("-")
    makers = {"trend": ch.trend, "purposes": ch.purposes}
    if key not in makers:
        raise api_data.NotFound(f"no chart {name!r}")
    _, page = _page(request, agency_id)
    svg = cached(request, ("pages.chart", agency_id, key),
                 lambda store: makers[key](page).svg)
    if svg is None:
        raise api_data.NotFound(f"no data for chart {name!r}")
    return Response(svg, media_type="image/svg+xml")


@router.get("/findings", response_class=HTMLResponse)
def findings(request: Request, agency: str | None = Query(None), rule: str | None = Query(None),
             severity: str | None = Query(None), since: str | None = Query(None),
             until: str | None = Query(None)) -> HTMLResponse:
    filters = {"agency": agency or None, "rule": rule or None, "severity": severity or None,
               "since": since or None, "until": until or None}
    with open_store(request) as store:
        rows = api_data.findings(store, **filters)
    data = _data(request)
    everything = [f for p in data["agencies"] for f in p["findings"]]
    # a page of the most serious matches; the filters narrow the rest down
    return _html("findings.html", findings=rows[:LIST_LIVE], total=len(rows),
                 all_count=len(everything), run=data["run"],
                 filters=filters, generated_on=data["generated_on"],
                 agency_options=[{"agency_id": p["agency_id"], "name": p["name"]}
                                 for p in data["agencies"]],
                 rule_options=sorted({f.rule_id for f in everything}))


@router.get("/findings/{finding_id}", response_class=HTMLResponse)
def finding(request: Request, finding_id: str) -> HTMLResponse:
    with open_store(request) as store:
        f = api_data.finding(store, finding_id)
    return _html("finding.html", f=f)


@router.get("/requests", response_class=HTMLResponse)
def requests_page(request: Request) -> HTMLResponse:
    from alpr_audit.requests.tracking import list_requests

    with open_store(request) as store:
        rows = list_requests(store)
    return _html("requests.html", rows=rows)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: str) -> HTMLResponse:
    from alpr_audit.requests.deadlines import overdue

    with open_store(request) as store:
        r = api_data.request(store, request_id)
    r["overdue"] = bool(overdue([r], dt.date.today()))
    return _html("request.html", r=r)
