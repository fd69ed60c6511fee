"""The one output writer: whole outputs swapped in, only folders alpr-audit wrote replaced,
and every leftover of a killed run cleared (or the old output restored) by the next run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alpr_audit.core.errors import UsageError
from alpr_audit.outputs import atomic


def _write(target: Path, text: str, kind: str = "portal") -> None:
    with atomic.atomic_dir(target, kind) as tmp:
        (tmp / "page.html").write_text(text)
        atomic.write_marker(tmp, kind)


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_a_new_output_is_swapped_in_whole_with_its_marker(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _write(out, "one")
    marker = json.loads((out / atomic.MARKER).read_text())
    assert marker["tool"] == "alpr-audit" and marker["output"] == "portal"
    assert [f["path"] for f in marker["files"]] == ["page.html"]
    assert atomic.output_kind(out) == "portal"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_an_earlier_output_of_the_same_kind_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _write(out, "one")
    (out / "stale.html").write_text("old")
    _write(out, "two")
    assert (out / "page.html").read_text() == "two" and not (out / "stale.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_folder_alpr_audit_did_not_write_is_refused_and_untouched(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    (mine / "manifest.json").write_text('{"name": "another tool"}')
    with pytest.raises(UsageError, match="not empty") as exc:
        _write(mine, "x")
    assert str(mine) in str(exc.value) and "move its files away" in (exc.value.hint or "")
    assert sorted(p.name for p in mine.iterdir()) == ["manifest.json", "notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


def test_an_output_of_another_kind_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "packet"
    _write(out, "p", kind="packet")
    with pytest.raises(UsageError, match="holds an alpr-audit response packet, not a portal"):
        _write(out, "x", kind="portal")
    assert (out / "page.html").read_text() == "p"


def test_a_file_is_refused_as_a_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        _write(tmp_path / "f", "x")


def test_a_failed_build_keeps_the_old_output_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _write(out, "one")
    with pytest.raises(RuntimeError, match="disk full"), atomic.atomic_dir(out, "portal") as tmp:
        (tmp / "page.html").write_text("half")
        raise RuntimeError("disk full")
    assert (out / "page.html").read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_block_that_forgets_the_marker_replaces_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _write(out, "one")
    with pytest.raises(RuntimeError, match="without its manifest.json"), \
            atomic.atomic_dir(out, "portal") as tmp:
        (tmp / "page.html").write_text("unmarked")
    assert (out / "page.html").read_text() == "one"


def test_without_an_atomic_exchange_the_swap_still_ends_whole(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    out = tmp_path / "site"
    _write(out, "one")
    _write(out, "two")
    assert (out / "page.html").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_kill_between_the_fallback_renames_is_undone_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _write(out, "old")
    pid = _dead_pid()
    # the state a kill leaves after "rename old aside" and before "rename new in"
    aside = tmp_path / f".site.alpr-old-{pid}-0123abcd"
    out.rename(aside)
    half = tmp_path / f".site.alpr-tmp-{pid}-4567cdef"
    half.mkdir()
    (half / "page.html").write_text("new")
    atomic.recover(out)
    assert (out / "page.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_leftovers_of_dead_runs_and_earlier_versions_go_live_ones_stay(tmp_path: Path) -> None:
    out = tmp_path / "packet"
    _write(out, "p", kind="packet")
    dead = tmp_path / f".packet.alpr-tmp-{_dead_pid()}-89abcdef"
    legacy = [tmp_path / ".packet.partial-1a2b3c4d", tmp_path / ".packet.zip.partial-1a2b3c4d"]
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        running = tmp_path / f".packet.alpr-tmp-{live.pid}-01234567"
        for p in (dead, running, legacy[0]):
            p.mkdir()
        legacy[1].write_bytes(b"PK")
        other = tmp_path / ".other.partial-1a2b3c4d"  # another target's: not ours to judge
        other.mkdir()
        _write(out, "q", kind="packet")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [".other.partial-1a2b3c4d", running.name, "packet"])
    finally:
        live.kill()
        live.wait()


def test_outputs_of_earlier_versions_are_recognised(tmp_path: Path) -> None:
    packet, export, portal = (tmp_path / n for n in ("packet", "export", "portal"))
    for folder in (packet, export, portal):
        folder.mkdir()
    (packet / "manifest.json").write_text(json.dumps({"tool": "alpr-audit", "request": {}}))
    (export / "manifest.json").write_text(json.dumps({"generator": "alpr-audit 0.9"}))
    (portal / ".alpr-audit-portal").write_text("built by alpr-audit portal build\n")
    assert [atomic.output_kind(f) for f in (packet, export, portal)] == [
        "packet", "parquet-export", "portal"]
    _write(portal, "new")
    assert (portal / "page.html").read_text() == "new"


def test_atomic_file_replaces_in_one_step_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "alpr.db"
    with atomic.atomic_file(target) as tmp:
        tmp.write_text("one")
    with pytest.raises(RuntimeError), atomic.atomic_file(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["alpr.db"]
    with pytest.raises(UsageError, match="is a folder"), atomic.atomic_file(tmp_path):
        pass


def test_a_killed_sqlite_files_journal_goes_too(tmp_path: Path) -> None:
    target = tmp_path / "alpr.db"
    pid = _dead_pid()
    for name in (f".alpr.db.alpr-tmp-{pid}-0123abcd", f".alpr.db.alpr-tmp-{pid}-0123abcd-journal"):
        (tmp_path / name).write_bytes(b"x")
    with atomic.atomic_file(target) as tmp:
        tmp.write_text("one")
    assert [p.name for p in tmp_path.iterdir()] == ["alpr.db"]
