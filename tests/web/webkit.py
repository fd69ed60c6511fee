"""Helpers of the web tests: the operator token, a world store builder, a client maker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient

from alpr_audit.store import Store
from alpr_audit.web.app import create_app
from alpr_audit.web.config import WebConfig
from fixturekit import FIXTURES

TOKEN = "operator-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REQUEST_FIXTURE = FIXTURES / "requests" / "muckrock_lapd-25-2170_alpr-audits.txt"


def build_world_store(root: Path) -> Path:
    """Synthesize, ingest and audit two agencies into ``root/store``; returns the store path.
    A real records request is imported too when the shared fixtures are present."""
    from alpr_audit.audit.engine import run_audit
    from alpr_audit.ingest.pipeline import ingest_paths
    from alpr_audit.synth.world import write_world

    world = write_world(root / "world", seed=1, scale=1, agencies=2)
    store_path = root / "store"
    with Store.open(store_path) as store:
        for a in world["agencies"]:
            results = ingest_paths(store, [root / "world" / a["folder"]], agency=a["name"])
            assert all(r.status == "ingested" for r in results), results
        run_audit(store, as_of=dt.datetime(2025, 10, 31, 23, 59, 59))
        if REQUEST_FIXTURE.exists():
            from alpr_audit.requests.tracking import import_request

            import_request(store, REQUEST_FIXTURE)
    return store_path


def make_client(store_path: Path, **options: object) -> TestClient:
    """A TestClient over a new app for ``store_path`` (``options`` set WebConfig fields)."""
    config = WebConfig(store_path=store_path, allowed_hosts=("testserver",), **options)  # type: ignore[arg-type]
    return TestClient(create_app(config))
