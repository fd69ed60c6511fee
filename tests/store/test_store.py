"""The store's promises: idempotent, atomic (also under kill -9), migrated, read-only when asked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from alpr_audit.core.errors import StoreError
from alpr_audit.core.schema import SCHEMA_VERSION
from alpr_audit.ingest import commit
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.store import Store
from fixturekit import fixture_file


def snapshot(store: Store) -> dict[str, object]:
    """Everything a user can see in a store, in a comparable form."""
    return {
        "sources": store.query("SELECT source_id, sha256, format, rows_read, rows_loaded, "
                               "rows_rejected, rows_duplicate FROM sources ORDER BY source_id"),
        "rejects": store.query("SELECT * FROM rejects ORDER BY source_id, locator"),
        "agencies": store.query("SELECT * FROM agencies ORDER BY agency_id"),
        "searches": store.query("SELECT * EXCLUDE (redacted), redacted::VARCHAR AS redacted "
                                "FROM searches ORDER BY source_id, locator"),
        "files": sorted(p.relative_to(store.root).as_posix()
                        for p in (store.root / "tables").rglob("*.parquet"))
        if (store.root / "tables").exists() else [],
    }


def big_audit_csv(path: Path, records: int) -> Path:
    """A Flock network audit CSV with two-line time frames, written by DuckDB (fast)."""
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'id-' || i AS "ID", '***' AS "Name",
        'ORG ' || (i % 50) || ' CA PD' AS "Org Name", (i % 900)::VARCHAR AS "Total Networks Searched",
        strftime(TIMESTAMP '2025-01-01' + to_seconds(i), '%m/%d/%Y, %I:%M:%S %p UTC') || chr(10) ||
        strftime(TIMESTAMP '2025-01-01' + to_seconds(i + 60), '%m/%d/%Y, %I:%M:%S %p UTC') AS "Time Frame",
        '***' AS "License Plate", 'investigation ' || (i % 7) AS "Reason", '' AS "Case #",
        '' AS "Filters",
        strftime(TIMESTAMP '2025-01-01' + to_seconds(i + 90), '%m/%d/%Y, %I:%M:%S %p UTC') AS "Search Time",
        'search' AS "Search Type" FROM range({records}) t(i)) TO '{path}' (HEADER, FORCE_QUOTE *)""")
    con.close()
    return path


def test_same_bytes_twice_change_nothing(store: Store) -> None:
    path = fixture_file("flock/constructed_network-audit_sample.csv")
    first = ingest_file(store, path)
    before = snapshot(store)
    again = ingest_file(store, path)
    assert again.status == "already_ingested" and again.source_id == first.source_id
    assert (again.rows_loaded, again.rows_duplicate) == (first.rows_loaded, first.rows_duplicate)
    assert snapshot(store) == before


def test_a_failure_inside_the_commit_leaves_no_trace(store: Store, tmp_path: Path, monkeypatch) -> None:
    path = fixture_file("flock/constructed_network-audit_sample.csv")
    before = snapshot(store)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(commit.agency_registry, "upsert", boom)
    [r] = ingest_paths(store, [path])
    assert r.status == "failed" and "disk on fire" in r.message
    assert snapshot(store) == before
    monkeypatch.undo()
    assert ingest_file(store, path).rows_loaded == 6


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float) -> None:
    """Return once ``path`` exists or the process ended (or ``timeout`` seconds passed)."""
    end = time.monotonic() + timeout
    while not path.exists() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.02)


def test_store_survives_kill_minus_9_at_several_points(tmp_path: Path) -> None:
    data = big_audit_csv(tmp_path / "network_audit.csv", 300_000)
    clean_dir = tmp_path / "clean"
    with Store.open(clean_dir) as clean:
        ingest_file(clean, data)
        expected = snapshot(clean)
    expected["files"] = [f.replace(str(clean_dir), "") for f in expected["files"]]
    killed_mid_ingest = 0
    for delay in (0.2, 0.5, 0.9, 1.4, 2.0):
        target = tmp_path / f"killed-{delay}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "alpr_audit", "--store", str(target), "ingest", str(data)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Delays count from the store's creation, not the process start: an interpreter that
        # starts slowly on a busy machine would otherwise be killed before it began.
        _wait_for(target / "catalog.duckdb", proc, timeout=60)
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if not (target / "catalog.duckdb").exists():
            continue  # killed before the store was created: nothing to check
        killed_mid_ingest += killed
        with Store.open(target) as store:
            seen = snapshot(store)
            # all or nothing: either the source is fully there, or no trace of it
            assert seen["sources"] in ([], expected["sources"])
            if not seen["sources"]:
                assert seen["searches"] == [] and seen["rejects"] == [] and seen["files"] == []
                assert seen["agencies"] == []
            assert not (target / ".staging").exists()
            ingest_file(store, data)
            assert snapshot(store) == expected
    # the test proves something only if some kill landed while the ingest was running
    assert killed_mid_ingest >= 1


def test_a_new_store_is_at_the_current_schema_version(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    tables = {r["name"] for r in store.query("SELECT table_name AS name FROM duckdb_tables()")}
    assert {"sources", "rejects", "agencies", "table_files", "schema_meta"} <= tables


def test_an_unversioned_catalog_is_migrated_one_step_at_a_time(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    duckdb.connect(str(root / "catalog.duckdb")).close()  # a version-0 store: an empty catalog
    with Store.open(root) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.query("SELECT count(*) AS n FROM sources") == [{"n": 0}]


def test_a_store_from_a_newer_alpr_audit_is_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s") as store:
        store.con.execute("UPDATE schema_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path / "s")
    assert "upgrade alpr-audit" in info.value.hint


def test_read_only_open_of_a_missing_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path / "nothing", read_only=True)
    assert "alpr-audit ingest" in info.value.hint


def test_a_folder_with_other_files_is_not_taken_over(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("my notes")
    with pytest.raises(StoreError):
        Store.open(tmp_path)


def test_orphan_parquet_files_are_invisible_and_removed(store: Store, tmp_path: Path) -> None:
    path = fixture_file("flock/constructed_network-audit_sample.csv")
    ingest_file(store, path)
    orphan = store.table_dir("searches") / "deadbeefdeadbeef.parquet"
    store.con.execute(f"COPY (SELECT * FROM searches) TO '{orphan}' (FORMAT parquet)")
    store.refresh_views()
    assert store.query("SELECT count(*) AS n FROM searches") == [{"n": 6}]
    root = store.root
    store.close()
    with Store.open(root) as reopened:
        assert not orphan.exists()
        assert reopened.query("SELECT count(*) AS n FROM searches") == [{"n": 6}]


def test_a_version_1_store_migrates_to_add_request_tables(tmp_path: Path) -> None:
    root = tmp_path / "v1"
    root.mkdir()
    con = duckdb.connect(str(root / "catalog.duckdb"))
    from alpr_audit.store.migrations import _v1
    con.execute("CREATE TABLE schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("CREATE TABLE table_files (table_name VARCHAR, source_id VARCHAR, "
                "relpath VARCHAR PRIMARY KEY, rows BIGINT)")
    _v1(con)
    con.execute("INSERT INTO schema_meta VALUES ('schema_version', '1')")
    con.close()
    with Store.open(root) as store:
        assert store.schema_version() == SCHEMA_VERSION == 4
        assert store.query("SELECT count(*) AS n FROM communications") == [{"n": 0}]
        assert store.query("SELECT count(*) AS n FROM findings") == [{"n": 0}]


def test_the_pseudonym_key_is_private_and_stable(tmp_path: Path) -> None:
    from alpr_audit.core.privacy import Pseudonymizer, store_key

    key = store_key(tmp_path)
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert store_key(tmp_path) == key
    p = Pseudonymizer(key)
    assert p.token("plate", "7ABC123") == p.token("plate", " 7abc123 ")
    assert p.token("plate", "7ABC123") != Pseudonymizer(b"other" * 8).token("plate", "7ABC123")
    assert p.token("person", "Doe, J").startswith("person-") and "Doe" not in p.token("person", "Doe, J")
