"""Web security: headers on every response, read-only public mode, operator token auth,
path traversal, body size limit, rate limit, CSRF and the Host check."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from webkit import AUTH, TOKEN, make_client

from alpr_audit.core.errors import UsageError
from alpr_audit.web import security
from alpr_audit.web.config import WebConfig, load_token

EXPECTED_HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def check_headers(r) -> None:  # noqa: ANN001
    for name, value in EXPECTED_HEADERS.items():
        assert value in r.headers.get(name, ""), (r.request.url, name, r.headers.get(name))
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/findings"), ("GET", "/api/nothing"), ("GET", "/openapi.json"),
    ("GET", "/api/findings?limit=-1"), ("POST", "/api/findings"), ("GET", "/"),
    ("GET", "/static/..%2f..%2fetc%2fpasswd"), ("HEAD", "/api/agencies"),
])
def test_security_headers_on_every_response(public: TestClient, method: str, path: str) -> None:
    check_headers(public.request(method, path))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/findings", "/api/agencies/x", "/api/operator/ingest", "/"])
def test_public_mode_refuses_every_write(public: TestClient, method: str, path: str) -> None:
    r = public.request(method, path, content=b"x", headers={"content-type": "text/plain"})
    assert r.status_code == 405 and r.json()["error"]["kind"] == "read_only"


def test_operator_routes_are_off_without_a_token(public: TestClient) -> None:
    assert public.get("/api/operator/reports/searches-by-month", headers=AUTH).status_code == 404


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"Authorization": "Bearer wrong-token-wrong-token-123"}, 401),
    ({"Authorization": f"Bearer {TOKEN}x"}, 401),
    ({"Authorization": f"Basic {TOKEN}"}, 401),
    ({"Authorization": f"bearer {TOKEN}"}, 200),
    (AUTH, 200),
])
def test_operator_token(operator: TestClient, headers: dict, status: int) -> None:
    r = operator.get("/api/operator/reports/searches-by-month", headers=headers)
    assert r.status_code == status, r.text
    if status == 401:
        assert r.json()["error"]["kind"] == "unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"
        assert TOKEN not in r.text


def test_token_is_compared_in_constant_time(operator: TestClient, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    real = security.hmac.compare_digest

    def spy(a, b):  # noqa: ANN001, ANN202
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    assert operator.get("/api/operator/reports/searches-by-month",
                        headers={"Authorization": "Bearer nope"}).status_code == 401
    assert calls and calls[-1][1] == TOKEN.encode()


def test_token_loading(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("ALPR_AUDIT_TOKEN", raising=False)
    assert load_token() is None
    monkeypatch.setenv("ALPR_AUDIT_TOKEN", "short")
    with pytest.raises(UsageError):
        load_token()
    f = tmp_path / "token"
    f.write_text(TOKEN + "\n")
    f.chmod(0o644)
    with pytest.raises(UsageError, match="readable by other users"):
        load_token(f)
    f.chmod(0o600)
    assert load_token(f) == TOKEN
    assert TOKEN not in repr(WebConfig(store_path=tmp_path, token=TOKEN))


@pytest.mark.parametrize("path", [
    # (a plain "/static/../x" is resolved by the HTTP client before it is sent)
    "/static/..%2f..%2fpyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%252f..%252fpyproject.toml",
    "/static/%252e%252e%252fpyproject.toml", "/static/..\\..\\pyproject.toml",
    "/static/%2e%2e%5c%2e%2e%5cpyproject.toml", "/api/..%2f..%2fetc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd", "/static/%00../x",
])
def test_path_traversal_is_refused(public: TestClient, path: str) -> None:
    r = public.get(path)
    assert r.status_code == 400, r.status_code
    assert "[project]" not in r.text and "root:" not in r.text
    assert r.json()["error"]["kind"] == "path"


@pytest.mark.parametrize("raw", ["/a/../b", "/a/%2e%2e/b", "/a/%252e%252e/b", "/a%2f..%2fb",
                                 "/a\\b", "/a/%25252e%25252e/b"])
def test_traversal_detector(raw: str) -> None:
    assert security.is_traversal(raw)


@pytest.mark.parametrize("raw", ["/api/findings", "/static/app.css", "/a/..b/c", "/a/b..",
                                 "/api/findings?since=2025-01-01"])
def test_traversal_detector_lets_plain_paths_through(raw: str) -> None:
    assert not security.is_traversal(raw)


def test_body_over_the_limit_is_413(world_store) -> None:  # noqa: ANN001
    with make_client(world_store, token=TOKEN, max_body_bytes=1000) as client:
        r = client.post("/api/operator/ingest", params={"filename": "x.csv"},
                        content=b"a" * 5000, headers=AUTH)
        assert r.status_code == 413 and r.json()["error"]["kind"] == "too_large"

        def chunks():  # noqa: ANN202 - no Content-Length: counted while it arrives
            for _ in range(10):
                yield b"b" * 500

        r = client.post("/api/operator/ingest", params={"filename": "x.csv"},
                        content=chunks(), headers=AUTH)
        assert r.status_code == 413


def test_rate_limit_is_429(world_store) -> None:  # noqa: ANN001
    with make_client(world_store, rate_per_second=0.001, rate_burst=5) as client:
        codes = [client.get("/api/reports").status_code for _ in range(8)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3


def test_rate_limiter_refills() -> None:
    limiter = security.RateLimiter(rate=1000, burst=2)
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")  # per client
    import time

    time.sleep(0.01)
    assert limiter.allow("a")


def test_host_header_check_on_loopback(world_store) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient as TC

    from alpr_audit.web.app import create_app

    app = create_app(WebConfig(store_path=world_store, host="127.0.0.1"))
    with TC(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/api/reports").status_code == 200
        assert client.get("/api/reports", headers={"host": "localhost:8000"}).status_code == 200
        r = client.get("/api/reports", headers={"host": "evil.example:8000"})
        assert r.status_code == 400 and r.json()["error"]["kind"] == "host"


def test_csrf_double_submit(world_store) -> None:  # noqa: ANN001
    """A form (cookie-borne, no bearer token) that changes state needs the cookie's token."""
    with make_client(world_store, token=TOKEN) as client:
        url = "/api/operator/plate-searched"
        form = {"content-type": "application/x-www-form-urlencoded"}
        r = client.post(url, content=b"plate=7ABC123", headers=form)
        assert r.status_code == 403 and r.json()["error"]["kind"] == "csrf"
        client.cookies.set(security.CSRF_COOKIE, "c" * 43)
        r = client.post(url, content=b"plate=7ABC123&csrf_token=" + b"d" * 43, headers=form)
        assert r.json()["error"]["kind"] == "csrf"
        # the right token passes CSRF; the route then wants the operator token (not a cookie)
        r = client.post(url, content=b"plate=7ABC123&csrf_token=" + b"c" * 43, headers=form)
        assert r.status_code == 401
        r = client.post(url, json={"plate": "7ABC123"},
                        headers={security.CSRF_HEADER: "c" * 43})
        assert r.status_code == 401
        client.cookies.clear()
        # an API call with the bearer token needs no CSRF token
        assert client.post(url, json={"plate": "7ABC123"}, headers=AUTH).status_code == 200


def test_static_files_are_served_with_the_headers(public: TestClient) -> None:
    from alpr_audit.web import pages

    css = sorted(p.name for p in pages.STATIC_DIR.glob("*.css"))
    if not css:
        pytest.skip("the pages ship no stylesheet")
    r = public.get(f"/static/{css[0]}")
    assert r.status_code == 200 and "text/css" in r.headers["content-type"]
    check_headers(r)
    # the same file reached by climbing out and back in is refused, not served
    r = public.get(f"/static/..%2fstatic%2f{css[0]}")
    assert r.status_code == 400


def test_html_errors_for_browsers_json_for_the_api(public: TestClient) -> None:
    html = public.get("/agencies/no-such-agency", headers={"accept": "text/html"})
    assert html.status_code == 404
    check_headers(html)
    api = public.get("/api/agencies/no-such-agency", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]["kind"] == "not_found"
