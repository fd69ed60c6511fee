"""``alpr-audit serve`` in chromium: the same pages live, the findings filters, evidence with
provenance, request tracking; nothing leaves localhost and the strict CSP raises no error."""

from __future__ import annotations

import pytest
from a11y import check

from conftest import Watched

LOCAL = ("http://127.0.0.1:",)


@pytest.fixture
def watched(browser, live: str) -> Watched:  # noqa: ANN001
    w = Watched(browser, (live,))
    yield w
    w.close()


def test_live_pages_render_under_the_csp_and_stay_local(live: str, watched: Watched) -> None:
    page = watched.page
    page.goto(live + "/")
    assert page.locator("table.compare tbody tr").count() == 2
    check(page)
    watched.shot("live-index")
    page.get_by_role("link", name="Mapleton CA PD").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url == live + "/agencies/mapleton-ca-pd"
    facts = check(page)  # the chart images loaded from their routes
    assert facts["imgs_not_loaded"] == []
    watched.shot("live-agency")
    page.get_by_role("link", name="Records requests").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Records requests"
    assert watched.errors == []  # a CSP violation would be a console error
    assert watched.outside((live,)) == [] and watched.requests


def test_findings_filters_and_evidence(live: str, watched: Watched) -> None:
    page = watched.page
    page.goto(live + "/findings")
    every = page.locator("table.findings tbody tr").count()
    assert every > 0
    page.select_option("select[name=severity]", "high")
    page.select_option("select[name=agency]", "mapleton-ca-pd")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "severity=high" in page.url and "agency=mapleton-ca-pd" in page.url
    rows = page.locator("table.findings tbody tr")
    assert 0 < rows.count() < every
    assert set(page.locator("table.findings tbody .sev").all_inner_texts()) == {"High"}
    assert page.locator("select[name=severity]").input_value() == "high"  # the form remembers
    check(page)
    watched.shot("live-findings-filtered")
    page.locator("table.findings tbody tr a[href^=\"/findings/\"]").first.click()
    page.wait_for_load_state()
    assert "/findings/" in page.url
    # provenance: the file, the place in it and the file's hash (test sources use their id)
    cells = page.locator("table.evidence tbody tr").first.locator("td").all_inner_texts()
    assert cells[3].endswith(".csv") and cells[4].startswith("row ") and cells[5].strip()
    check(page)
    page.goto(live + "/findings?since=not-a-date")
    assert page.locator("h1").inner_text() == "Something went wrong"
    assert watched.outside((live,)) == []
