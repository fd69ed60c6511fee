"""``alpr-audit doctor``: a sound store passes, and each kind of damage is found and named.

One small store (a synthetic Flock audit with rejected and duplicate rows, a user list, an
audit run) is built once; every test damages its own copy the way a crash, a careless hand or
a bug would, and checks that the report names that damage — and only that check fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from alpr_audit.audit.engine import run_audit
from alpr_audit.core.privacy import store_key
from alpr_audit.doctor.integrity import check
from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.store import Store
from alpr_audit.synth.flock import write_audit_csv

AGENCY = "Mapleton CA PD"


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sound")
    audit = root / "audit.csv"
    write_audit_csv(audit, 400, seed=3, log_kind="org", publisher=AGENCY,
                    start=dt.datetime(2025, 3, 1), duplicate_rows=4, bad_rows=3)
    with Store.open(root / "store") as store:
        results = ingest_paths(store, [audit], agency=AGENCY)
        assert results[0].rows_rejected == 3 and results[0].rows_duplicate == 4
        run_audit(store)
        store_key(store.root)
    return root / "store"


@pytest.fixture
def copy(sound: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(sound, target)
    return target


def _catalog(root: Path, sql: str) -> None:
    con = duckdb.connect(str(root / "catalog.duckdb"))
    con.execute(sql)
    con.close()


def _first_file(root: Path, table: str = "searches") -> Path:
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    rel = con.execute("SELECT relpath FROM table_files WHERE table_name = ? ORDER BY relpath "
                      "LIMIT 1", [table]).fetchone()[0]
    con.close()
    return root / rel


def test_a_sound_store_passes_every_check(sound: Path) -> None:
    report = check(sound)
    assert report.ok, report.problems
    assert set(report.checks.values()) == {"ok"}
    assert report.sources == 1 and report.files >= 3 and report.schema_version >= 3


def _delete_file(root: Path) -> None:
    _first_file(root).unlink()


def _swap_file(root: Path) -> None:  # a valid Parquet file with other rows than recorded
    path = _first_file(root)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{path}') LIMIT 1) TO '{path}.x' (FORMAT parquet)")
    os.replace(f"{path}.x", path)


def _junk_file(root: Path) -> None:
    _first_file(root).write_bytes(b"PAR1 not really")


def _orphan(root: Path) -> None:
    shutil.copy(_first_file(root), root / "tables" / "searches" / "left-behind.parquet")


def _staging(root: Path) -> None:
    (root / ".staging").mkdir(exist_ok=True)
    (root / ".staging" / "abc.searches.parquet").write_bytes(b"half")


def _ledger_sum(root: Path) -> None:
    _catalog(root, "UPDATE sources SET rows_read = rows_read + 1")


def _lost_reject(root: Path) -> None:
    _catalog(root, "DELETE FROM rejects WHERE rowid = (SELECT min(rowid) FROM rejects)")


def _loaded_count(root: Path) -> None:  # accounting adds up, but the tables hold other rows
    _catalog(root, "UPDATE sources SET rows_loaded = rows_loaded + 1, rows_read = rows_read + 1")


def _finding_without_run(root: Path) -> None:
    _catalog(root, "UPDATE findings SET run_id = 'no-such-run' WHERE rowid = "
                   "(SELECT min(rowid) FROM findings)")


def _readable_key(root: Path) -> None:
    (root / "secret.key").chmod(0o644)


DAMAGE: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (damage, check that must fail, words of the message)
    "registered file deleted": (_delete_file, "files", "missing"),
    "file with other rows": (_swap_file, "files", "catalog recorded"),
    "file not Parquet": (_junk_file, "files", "not a readable Parquet"),
    "orphan Parquet file": (_orphan, "orphans", "no catalog row names"),
    "staging leftovers": (_staging, "orphans", "staging"),
    "ledger does not add up": (_ledger_sum, "ledger", "rows_read"),
    "reject row lost": (_lost_reject, "ledger", "rejects holds"),
    "tables hold other rows than loaded": (_loaded_count, "ledger", "the tables hold"),
    "finding of no run": (_finding_without_run, "references", "audit run"),
    "key readable by others": (_readable_key, "secret", "readable by others"),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_each_damage_is_found_by_its_check(copy: Path, name: str) -> None:
    damage, failing, words = DAMAGE[name]
    damage(copy)
    report = check(copy)
    assert not report.ok
    assert report.checks[failing] == "failed", report.to_json()
    assert any(p.check == failing and words in p.message for p in report.problems), report.problems
    # "files" damage also shows in the ledger (rows gone); other damage stays in its check
    others = {c for c, r in report.checks.items() if r == "failed"} - {failing, "ledger"}
    assert not others, report.to_json()


def test_doctor_does_not_repair_what_it_reports(copy: Path) -> None:
    _orphan(copy)
    assert not check(copy).ok
    assert not check(copy).ok  # a read-only check: the orphan is still there to be seen
    with Store.open(copy):  # a writable open sweeps it …
        pass
    assert check(copy).ok  # … and the store is sound again


def test_a_missing_or_unreadable_catalog_is_reported_not_raised(tmp_path: Path) -> None:
    report = check(tmp_path)
    assert not report.ok and report.checks["catalog"] == "failed"
    assert report.checks["ledger"] == "skipped"
    (tmp_path / "catalog.duckdb").write_bytes(b"not a database" * 100)
    report = check(tmp_path)
    assert report.checks["catalog"] == "failed" and "unreadable" in report.problems[0].message


def test_cli_json_is_the_report_and_exit_code_says_ok(cli, copy: Path) -> None:  # noqa: ANN001
    res = cli("--store", copy, "--json", "doctor")
    assert res.code == 0, res.stderr
    assert res.json() == json.loads(json.dumps(check(copy).to_json()))
    _ledger_sum(copy)
    res = cli("--store", copy, "--json", "doctor")
    assert res.code == 1 and res.json()["ok"] is False
    res = cli("--store", copy, "doctor")
    assert res.code == 1 and "rows_read" in res.stdout + res.stderr


def test_other_commands_on_a_damaged_store_point_to_doctor(cli, copy: Path) -> None:  # noqa: ANN001
    _delete_file(copy)
    res = cli("--store", copy, "--json", "sources")
    assert res.code != 0 and "Traceback" not in res.stderr
    error = res.json()["error"]
    assert "missing or unreadable" in error["message"] and "doctor" in error["hint"]
