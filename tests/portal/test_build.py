"""The built site: self-contained, small, escaped, pseudonymised, atomic."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import smallworld
from smallworld import PLATE, USER

from alpr_audit.core.errors import UsageError
from alpr_audit.outputs.portal import build as build_mod
from alpr_audit.outputs.portal.build import MARKER, build_portal

MAX_PAGE = 500_000
_LINK = re.compile(r'(?:href|src)="([^"]+)"')


@pytest.fixture(scope="module")
def site(small_store, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("site") / "portal"
    build_portal(small_store, out)
    return out


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_agency_has_a_page_under_the_size_limit(site: Path) -> None:
    names = {p.relative_to(site).as_posix() for p in _pages(site)}
    assert {"index.html", "findings.html", "agencies/mapleton-ca-pd.html"} <= names
    assert len([n for n in names if n.startswith("agencies/")]) == 2
    for page in _pages(site):
        assert page.stat().st_size < MAX_PAGE, page


def test_nothing_is_loaded_from_the_network_and_every_link_resolves(site: Path) -> None:
    for page in [*_pages(site), *site.rglob("*.css")]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', text), page
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//|@import", text), page
        if page.suffix != ".html":
            continue
        assert "<script" not in text and " style=" not in text and " onclick" not in text
        for link in _LINK.findall(text):
            target = unquote(link.split("#")[0])
            if target:  # relative, so the site works from file:// and any folder of any host
                assert not target.startswith("/"), (page, link)
                assert (page.parent / target).resolve().exists(), (page, link)


def test_markup_in_names_and_reasons_is_escaped(site: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in _pages(site))
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Evil CA PD" in text
    svg = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.svg"))
    assert "<script" not in svg


def test_no_user_id_or_plate_is_published(site: Path) -> None:
    for f in site.rglob("*"):
        if f.is_file():
            text = f.read_text(encoding="utf-8").lower()
            for value in (USER, PLATE, "evil-user", "9xyz999"):
                assert value.lower() not in text, (f, value)


def test_agency_page_says_what_a_council_member_needs(site: Path) -> None:
    text = (site / "agencies" / "mapleton-ca-pd.html").read_text(encoding="utf-8")
    for heading in ("Who gets this agency's data", "What searches were for", "Problems found",
                    "Does its published policy cover what the law requires?",
                    "Where these figures come from"):
        assert heading in text
    assert "including 2 out of state, 1 federal" in text
    assert "Cameras: 10 → 12" in text  # what changed between the portal captures
    assert 'role="img"' in text and "Sharing network of Mapleton CA PD" in text
    assert (site / "charts" / "mapleton-ca-pd-trend.svg").read_text().startswith("<svg")


def test_cli_json_describes_what_was_written(cli, tmp_path: Path) -> None:  # noqa: ANN001
    smallworld.build(tmp_path / "store").close()  # the CLI opens the store itself
    out = tmp_path / "site"
    res = cli("--store", tmp_path / "store", "--json", "portal", "build", "--out", out,
              "--agency", "Mapleton CA PD")
    assert res.code == 0, res.stderr
    data = res.json()
    assert data["agencies"] == 1 and data["url"] == (out / "index.html").as_uri()
    assert sorted(data["pages"]) == sorted(str(p) for p in _pages(out))
    assert data["largest_page_bytes"] == max(p.stat().st_size for p in _pages(out))


def test_rebuild_replaces_and_a_failed_build_keeps_the_old_site(small_store, tmp_path: Path,  # noqa: ANN001
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    build_portal(small_store, out)
    (out / "stale.html").write_text("old")
    build_portal(small_store, out)
    assert not (out / "stale.html").exists() and (out / MARKER).exists()
    before = (out / "index.html").read_bytes()

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_mod, "_write", broken)
    with pytest.raises(RuntimeError):
        build_portal(small_store, out)
    assert (out / "index.html").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temp folder left behind


def test_a_folder_that_is_not_a_portal_is_never_replaced(small_store, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a portal"):
        build_portal(small_store, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_empty_store_builds_a_site_that_says_what_to_do(store, tmp_path: Path) -> None:  # noqa: ANN001
    result = build_portal(store, tmp_path / "site")
    assert result.agencies == 0 and result.findings == 0
    text = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "No agency's records are in the store yet" in text
    assert "No audit has been run yet" in (tmp_path / "site" / "findings.html").read_text()
