"""The one way alpr-audit writes an output: built aside, swapped in whole, never half there.

Every ``--out`` folder (audit report, response packet, portal, Parquet export) is written with
:func:`atomic_dir`, every single output file (SQLite export, the packet's zip) with
:func:`atomic_file`:

* The output is built in a hidden sibling (``.<name>.alpr-tmp-<pid>-<random>``) on the same
  file system, so a reader never sees it half-written.
* When it is complete, its marker (:data:`MARKER`, written last) says so, and the new folder
  replaces the old one in one step: on Linux the two are exchanged atomically
  (``renameat2(RENAME_EXCHANGE)``), so at every instant the target is either the old complete
  output or the new complete one; elsewhere the old folder is renamed aside first and put back
  by the next run if a kill lands between the two renames. The old output is deleted last.
* A run killed at any point leaves at most hidden siblings behind; the next run that writes
  the same target removes them (or restores the old output, see above) before it starts.
  Siblings of a process that is still running are left alone.

**This folder is ours.** A folder is replaced only when it is empty or holds an earlier
output of the same kind written by alpr-audit: its :data:`MARKER` (``manifest.json``) is a
JSON object with ``"tool": "alpr-audit"`` and ``"output": <kind>``. Anything else is refused
with the folder's name and the remedy, and is never touched. Outputs written before the marker
existed are recognised by their old signs (see :func:`output_kind`). docs/outputs.md
describes the rule for users.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alpr_audit.core.errors import UsageError

#: The file that says "alpr-audit wrote this folder, and finished it"
MARKER = "manifest.json"
TOOL = "alpr-audit"
#: Marker of portals built before the shared marker existed
_OLD_PORTAL_MARKER = ".alpr-audit-portal"

#: What an output of each kind is called in messages
KINDS = {"audit-report": "audit report", "packet": "response packet", "portal": "portal",
         "parquet-export": "Parquet export"}

_TMP, _OLD = "alpr-tmp", "alpr-old"


# --- whose folder is it --------------------------------------------------------------------------

def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def output_kind(folder: Path) -> str | None:
    """The kind of alpr-audit output ``folder`` holds, or None when alpr-audit did not write it.

    Besides the marker's ``output``, outputs of earlier versions are recognised: a packet's
    manifest (``tool`` + ``request``), a Parquet export's (``generator: alpr-audit …``) and an
    old portal's ``.alpr-audit-portal`` file.
    """
    data = _read_marker(folder)
    if data is not None:
        if data.get("tool") == TOOL and isinstance(data.get("output"), str):
            return str(data["output"])
        if data.get("tool") == TOOL and "request" in data:
            return "packet"
        if str(data.get("generator", "")).startswith(TOOL + " "):
            return "parquet-export"
    if (folder / _OLD_PORTAL_MARKER).is_file():
        return "portal"
    return None


def marker(kind: str, **fields: Any) -> dict[str, Any]:
    """The keys that make a manifest a marker of ``kind`` (callers add their own fields)."""
    from alpr_audit import __version__  # the package root, not a layer: imported late

    return {"tool": TOOL, "output": kind, "version": __version__, **fields}


def check_target(target: Path, kind: str, flag: str = "--out",
                 legacy: Callable[[Path], bool] | None = None) -> None:
    """Refuse ``target`` unless it is missing, an empty folder or an earlier ``kind`` output
    (``legacy`` recognises one written before the marker existed).

    The refusal names the folder, what is in the way and what to do; nothing is touched.
    """
    what = KINDS.get(kind, kind)
    if not target.exists():
        return
    if not target.is_dir():
        raise UsageError(f"{target} is a file, not a folder", path=str(target),
                         hint=f"give {flag} a folder for the {what}")
    found = output_kind(target)
    if found == kind or not any(target.iterdir()):
        return
    if found is None and legacy is not None and legacy(target):
        return
    if found is not None:
        article = "an" if what[0] in "aeiou" else "a"
        raise UsageError(
            f"{target} holds an alpr-audit {KINDS.get(found, found)}, not {article} {what}",
            path=str(target),
            hint=f"choose another {flag} folder; alpr-audit replaces only an earlier {what}")
    raise UsageError(
        f"{target} already exists and is not empty, and is not a {what} alpr-audit wrote",
        path=str(target),
        hint=f"choose a new or empty {flag} folder (alpr-audit replaces a folder only when it "
             f"holds an earlier {what}, recognised by its {MARKER}); to reuse this one, move "
             "its files away first")


# --- leftovers of killed runs --------------------------------------------------------------------

def _sibling(target: Path, tag: str) -> Path:
    return target.with_name(f".{target.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _legacy_leftover(target: Path, name: str) -> bool:
    """Hidden siblings the writers of earlier versions left when killed."""
    base = re.escape(target.name)
    return bool(re.fullmatch(rf"\.{base}(\.zip)?\.partial-[0-9a-f]{{8}}"
                             rf"|\.{base}\.old-\d+(-\d+)?"
                             rf"|\.{base}\.tmp-[A-Za-z0-9_]{{8}}"
                             rf"|\.{base}\.[A-Za-z0-9_]{{8}}\.tmp", name))


def leftovers(target: Path) -> list[Path]:
    """Hidden siblings of ``target`` left by killed runs (not by runs still going)."""
    if not target.parent.is_dir():
        return []
    found = []
    # a SQLite file being written has its journal beside it: "<temp>-journal", "-wal", "-shm"
    pattern = re.compile(rf"\.{re.escape(target.name)}\.({_TMP}|{_OLD})-(\d+)-[0-9a-f]{{8}}"
                         r"(-journal|-wal|-shm)?")
    for p in target.parent.iterdir():
        m = pattern.fullmatch(p.name)
        if (m and not _alive(int(m.group(2)))) or _legacy_leftover(target, p.name):
            found.append(p)
    return sorted(found)


def recover(target: Path) -> None:
    """Finish what a killed run left: put an old output back if the target went missing
    between the two renames of the fallback swap, then delete every other leftover."""
    left = leftovers(target)
    if not target.exists():
        old = [p for p in left if f".{_OLD}-" in p.name and p.is_dir() and output_kind(p)]
        if old:
            os.rename(old[0], target)
            left.remove(old[0])
    for p in left:
        _remove(p)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# --- the swap ------------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` in one step (Linux ``renameat2``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):  # a libc without renameat2 (glibc < 2.28, musl)
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``; afterwards ``new`` holds the old output (or nothing)."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        return
    old = _sibling(target, _OLD)
    os.rename(target, old)  # a kill here: the next run's recover() renames it back
    os.rename(new, target)
    os.rename(old, new)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- the writers ---------------------------------------------------------------------------------

def file_entries(folder: Path) -> list[dict[str, Any]]:
    """``path``, ``sha256`` and ``size`` of every file under ``folder`` but the marker."""
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.relative_to(folder).as_posix() != MARKER:
            h = hashlib.sha256()
            with p.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            out.append({"path": p.relative_to(folder).as_posix(), "sha256": h.hexdigest(),
                        "size": p.stat().st_size})
    return out


def write_marker(folder: Path, kind: str, **fields: Any) -> dict[str, Any]:
    """Write ``folder``'s marker listing every file in it (with its hash); return it."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    data = marker(kind, written_at=now, **fields, files=file_entries(folder))
    (folder / MARKER).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
    return data


@contextmanager
def atomic_dir(target: Path | str, kind: str, *, flag: str = "--out", mode: int | None = None,
               legacy: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    """A hidden folder beside ``target`` to build a ``kind`` output in; swapped in whole when
    the block ends without an error, deleted otherwise.

    ``target`` must be missing, empty or an earlier ``kind`` output (:func:`check_target`;
    ``flag`` names the option in the refusal). The block must leave the marker in the folder
    (write its own ``manifest.json`` with :func:`marker`'s keys, or call :func:`write_marker`
    last); a block that does not is a bug and fails before anything is replaced.
    """
    target = Path(target).expanduser().absolute()
    recover(target)
    check_target(target, kind, flag, legacy)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _sibling(target, _TMP)
        tmp.mkdir()
    except OSError as exc:
        raise UsageError(f"cannot write next to {target}: {exc.strerror}", path=str(target),
                         hint=f"choose a {flag} folder you can write to") from exc
    if mode is not None:
        tmp.chmod(mode)
    try:
        yield tmp
        if output_kind(tmp) != kind:
            raise RuntimeError(f"the {kind} output was finished without its {MARKER}")
        _fsync_dir(tmp)
        _swap(tmp, target)
        _fsync_dir(target.parent)
    finally:
        _remove(tmp)  # the half-built folder, or (after the swap) the old output


@contextmanager
def atomic_file(target: Path | str, *, flag: str = "--out") -> Iterator[Path]:
    """A hidden path beside ``target``; renamed to ``target`` when the block ends without an
    error, deleted otherwise. A rename replaces a file in one step on every platform."""
    target = Path(target).expanduser().absolute()
    if target.is_dir():
        raise UsageError(f"{target} is a folder", path=str(target), hint=f"{flag} names a file")
    recover(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(target, _TMP)
    try:
        yield tmp
        if tmp.exists():
            os.replace(tmp, target)
    finally:
        _remove(tmp)


@contextmanager
def files_into(folder: Path | str, *, flag: str = "--out") -> Iterator[Path]:
    """A hidden folder beside ``folder``; each file built in it then replaces its namesake in
    ``folder`` (one rename each), leaving every other file of ``folder`` alone.

    Only for writing into a folder alpr-audit does not own, at the user's explicit request
    (``audit --out DIR --overwrite``): each file is whole at every instant, but a kill between
    two renames leaves some files new and some old. :func:`atomic_dir` is the safe default.
    """
    folder = Path(folder).expanduser().absolute()
    recover(folder)
    tmp = _sibling(folder, _TMP)
    try:
        tmp.mkdir(parents=True)
    except OSError as exc:
        raise UsageError(f"cannot write next to {folder}: {exc.strerror}", path=str(folder),
                         hint=f"choose a {flag} folder you can write to") from exc
    try:
        yield tmp
        folder.mkdir(parents=True, exist_ok=True)
        for p in sorted(tmp.iterdir()):
            os.replace(p, folder / p.name)
    finally:
        _remove(tmp)
