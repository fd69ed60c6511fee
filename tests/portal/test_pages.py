"""The live pages (web/pages.py) over the small store, without a browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import smallworld
from smallworld import EVIL, PLATE, USER

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from fastapi.testclient import TestClient

    from alpr_audit.web.app import create_app
    from alpr_audit.web.config import WebConfig

    root = tmp_path_factory.mktemp("pages")
    smallworld.build(root / "store").close()
    with TestClient(create_app(WebConfig(store_path=Path(root / "store"))),
                    base_url="http://127.0.0.1") as c:
        yield c


def test_pages_render_escaped_and_without_personal_values(client) -> None:  # noqa: ANN001
    for url in ("/", "/agencies/mapleton-ca-pd", "/findings", "/requests"):
        r = client.get(url, headers=HTML)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), url
        assert "<script" not in r.text and " style=" not in r.text
        assert USER not in r.text and PLATE not in r.text
    assert "&lt;script&gt;" in client.get("/").text and EVIL not in client.get("/").text


def test_charts_are_svg_routes(client) -> None:  # noqa: ANN001
    page = client.get("/agencies/mapleton-ca-pd").text
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert srcs == ["/charts/mapleton-ca-pd-purposes.svg", "/charts/mapleton-ca-pd-trend.svg"]
    for src in srcs:
        r = client.get(src)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        assert r.text.startswith("<svg")
    assert client.get("/charts/mapleton-ca-pd-pie.svg", headers=HTML).status_code == 404


def test_findings_filters_narrow_the_list(client) -> None:  # noqa: ANN001
    def rows(query: str) -> list[str]:
        text = client.get("/findings" + query).text
        if "<tbody>" not in text:
            assert "No finding matches." in text
            return []
        return re.findall(r'<span class="sev sev-(\w+)">', text.split("<tbody>", 1)[1])

    every = rows("")
    high = rows("?severity=high")
    assert set(high) == {"high"} and 0 < len(high) < len(every)
    # by family prefix: out of state and federal (high), inbound sharing (info)
    assert sorted(rows("?rule=sharing")) == ["high", "high", "info"]
    assert rows("?agency=mapleton-ca-pd&since=2030-01-01") == []


def test_finding_page_shows_evidence_with_provenance(client) -> None:  # noqa: ANN001
    text = client.get("/findings?rule=purpose.immigration").text
    fid = re.search(r'href="/findings/([^"]+)"', text).group(1)
    page = client.get(f"/findings/{fid}").text
    assert "Gov. Code §7284.6" in page
    evidence = page.split('<table class="evidence">', 1)[1]
    assert evidence.count("<tr><td>") == 3 and ".csv" in evidence and "row " in evidence
    assert USER not in page and PLATE not in page


def test_errors_are_pages_for_browsers_and_json_for_scripts(client) -> None:  # noqa: ANN001
    r = client.get("/agencies/nope", headers=HTML)
    assert r.status_code == 404 and "<h1>Not found</h1>" in r.text
    assert client.get("/agencies/nope").json()["error"]["kind"] == "not_found"
    r = client.get("/findings?since=soon", headers=HTML)
    assert r.status_code == 400 and "is not a date" in r.text


def test_request_tracking_pages(tmp_path: Path) -> None:
    """A real request thread imported, then listed and shown with items and deadlines."""
    from fastapi.testclient import TestClient

    from alpr_audit.requests.tracking import import_request
    from alpr_audit.store import Store
    from alpr_audit.web.app import create_app
    from alpr_audit.web.config import WebConfig
    from fixturekit import FIXTURES

    thread = FIXTURES / "requests" / "muckrock_lapd-25-2170_alpr-audits.txt"
    if not thread.exists():
        pytest.skip("shared fixture requests/muckrock_lapd-25-2170_alpr-audits.txt not present")
    with Store.open(tmp_path / "store") as store:
        req = import_request(store, thread)
    with TestClient(create_app(WebConfig(store_path=tmp_path / "store")),
                    base_url="http://127.0.0.1") as c:
        listing = c.get("/requests").text
        assert f'href="/requests/{req.request_id}"' in listing
        page = c.get(f"/requests/{req.request_id}").text
        assert "Response due" in page and "What was asked" in page
        assert len(re.findall(r'<tr><th scope="row">', page)) == len(req.items) > 0
