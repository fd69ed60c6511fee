"""kill -9 during ingest, ``audit --out`` and ``respond --out``: the store survives, ``doctor``
passes, and running again ends where one clean run ends.

Builds on ``tests/store/test_store.py`` (kill during one big ingest at fixed delays), and goes
further: three commands, kill points chosen by time *and* by file-system events inside the
write phases (crash_points.py), and an integrity check (``alpr_audit.doctor``) after each kill.

For every kill point:

1. the killed command leaves nothing but what a writable open sweeps: the read-only check
   may report orphans (staging, unregistered Parquet files) and nothing else;
2. after a writable open the store passes every check;
3. the command run again (in process) gives the clean run's store rows, findings and output
   files (compared as text without run ids, run times and timings);
4. an output folder that exists after the kill is complete (its manifest verifies), never
   half-written.

A full disk — a file-size limit on the child (RLIMIT_FSIZE, works anywhere) and, where the
tests may mount, a tmpfs of a few MB — must give a clear error ("the disk is full", with a
hint) and leave the store exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import time
from pathlib import Path

import payload_world as W
import pytest
from crash_points import (
    KillPoint,
    any_file,
    cli_args,
    folder_texts,
    latest_findings,
    run_and_kill,
    store_state,
)
from limited import cli_command

from alpr_audit.audit.engine import run_audit
from alpr_audit.core.privacy import store_key
from alpr_audit.doctor.integrity import check
from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.outputs.audit_report.report import write_audit_report
from alpr_audit.outputs.packet.packet import write_packet
from alpr_audit.requests.tracking import import_request
from alpr_audit.store import Store
from alpr_audit.synth.flock import write_audit_csv

AGENCY = "Mapleton CA PD"
ROWS = 4_000
REQUEST = """ALPR access records
To Whom It May Concern:
Pursuant to the California Public Records Act, I hereby request the following records:
A1. All "records of access" required by Sec. 1798.90.52(a) from 2024 until the date of
processing this request.
A2. Records of officers with authorized access to ALPR systems.
Thank you in advance for your cooperation.
"""

POINTS = [
    *(KillPoint("ingest", f"{f:.0%} of the clean time", f)
      for f in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)),
    KillPoint("ingest", "catalog just created", any_file("store/catalog.duckdb")),
    KillPoint("ingest", "a file is staged", any_file("store/.staging/**/*")),
    KillPoint("ingest", "a table file is in place", any_file("store/tables/**/*.parquet")),
    KillPoint("ingest", "the second file is being written",
              any_file("store/tables/users/**/*.parquet")),
    *(KillPoint("audit", f"{f:.0%} of the clean time", f) for f in (0.4, 0.75)),
    KillPoint("audit", "evidence written", any_file("store/tables/evidence/**/*.parquet")),
    KillPoint("audit", "report's CSV written", any_file(".audit.alpr-tmp-*/findings.csv")),
    KillPoint("audit", "report being moved into place", any_file("audit/findings.csv")),
    *(KillPoint("respond", f"{f:.0%} of the clean time", f) for f in (0.45, 0.85)),
    KillPoint("respond", "item CSV written", any_file(".packet.alpr-tmp-*/A1.csv")),
    KillPoint("respond", "packet workbook written", any_file(".packet.alpr-tmp-*/response.xlsx")),
    KillPoint("respond", "cover letter written", any_file(".packet.alpr-tmp-*/cover-letter.pdf")),
    KillPoint("respond", "zip being written", any_file(".packet.zip.alpr-tmp-*")),
]
LANDED: list[str] = []  # points whose kill hit the running command
TRIED: list[str] = []


class Clean:
    """The world's files and what one clean run of each command gives."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = [root / "audit.csv", W.user_list(root / "users.csv")]
        write_audit_csv(self.files[0], ROWS, seed=4, log_kind="org", publisher=AGENCY,
                        start=dt.datetime(2025, 1, 1), duplicate_rows=6, bad_rows=4)
        self.request = root / "request.txt"
        self.request.write_text(REQUEST, encoding="utf-8")
        self.seconds: dict[str, float] = {}
        work = root / "clean"
        work.mkdir()
        self.run(work, "ingest")
        self.base = root / "base"  # the store after ingest: where audit and respond start
        shutil.copytree(work / "store", self.base)
        store_key(self.base)  # pseudonyms are keyed per store: every copy shares this key
        shutil.rmtree(work / "store")
        shutil.copytree(self.base, work / "store")
        with Store.open(work / "store", read_only=True) as store:
            self.state = store_state(store)
        self.run(work, "audit")
        with Store.open(work / "store", read_only=True) as store:
            self.findings = latest_findings(store)
        self.audit_texts = folder_texts(work / "audit")
        shutil.rmtree(work / "store")
        shutil.copytree(self.base, work / "store")
        self.run(work, "respond")
        self.packet_texts = folder_texts(work / "packet")

    def args(self, work: Path, phase: str) -> list[str]:
        store = work / "store"
        if phase == "ingest":
            return cli_args(store, "ingest", *self.files, "--agency", AGENCY)
        if phase == "audit":
            return cli_args(store, "audit", "--out", work / "audit")
        return cli_args(store, "respond", self.request, "--agency", AGENCY,
                        "--out", work / "packet")

    def run(self, work: Path, phase: str) -> None:
        start = time.monotonic()
        proc = subprocess.run(self.args(work, phase), capture_output=True, text=True,
                              cwd=work, timeout=300)
        assert proc.returncode == 0, proc.stderr
        self.seconds[phase] = time.monotonic() - start


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Clean:
    return Clean(tmp_path_factory.mktemp("crash"))


def _only_orphans(store: Path) -> None:
    """What a kill may leave: files a writable open sweeps, nothing the catalog believes in."""
    report = check(store)
    # killed while creating the store: a catalog not yet at any version, finished by any write
    unborn = [p for p in report.problems if p.check == "catalog" and "version 0" in p.message]
    if unborn:
        return
    assert {p.check for p in report.problems} <= {"orphans"}, report.to_json()


def _complete_packet(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        data = (folder / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]


@pytest.mark.parametrize("point", POINTS, ids=[f"{p.phase}: {p.name}" for p in POINTS])
def test_a_kill_leaves_a_sound_store_and_a_rerun_ends_like_a_clean_run(
        clean: Clean, point: KillPoint, tmp_path: Path) -> None:
    work = tmp_path
    if point.phase != "ingest":
        shutil.copytree(clean.base, work / "store")
    landed = run_and_kill(clean.args(work, point.phase), work, point, clean.seconds[point.phase])
    TRIED.append(point.name)
    if landed:
        LANDED.append(f"{point.phase}: {point.name}")
    store_dir = work / "store"
    if (store_dir / "catalog.duckdb").exists():
        _only_orphans(store_dir)
    with Store.open(store_dir) as store:  # the writable open sweeps what the kill left
        pass
    report = check(store_dir)
    assert report.ok, report.to_json()
    with Store.open(store_dir) as store:
        if point.phase == "ingest":
            ingest_paths(store, clean.files, agency=AGENCY)
            assert store_state(store) == clean.state
        elif point.phase == "audit":
            run = run_audit(store)
            write_audit_report(store, work / "audit", run_id=run.run_id, overwrite=True)
            assert latest_findings(store) == clean.findings
            assert folder_texts(work / "audit") == clean.audit_texts
        else:
            if (work / "packet").exists():  # a packet that exists is whole
                _complete_packet(work / "packet")
            request = import_request(store, clean.request)
            write_packet(store, request, AGENCY, work / "packet", overwrite=True)
            _complete_packet(work / "packet")
            assert folder_texts(work / "packet") == clean.packet_texts
    assert check(store_dir).ok


def test_enough_kills_landed_while_the_commands_ran() -> None:
    # a point whose command finished first proves nothing; the loop must have killed ≥ 20 times
    if len(TRIED) < len(POINTS):
        pytest.skip(f"only {len(TRIED)} of the {len(POINTS)} kill points ran (selection)")
    assert len(LANDED) >= 20, LANDED


def _ingest_limited(store: Path, files: list[Path], fsize: int | None = None,
                    ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command("--store", str(store), "--json", "ingest", *map(str, files),
                    "--agency", AGENCY, file_size=fsize),
        capture_output=True, text=True, timeout=300)


def _fails_clearly_and_leaves_the_store_as_it_was(proc: subprocess.CompletedProcess[str],
                                                  store: Path, before: object) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    items = out if isinstance(out, list) else [out["error"]]
    assert any("disk is full" in i["message"] and i["hint"] for i in items), items
    if (store / "catalog.duckdb").exists():
        _only_orphans(store)
        with Store.open(store) as opened:
            after = store_state(opened) if before is not None else None
        assert check(store).ok
        assert after == before  # nothing half-written: exactly the rows it had


def test_a_file_size_limit_while_creating_a_store_fails_clearly(clean: Clean, tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = _ingest_limited(store, clean.files, fsize=64 * 1024)
    _fails_clearly_and_leaves_the_store_as_it_was(proc, store, None)


def _bigger_file(clean: Clean, rows: int) -> Path:
    path = clean.root / f"more-{rows}.csv"
    if not path.exists():
        write_audit_csv(path, rows, seed=12, log_kind="org", publisher=AGENCY,
                        start=dt.datetime(2025, 2, 1))
    return path


def test_a_file_size_limit_while_adding_to_a_store_changes_nothing(clean: Clean, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(clean.base, store)
    with Store.open(store, read_only=True) as opened:
        before = store_state(opened)
    proc = _ingest_limited(store, [_bigger_file(clean, 12_000)], fsize=128 * 1024)
    _fails_clearly_and_leaves_the_store_as_it_was(proc, store, before)


def test_a_full_filesystem_changes_nothing(clean: Clean, tmp_path: Path) -> None:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    size = sum(p.stat().st_size for p in clean.base.rglob("*") if p.is_file()) + 512 * 1024
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size // 1024 + 1}k", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()}); the file-size "
                    "limit tests cover a full disk")
    try:
        store = mount / "store"
        shutil.copytree(clean.base, store)
        with Store.open(store, read_only=True) as opened:
            before = store_state(opened)
        proc = _ingest_limited(store, [_bigger_file(clean, 40_000)])
        _fails_clearly_and_leaves_the_store_as_it_was(proc, store, before)
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)
