"""No public response carries a raw user id, plate, person's name or e-mail (invariant 7):
every API route and every page linked from the home page is fetched and scanned for the
personal values the store holds."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from alpr_audit.reports.registry import REPORTS
from alpr_audit.store import Store
from alpr_audit.web.api_data import FREE_TEXT_REPORTS


def personal_values(store_path: Path) -> set[str]:
    """Distinctive personal values in the store: user ids, names, e-mails, plates."""
    with Store.open(store_path, read_only=True) as store:
        rows = store.con.execute("""
            SELECT user_ref FROM searches UNION SELECT plate_query FROM searches
            UNION SELECT user_ref FROM users UNION SELECT display_name FROM users
            UNION SELECT email FROM users UNION SELECT user_ref FROM hotlist_events
            UNION SELECT plate_query FROM hotlist_events""").fetchall()
    # short or common values ("admin", "1") would match ordinary words and numbers
    return {v for (v,) in rows if v and len(v.strip()) >= 6 and "*" not in v}


def crawl(client: TestClient) -> dict[str, str]:
    """Every public API response (all pages of every list, every detail) and every page
    reachable from the home page, by URL."""
    seen: dict[str, str] = {}

    def get(url: str) -> str:
        if url not in seen:
            r = client.get(url)
            seen[url] = r.text
        return seen[url]

    import json

    for lst in ("/api/agencies", "/api/findings", "/api/sources", "/api/requests"):
        body = json.loads(get(f"{lst}?limit=1000"))
        for item in body["items"]:
            key = {"/api/agencies": "agency_id", "/api/findings": "finding_id",
                   "/api/requests": "request_id"}.get(lst)
            if key:
                get(f"{lst}/{item[key]}?evidence=1000" if key == "finding_id"
                    else f"{lst}/{item[key]}")
    for name in set(REPORTS) - FREE_TEXT_REPORTS:
        get(f"/api/reports/{name}")
    home = client.get("/")
    if home.status_code == 200:
        todo = ["/"]
        while todo and len(seen) < 400:
            url = todo.pop()
            text = get(url)
            for href in re.findall(r'href="(/[^"#]*)"', text):
                if href not in seen and not href.startswith(("/static/", "/api/operator")):
                    todo.append(href.replace("&amp;", "&"))
    return seen


def test_no_personal_value_in_any_public_response(public: TestClient, world_store: Path) -> None:
    values = personal_values(world_store)
    assert len(values) > 50  # the world has users and plates: the scan must have teeth
    pages = crawl(public)
    assert len(pages) > 100
    wanted = {" ".join(v.split()).casefold() for v in values}
    leaks = {url: found for url, text in pages.items() if (found := phrases(text) & wanted)}
    assert not leaks, list(leaks.items())[:5]


def phrases(text: str) -> set[str]:
    """Every word and run of two or three words of ``text``, case-folded (a personal value
    is one to three words: a plate, an e-mail, a user id, a name)."""
    words = re.findall(r"[\w@.+'-]+", text.casefold())
    words = [w.strip(".'-") for w in words]
    out = set(words)
    out.update(" ".join(words[i:i + 2]) for i in range(len(words) - 1))
    out.update(" ".join(words[i:i + 3]) for i in range(len(words) - 2))
    return out


def test_the_scan_would_catch_a_leak(operator: TestClient, world_store: Path) -> None:
    """The operator's raw evidence does hold such values: the scan above can fail."""
    from webkit import AUTH

    values = personal_values(world_store)
    f = operator.get("/api/findings", params={"rule": "purpose", "limit": 1}).json()["items"][0]
    raw = operator.get(f"/api/operator/findings/{f['finding_id']}/evidence",
                       headers=AUTH).text
    assert phrases(raw) & {" ".join(v.split()).casefold() for v in values}
