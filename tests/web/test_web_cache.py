"""Whole answers are remembered per committed store state, never across states, and never
for requests carrying credentials or answers that are not 200."""

from __future__ import annotations

from pathlib import Path

from webkit import AUTH, TOKEN, make_client


def keys(client) -> set:  # noqa: ANN001
    gen = client.app.state.snapshots.generation()
    return set(gen.cache) if gen is not None else set()


def test_public_answers_are_kept_per_state(world_store: Path) -> None:
    with make_client(world_store, token=TOKEN, refresh_seconds=3600) as client:
        first = client.get("/api/sources", params={"limit": 3})
        key = ("response", "/api/sources", b"limit=3", False)
        assert key in keys(client)
        again = client.get("/api/sources", params={"limit": 3})
        assert again.content == first.content
        assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
        client.get("/api/agencies/nope")
        assert ("response", "/api/agencies/nope", b"", False) not in keys(client)  # a 404
        client.get("/api/operator/reports/search-types", headers=AUTH)
        assert not [k for k in keys(client) if k[0] == "response" and "operator" in k[1]]
        client.get("/api/sources", params={"limit": 4}, headers=AUTH)
        assert ("response", "/api/sources", b"limit=4", False) not in keys(client)


def test_a_new_commit_is_not_answered_from_the_old_state(store_copy: Path, tmp_path: Path) -> None:
    from alpr_audit.cli.demo import synthesize

    synthesize(tmp_path / "new", scale=1000, seed=5, agency="Cacheville CA PD")
    body = (tmp_path / "new" / "flock_network-audit_2025-08.csv").read_bytes()
    with make_client(store_copy, token=TOKEN, refresh_seconds=0.0) as client:
        before = client.get("/api/sources").json()["total"]
        r = client.post("/api/operator/ingest", params={"filename": "n.csv",
                                                        "agency": "Cacheville CA PD"},
                        content=body, headers=AUTH)
        assert r.json()["status"] == "ingested"
        assert client.get("/api/sources").json()["total"] == before + 1
