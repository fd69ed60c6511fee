"""Partitioned large tables (store/layout.py) and compaction (store/compact.py): files per
agency and month, agency filters prune files, period filters meet tight statistics, and
compaction merges files atomically without changing a row."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.store import Store
from alpr_audit.store.compact import compact

HEADER = ["Agency", "Read ID", "Camera", "Plate", "Plate State", "Read Time", "Latitude", "Longitude"]
AGENCIES = ["Mapleton CA PD", "Riverside CA SO", "Fresno CA PD"]


def _reads(path: Path, agency: str, start: int, n: int) -> Path:
    """``n`` reads of ``agency`` numbered from ``start``, spread over three months."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(start, start + n):
            month, day = 4 + i % 3, 1 + i % 28
            w.writerow([agency, f"r{i}", f"cam{i % 7}", f"7ABC{i:03d}", "CA",
                        f"2025-{month:02d}-{day:02d} {i % 24:02d}:15:00", "34.1", "-118.2"])
    return path


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "store")
    # per agency two overlapping exports: the second repeats 20 reads and adds 80
    for a, agency in enumerate(AGENCIES):
        for k, start in enumerate((0, 80)):
            [r] = ingest_paths(s, [_reads(tmp_path / f"reads{a}{k}.csv", agency, start, 100)])
            assert r.status == "ingested", r.message
            assert r.rows_duplicate == 20 * k
    yield s
    s.close()


def _rels(store: Store, table: str) -> list[str]:
    return [p.relative_to(store.root).as_posix() for p in store.table_files(table)]


def _rows(store: Store) -> list[tuple]:
    return store.con.execute("SELECT * FROM detections ORDER BY ALL").fetchall()


def test_detections_are_written_one_file_per_agency_and_month(store: Store) -> None:
    rels = _rels(store, "detections")
    folders = {r.rsplit("/", 1)[0] for r in rels}
    assert len(folders) == 9  # 3 agencies x 3 months
    assert all(r.startswith("tables/detections/agency_id=") and "/_month=2025-0" in r
               for r in rels)
    # each file holds one agency and one month only: its statistics bound the period tightly
    for rel in rels:
        agency = rel.split("agency_id=")[1].split("/")[0]
        month = rel.split("_month=")[1].split("/")[0]
        got = store.con.execute(
            f"SELECT DISTINCT agency_id, strftime(seen_at, '%Y-%m') FROM '{store.root / rel}'"
        ).fetchall()
        assert got == [(agency, month)]
    assert store.con.execute("SELECT count(*) FROM detections").fetchone()[0] == 540


def _files_read(store: Store, where: str) -> int:
    """How many Parquet files DuckDB opened for a count over ``detections`` (EXPLAIN ANALYZE)."""
    plan = store.con.execute(f"EXPLAIN ANALYZE SELECT count(*) FROM detections WHERE {where}")
    found = re.search(r"Total Files Read: (\d+)", plan.fetchall()[0][1])
    assert found, "DuckDB's plan no longer reports the files it read"
    return int(found.group(1))


def test_an_agency_filter_prunes_files(store: Store) -> None:
    n = len(store.table_files("detections"))
    assert _files_read(store, "agency_id = 'riverside-ca-so'") == n // 3
    assert _files_read(store, "agency_id IN ('riverside-ca-so', 'fresno-ca-pd')") == 2 * n // 3
    assert _files_read(store, "lat > 0") == n


def test_period_filter_reads_only_matching_row_groups(store: Store) -> None:
    """Parquet min/max statistics of seen_at are written: a file of another month is skipped
    by its footer alone (its statistics lie outside the period)."""
    rel = _rels(store, "detections")[0]
    stats = store.con.execute(
        f"SELECT stats_min, stats_max FROM parquet_metadata('{store.root / rel}') "
        "WHERE path_in_schema = 'seen_at'").fetchall()
    month = rel.split("_month=")[1][:7]
    assert stats and all(lo.startswith(month) and hi.startswith(month) for lo, hi in stats)


def test_compact_merges_files_and_keeps_every_row(store: Store) -> None:
    before, files = _rows(store), _rels(store, "detections")
    assert len(files) == 18  # two sources x 9 partitions
    result = compact(store)
    [det] = [t for t in result.tables if t.table == "detections"]
    assert (det.files_before, det.files_after, det.files_merged, det.rows) == (18, 9, 18, 540)
    assert _rows(store) == before
    on_disk = sorted(p.relative_to(store.root).as_posix()
                     for p in (store.root / "tables" / "detections").rglob("*.parquet"))
    assert on_disk == sorted(_rels(store, "detections"))  # the old files are gone
    assert compact(store).tables[0].files_merged == 0  # nothing left to merge


def test_a_compaction_that_fails_before_its_commit_changes_nothing(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before, files = _rows(store), _rels(store, "detections")

    def broken(*a: object, **k: object) -> None:
        raise KeyboardInterrupt  # as if killed between writing files and committing

    monkeypatch.setattr(Store, "transaction", broken)
    with pytest.raises(KeyboardInterrupt):
        compact(store, ["detections"])
    monkeypatch.undo()
    assert _rels(store, "detections") == files
    root = store.root
    store.close()
    with Store.open(root) as again:  # a writable open sweeps whatever was left
        assert _rows(again) == before
        on_disk = sorted(p.relative_to(root).as_posix()
                         for p in (root / "tables" / "detections").rglob("*.parquet"))
        assert on_disk == sorted(files)


def test_flat_files_of_older_stores_read_next_to_partitioned_ones(store: Store) -> None:
    """A store written before partitioning has tables/<table>/<source>.parquet files."""
    old = store.table_dir("detections") / "0123456789abcdef.parquet"
    store.con.execute(f"COPY (SELECT * FROM detections LIMIT 7) TO '{old}' (FORMAT parquet)")
    with store.transaction() as tx:
        tx.execute("INSERT INTO table_files VALUES ('detections', '0123456789abcdef', ?, 7)",
                   [old.relative_to(store.root).as_posix()])
    store.refresh_views()
    assert store.con.execute("SELECT count(*) FROM detections").fetchone()[0] == 547
    compact(store, ["detections"])
    assert not old.exists()
    assert store.con.execute("SELECT count(*) FROM detections").fetchone()[0] == 547
    assert all("/_month=" in r for r in _rels(store, "detections"))
