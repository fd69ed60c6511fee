"""The built portal in chromium over file://: renders, stays offline, navigates, accessible."""

from __future__ import annotations

from pathlib import Path

import pytest
from a11y import check
from smallworld import EVIL

from conftest import Watched

FILE = ("file://",)


@pytest.fixture
def watched(browser) -> Watched:  # noqa: ANN001
    w = Watched(browser, FILE)
    yield w
    w.close()


def test_index_and_agency_pages_render_offline_and_accessibly(world, watched: Watched) -> None:  # noqa: ANN001
    page = watched.page
    page.goto((world["site"] / "index.html").as_uri())
    assert page.locator("h1").inner_text().startswith("License plate readers")
    rows = page.locator("table.compare tbody tr")
    assert rows.count() == 2
    check(page)
    watched.shot("portal-index")
    page.get_by_role("link", name="Mapleton CA PD").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/agencies/mapleton-ca-pd.html")
    assert page.locator("h1").inner_text() == "Mapleton CA PD"
    assert page.get_by_role("heading", name="Who gets this agency's data").is_visible()
    flagged = page.locator("tr.flagged th")
    assert flagged.all_inner_texts()[:2] == ["Reno NV PD", "US Department of Homeland Security"]
    check(page)
    watched.shot("portal-agency")
    page.get_by_role("link", name="Problems found").first.click()
    page.wait_for_load_state()
    assert page.locator("table.findings tbody tr").count() > 0
    check(page)
    assert watched.errors == []
    assert watched.outside(FILE) == []
    assert all(u.startswith("file://") for u in watched.requests) and watched.requests


def test_markup_in_an_agency_name_is_shown_as_text(world, watched: Watched) -> None:  # noqa: ANN001
    page = watched.page
    page.goto((world["site"] / "index.html").as_uri())
    link = page.get_by_role("link", name=EVIL)
    assert link.inner_text() == EVIL  # shown literally, never run
    link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == EVIL
    assert watched.errors == [] and page.evaluate("document.scripts.length") == 0


def test_screenshots_are_saved(world, watched: Watched) -> None:  # noqa: ANN001
    watched.page.goto((world["site"] / "agencies" / "mapleton-ca-pd.html").as_uri())
    path: Path = watched.shot("portal-agency-again")
    assert path.stat().st_size > 10_000
