"""The demo builds the portal and says where to open it."""

from __future__ import annotations

from pathlib import Path


def test_demo_builds_the_portal_and_prints_its_address(cli, tmp_path: Path) -> None:  # noqa: ANN001
    res = cli("--store", tmp_path / "store", "demo", "--out", tmp_path / "audit")
    assert res.code == 0, res.stderr
    index = tmp_path / "audit" / "portal" / "index.html"
    assert index.as_uri() in res.stdout.replace("\n", "")
    pages = sorted((tmp_path / "audit" / "portal" / "agencies").glob("*.html"))
    assert len(pages) == 2  # the two agencies of the demo world
    text = pages[0].read_text(encoding="utf-8")
    assert "Who gets this agency's data" in text and "Problems found" in text
    # the published site carries none of the store's plates, names, e-mails or user ids
    leaks = cli("--store", tmp_path / "store", "--json", "doctor", "--leaks",
                tmp_path / "audit" / "portal")
    assert leaks.code == 0 and leaks.json()["leaks"] == [], leaks.stdout
