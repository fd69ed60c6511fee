"""Operator endpoints: raw evidence, the plate lookup, and ingest of an upload while the app
keeps serving (readers see the store before or after the file, never an error or half)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webkit import AUTH, TOKEN, make_client

from alpr_audit.store import Store


def test_raw_evidence_shows_the_rows(operator: TestClient, world_store: Path) -> None:
    f = operator.get("/api/findings", params={"rule": "purpose", "limit": 1}).json()["items"][0]
    raw = operator.get(f"/api/operator/findings/{f['finding_id']}/evidence",
                       headers=AUTH).json()
    public = operator.get(f"/api/findings/{f['finding_id']}").json()
    assert raw["evidence_total"] == public["evidence_total"] > 0
    row = raw["evidence"][0]["row"]
    assert row["locator"] == raw["evidence"][0]["locator"]
    with Store.open(world_store, read_only=True) as store:
        users = {r["user_ref"] for r in store.query(
            "SELECT user_ref FROM searches WHERE source_id = ? AND locator = ?",
            [row["source_id"], row["locator"]])}
    assert row["user_ref"] in users  # the raw user id, which the public API never shows
    assert row["user_ref"] not in str(public)


def test_plate_lookup_finds_searches_and_reads(operator: TestClient, world_store: Path) -> None:
    with Store.open(world_store, read_only=True) as store:
        plate, n = store.con.execute(
            "SELECT plate_query, count(*) FROM searches WHERE regexp_full_match(plate_query, "
            "'[0-9A-Z]{7}') GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
        wild = store.con.execute(
            "SELECT count(*) FROM searches WHERE contains(plate_query, '*') AND ? LIKE "
            "replace(replace(upper(plate_query), '*', '%'), '?', '_')", [plate]).fetchone()[0]
    spaced = f"{plate[:3].lower()} {plate[3:]}"  # typed differently: same plate
    r = operator.post("/api/operator/plate-searched", json={"plate": spaced}, headers=AUTH)
    body = r.json()
    assert r.status_code == 200 and body["searched"] and body["plate"] == plate
    assert body["searches"] == n + wild
    assert all(m["plate_query"] for m in body["matches"])
    none = operator.post("/api/operator/plate-searched", json={"plate": "QQ0000000Q"},
                         headers=AUTH).json()
    assert none["searched"] is False and none["searches"] == 0


def test_plate_lookup_counts_reads_by_pseudonym(operator: TestClient, world_store: Path) -> None:
    from alpr_audit.core.privacy import Pseudonymizer, store_key

    pz = Pseudonymizer(store_key(world_store))
    with Store.open(world_store, read_only=True) as store:
        plates = [r[0] for r in store.con.execute(
            "SELECT DISTINCT plate_query FROM searches WHERE regexp_full_match(plate_query, "
            "'[0-9A-Z]{5,8}') ORDER BY 1").fetchall()]
        tokens = {pz.token("plate", p): p for p in plates}
        rows = store.con.execute(
            "SELECT plate_token, count(*) FROM detections WHERE list_contains(?, plate_token) "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1", [list(tokens)]).fetchall()
    if not rows:
        pytest.skip("no searched plate was read in this synthetic world")
    plate, n = tokens[rows[0][0]], rows[0][1]
    body = operator.post("/api/operator/plate-searched", json={"plate": plate},
                         headers=AUTH).json()
    assert sum(r["reads"] for r in body["reads"]) == n > 0


@pytest.mark.parametrize("plate", ["", "x" * 17])
def test_plate_lookup_validates(operator: TestClient, plate: str) -> None:
    r = operator.post("/api/operator/plate-searched", json={"plate": plate}, headers=AUTH)
    assert r.status_code == 400 and r.json()["error"]["kind"] == "validation"


def test_ingest_while_serving_is_consistent(store_copy: Path, tmp_path: Path) -> None:
    from alpr_audit.cli.demo import synthesize

    synthesize(tmp_path / "new", scale=2000, seed=3, agency="Testville CA PD")
    upload = (tmp_path / "new" / "flock_network-audit_2025-09.csv").read_bytes()
    with make_client(store_copy, token=TOKEN, refresh_seconds=0.0) as client:
        before = client.get("/api/sources", params={"limit": 1}).json()["total"]
        seen: list[int] = []
        failures: list[str] = []
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                for path in ("/api/sources?limit=1", "/api/agencies?limit=1",
                             "/api/findings?limit=1"):
                    r = client.get(path)
                    if r.status_code != 200:
                        failures.append(f"{path}: {r.status_code} {r.text[:200]}")
                    elif path.startswith("/api/sources"):
                        seen.append(r.json()["total"])

        readers = [threading.Thread(target=read) for _ in range(4)]
        for t in readers:
            t.start()
        try:
            r = client.post("/api/operator/ingest", params={"filename": "../../evil name.csv",
                                                            "agency": "Testville CA PD"},
                            content=upload, headers=AUTH)
            again = client.post("/api/operator/ingest", params={"filename": "same.csv"},
                                content=upload, headers=AUTH)
            after = client.get("/api/sources", params={"limit": 1}).json()["total"]
        finally:
            stop.set()
            for t in readers:
                t.join()
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ingested" and body["rows_loaded"] > 0
    assert body["path"] == "evil_name.csv"  # no folder part, no traversal
    assert again.json()["status"] == "already_ingested"
    assert after == before + 1
    assert not failures, failures[:3]
    assert set(seen) == {before, before + 1}  # readers saw both states, nothing else
    assert not list(store_copy.glob("*.wal"))


def test_ingest_of_junk_is_a_clear_failure(store_copy: Path) -> None:
    with make_client(store_copy, token=TOKEN) as client:
        r = client.post("/api/operator/ingest", params={"filename": "junk.csv"},
                        content=b"\x00\x01\x02 not a table", headers=AUTH)
        assert r.status_code == 200
        assert r.json()["status"] == "failed" and r.json()["message"]
        empty = client.post("/api/operator/ingest", params={"filename": "e.csv"}, content=b"",
                            headers=AUTH)
        assert empty.status_code == 400 and empty.json()["error"]["kind"] == "usage"
