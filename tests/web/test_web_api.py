"""The public JSON API: shapes, filters, paging, OpenAPI, and the error shape everywhere."""

from __future__ import annotations

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from alpr_audit.reports.registry import REPORTS, run_report
from alpr_audit.store import Store
from alpr_audit.web import api, api_operator
from alpr_audit.web.api_data import FREE_TEXT_REPORTS

ERROR_KEYS = {"kind", "message", "path", "locator", "hint"}


def assert_error(r, status: int, kind: str | None = None) -> dict:  # noqa: ANN001
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS, body
    if kind:
        assert body["error"]["kind"] == kind, body
    return body["error"]


def test_openapi_lists_every_api_route(operator: TestClient) -> None:
    paths = operator.get("/openapi.json").json()["paths"]
    routes = {r.path for router in (api.router, api_operator.router)
              for r in router.routes if isinstance(r, APIRoute)}
    assert routes and routes <= set(paths), routes - set(paths)
    for path in routes:
        for op in paths[path].values():
            assert op.get("summary"), path


def test_public_openapi_has_no_operator_routes(public: TestClient) -> None:
    paths = public.get("/openapi.json").json()["paths"]
    assert "/api/findings" in paths
    assert not [p for p in paths if p.startswith("/api/operator")]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_no_page_loading_swagger_from_a_cdn(public: TestClient, path: str) -> None:
    r = public.get(path)
    assert "cdn" not in r.text.lower()
    assert r.status_code == 404


@pytest.mark.parametrize("path", ["/api/agencies", "/api/findings", "/api/sources",
                                  "/api/requests"])
def test_lists_page_with_total(public: TestClient, path: str) -> None:
    first = public.get(path, params={"limit": 2}).json()
    assert set(first) >= {"total", "limit", "offset", "items"}
    assert len(first["items"]) == min(2, first["total"])
    if first["total"] > 2:
        second = public.get(path, params={"limit": 2, "offset": 1}).json()
        assert second["items"][0] == first["items"][1]


def test_findings_filters(public: TestClient, world_store) -> None:  # noqa: ANN001
    every = public.get("/api/findings", params={"limit": 1000}).json()["items"]
    assert {f["severity"] for f in every} >= {"high"}
    high = public.get("/api/findings", params={"severity": "high", "limit": 1000}).json()
    assert high["total"] == sum(f["severity"] == "high" for f in every) > 0
    fam = public.get("/api/findings", params={"rule": "sharing", "limit": 1000}).json()["items"]
    assert fam and all(f["rule_id"].startswith("sharing.") for f in fam)
    agency = every[0]["agency_id"]
    mine = public.get("/api/findings", params={"agency": agency, "limit": 1000}).json()
    assert mine["total"] == sum(f["agency_id"] == agency for f in every)
    dated = [f for f in every if f["first_at"]]
    cut = sorted(f["last_at"] for f in dated)[len(dated) // 2][:10]
    late = public.get("/api/findings", params={"since": cut, "limit": 1000}).json()["items"]
    assert 0 < len(late) < len(every)
    assert all(f["last_at"] is None or f["last_at"][:10] >= cut for f in late)


def test_finding_has_evidence_with_provenance(public: TestClient) -> None:
    f = public.get("/api/findings", params={"rule": "purpose", "limit": 1}).json()["items"][0]
    one = public.get(f"/api/findings/{f['finding_id']}").json()
    assert one["finding_id"] == f["finding_id"] and one["citation"]
    assert one["evidence_total"] == f["evidence_count"] > 0
    e = one["evidence"][0]
    assert e["source_id"] and e["locator"] and len(e["sha256"]) == 64 and e["file"]
    assert "/" not in e["file"]  # a file name, not the server's path


def test_agency_detail(public: TestClient) -> None:
    agencies = public.get("/api/agencies", params={"limit": 1000}).json()["items"]
    busiest = max(agencies, key=lambda a: a["findings"])
    one = public.get(f"/api/agencies/{busiest['agency_id']}").json()
    assert one["name"] == busiest["name"]
    assert sum(one["findings_by_severity"].values()) == busiest["findings"]
    assert one["sources"]["files"] > 0 and one["sharing"]


@pytest.mark.parametrize("name", sorted(set(REPORTS) - FREE_TEXT_REPORTS))
def test_report_equals_the_library(public: TestClient, world_store, name: str) -> None:  # noqa: ANN001
    body = public.get(f"/api/reports/{name}", params={"until": "2025-06-30"}).json()
    with Store.open(world_store, read_only=True) as store:
        rows = run_report(store, name, until="2025-06-30")
    assert rows and body["total"] == len(rows)
    assert body["items"] == jsonable_encoder(rows)[:body["limit"]]


def test_free_text_report_is_for_operators(public: TestClient, operator) -> None:  # noqa: ANN001
    from webkit import AUTH

    assert_error(public.get("/api/reports/searches-by-reason"), 403, "forbidden")
    r = operator.get("/api/operator/reports/searches-by-reason", headers=AUTH)
    assert r.status_code == 200 and r.json()["total"] > 0


def test_requests(public: TestClient) -> None:
    from webkit import REQUEST_FIXTURE

    if not REQUEST_FIXTURE.exists():
        pytest.skip("shared fixture requests/ not present")
    items = public.get("/api/requests").json()["items"]
    assert items
    one = public.get(f"/api/requests/{items[0]['request_id']}").json()
    assert one["items"] and one["communications"]
    assert all("text" not in c for c in one["communications"])


def test_sources_name_files_not_paths(public: TestClient) -> None:
    rows = public.get("/api/sources", params={"limit": 1000}).json()["items"]
    assert rows and all("path" not in r and "/" not in r["file"] for r in rows)
    assert all(r["rows_read"] == r["rows_loaded"] + r["rows_rejected"] + r["rows_duplicate"]
               for r in rows)


@pytest.mark.parametrize(("path", "status", "kind"), [
    ("/api/nothing-here", 404, "not_found"),
    ("/nothing/here", 404, "not_found"),
    ("/api/agencies/no-such-agency", 404, "not_found"),
    ("/api/findings/0000000000000000", 404, "not_found"),
    ("/api/requests/no-such-request", 404, "not_found"),
    ("/api/reports/no-such-report", 404, "not_found"),
    ("/api/findings?since=yesterday", 400, "validation"),
    ("/api/findings?limit=0", 400, "validation"),
    ("/api/findings?limit=abc", 400, "validation"),
    ("/api/findings?agency=Nowhere%20PD", 400, "usage"),
    ("/api/findings?run=no-such-run", 404, "not_found"),
    ("/api/reports/searches-by-month?since=2025-13-01", 400, "usage"),
])
def test_errors_have_the_contract_shape(public: TestClient, path: str, status: int,
                                        kind: str) -> None:
    err = assert_error(public.get(path), status, kind)
    assert err["message"] and "Traceback" not in err["message"]


def test_missing_store_is_a_503_without_the_path(tmp_path) -> None:  # noqa: ANN001
    from webkit import make_client

    with make_client(tmp_path / "nowhere") as client:
        err = assert_error(client.get("/api/agencies"), 503, "store")
    assert str(tmp_path) not in err["message"]
