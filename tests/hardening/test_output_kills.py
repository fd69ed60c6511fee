"""kill -9 while ``respond --out``, ``audit --out``, ``portal build`` and ``export
sqlite|parquet`` replace an earlier output: the target is always the old output or the new
one, complete; a kill leaves at most the hidden siblings of that one run (the next run clears
them); and after a run to the end nothing hidden is left.

Each command first runs to the end once (the "old" output, and the clean time), then is
killed at the points below — fractions of the clean time and file-system events inside the
write phase (crash_points.py polls every few ms): the hidden folder made, a file in it, its
marker written (the instant before the swap), the target's inode changed (the instant after
the swap, before the old output is deleted). After every kill the target is checked whole:
every file its manifest lists is there with its SHA-256 and nothing else is (a Parquet export:
every table file reads, with the row count its manifest gives; a SQLite file: integrity_check
and its tables). See docs/outputs.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import payload_world as W
import pytest
from crash_points import KillPoint, any_file, cli_args, run_and_kill

from alpr_audit.audit.engine import run_audit
from alpr_audit.core.privacy import store_key
from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.outputs import atomic
from alpr_audit.store import Store
from alpr_audit.synth.flock import write_audit_csv

pytestmark = pytest.mark.slow  # about a minute in all on an idle 2-core machine; CI runs it

AGENCY = "Mapleton CA PD"
REQUEST = """ALPR access records
Pursuant to the California Public Records Act, I hereby request the following records:
A1. All "records of access" required by Sec. 1798.90.52(a) from 2024 until the date of
processing this request.
A2. Records of officers with authorized access to ALPR systems.
"""
FRACTIONS = (0.35, 0.7, 0.9)
RESULTS: dict[str, Counter[str]] = {}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store with one audit run (so every output has findings to show)."""
    root = tmp_path_factory.mktemp("output-kills")
    files = [root / "audit.csv", W.user_list(root / "users.csv")]
    write_audit_csv(files[0], 1_500, seed=4, log_kind="org", publisher=AGENCY,
                    start=dt.datetime(2025, 1, 1))
    with Store.open(root / "store") as store:
        assert all(r.status == "ingested" for r in ingest_paths(store, files, agency=AGENCY))
        run_audit(store)
    store_key(root / "store")
    (root / "request.txt").write_text(REQUEST, encoding="utf-8")
    return root


def _any_path(pattern: str) -> Callable[[Path], bool]:
    return lambda work: any(True for _ in work.glob(pattern))


def _inode_changed(target: Path) -> Callable[[Path], bool]:
    """True once ``target`` is another file or folder than at the run's first poll."""
    first: list[int] = []

    def changed(work: Path) -> bool:
        try:
            ino = target.stat().st_ino
        except FileNotFoundError:  # a fallback swap would show this instant: never on Linux
            return True
        if not first:
            first.append(ino)
        return ino != first[0]
    return changed


def _points(target: Path) -> list[KillPoint]:
    tmp = f".{target.name}.alpr-tmp-*"
    if target.suffix == ".db":  # one file, then its metadata JSON
        inside = [KillPoint("", "metadata being written",
                            _any_path(f".{target.stem}.metadata.json.alpr-tmp-*"))]
    else:
        inside = [KillPoint("", "a file in the hidden output", any_file(f"{tmp}/*")),
                  KillPoint("", "marker written, about to swap",
                            any_file(f"{tmp}/{atomic.MARKER}"))]
    return [
        *(KillPoint("", f"{f:.0%} of the clean time", f) for f in FRACTIONS),
        KillPoint("", "hidden output made", _any_path(tmp)),
        *inside,
        KillPoint("", "just swapped in", _inode_changed(target)),
    ]


# --- what "whole" means for each output --------------------------------------------------------

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _whole_folder(folder: Path, kind: str) -> str:
    """Check ``folder`` is a complete ``kind`` output; return its manifest's text."""
    assert atomic.output_kind(folder) == kind, sorted(p.name for p in folder.iterdir())
    text = (folder / atomic.MARKER).read_text(encoding="utf-8")
    manifest = json.loads(text)
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
               if p.is_file()} - {atomic.MARKER}
    if kind == "parquet-export":
        assert on_disk == {f"{t}.parquet" for t in manifest["tables"]}
        con = duckdb.connect()
        for table, rows in manifest["tables"].items():
            got = con.execute("SELECT count(*) FROM read_parquet(?)",
                              [str(folder / f"{table}.parquet")]).fetchone()
            assert got == (rows,), table
        con.close()
        return text
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == on_disk
    for name, sha in listed.items():
        assert _sha(folder / name) == sha, name
    return text


def _whole_sqlite(db: Path) -> str:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"findings", "agencies", "sources"} <= tables
    json.loads(db.with_name(db.stem + ".metadata.json").read_text(encoding="utf-8"))
    return _sha(db)


def _whole_zip(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert "packet/manifest.json" in zf.namelist()
    return _sha(path)


class Command:
    """One output command, its target and how to check the target is whole."""

    def __init__(self, name: str, base: Path, work: Path) -> None:
        self.name, self.work, self.store = name, work, base / "store"
        out = {"respond": "packet", "audit": "audit", "portal": "site",
               "export-parquet": "pq", "export-sqlite": "alpr.db"}[name]
        self.target = work / out
        self.args = cli_args(self.store, *{
            "respond": ("respond", base / "request.txt", "--agency", AGENCY, "--out", self.target),
            "audit": ("audit", "--out", self.target),
            "portal": ("portal", "build", "--out", self.target),
            "export-parquet": ("export", "parquet", "--out", self.target),
            "export-sqlite": ("export", "sqlite", "--out", self.target),
        }[name])

    def whole(self) -> str:
        """The target's identity (manifest text or hash), after checking it is complete."""
        if self.name == "export-sqlite":
            return _whole_sqlite(self.target)
        kind = {"respond": "packet", "audit": "audit-report", "portal": "portal",
                "export-parquet": "parquet-export"}[self.name]
        ident = _whole_folder(self.target, kind)
        if self.name == "respond":
            ident += _whole_zip(self.target.with_name("packet.zip"))
        return ident

    def hidden(self) -> list[str]:
        return sorted(p.name for p in self.work.iterdir() if p.name.startswith("."))

    def run(self) -> float:
        start = time.monotonic()
        proc = subprocess.run(self.args, capture_output=True, text=True, cwd=self.work,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return time.monotonic() - start


@pytest.mark.parametrize("name", ["respond", "audit", "portal", "export-parquet",
                                  "export-sqlite"])
def test_a_killed_output_command_leaves_the_old_or_the_new_output_whole(
        base: Path, tmp_path: Path, name: str) -> None:
    cmd = Command(name, base, tmp_path)
    clean_s = cmd.run()
    seen = {cmd.whole(): "old"}
    outcomes: Counter[str] = Counter()
    points = _points(cmd.target)
    for point in points:
        landed = run_and_kill(cmd.args, tmp_path, point, clean_s)
        ident = cmd.whole()  # never missing, never half-written
        if ident not in seen:
            seen[ident] = "new"
        outcomes[f"{'killed' if landed else 'finished'}, target {seen[ident]}"] += 1
        # a kill leaves at most its own run's hidden siblings: the run before cleared its own
        assert len(cmd.hidden()) <= 3, cmd.hidden()
    cmd.run()
    cmd.whole()
    assert cmd.hidden() == []  # the next run cleared what the kills left
    RESULTS[name] = outcomes
    print(f"{name}: {len(points)} kill points, outcomes {dict(outcomes)}")
    landed = sum(n for k, n in outcomes.items() if k.startswith("killed"))
    # a point whose command finished first proves nothing: most must land
    assert landed >= len(points) - 2, outcomes
