"""Ingest a whole synthetic agency and compare with what the generator says must happen.

The generator computes its expectations from how it built the data (overlap days, injected
duplicates and bad rows), never by running an importer, so this checks the importers against
an independent account — and the row-accounting identity on every file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.store import Store
from alpr_audit.synth.agency_set import write_agency_set


@pytest.mark.parametrize("seed", [0, 7])
def test_every_file_matches_the_generators_expected_counts(tmp_path: Path, seed: int) -> None:
    manifest = write_agency_set(tmp_path / "files", scale=3000, seed=seed)
    with Store.open(tmp_path / "store") as store:
        results = ingest_paths(store, [tmp_path / "files"])
        assert [r.status for r in results] == ["ingested"] * len(manifest["expected"]["files"])
        for r in results:
            want = manifest["expected"]["files"][Path(r.path).name]
            got = {k: getattr(r, k) for k in want}
            assert got == want, Path(r.path).name
            assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
        total = store.query("SELECT count(*) AS n FROM searches")[0]["n"]
        assert total == manifest["expected"]["total"]["rows_loaded"]
        # every rejected row is kept with its place and raw text
        rejects = store.query("SELECT * FROM rejects")
        assert len(rejects) == manifest["expected"]["total"]["rows_rejected"]
        assert all(x["locator"] and x["raw"] and x["reason"] for x in rejects)


def test_the_same_agency_twice_is_already_ingested(tmp_path: Path) -> None:
    write_agency_set(tmp_path / "files", scale=1000, seed=1)
    with Store.open(tmp_path / "store") as store:
        first = ingest_paths(store, [tmp_path / "files"])
        again = ingest_paths(store, [tmp_path / "files"])
    assert {r.status for r in again} == {"already_ingested"}
    assert [r.rows_loaded for r in again] == [r.rows_loaded for r in first]
