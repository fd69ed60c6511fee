"""Atomic outputs: build beside the target, rename into place when complete."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alpr_audit.core.errors import UsageError

#: marks a folder as an export of ours, so a re-export may replace it
MARKER = "manifest.json"


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """A temporary path in ``target``'s folder; renamed to ``target`` when the block ends
    without an error, deleted otherwise."""
    target = Path(target)
    if target.is_dir():
        raise UsageError(f"{target} is a folder", path=str(target), hint="--out names a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target``; swapped in when the block ends without an
    error. An existing ``target`` must be empty or an earlier export (it has a manifest)."""
    target = Path(target)
    if target.exists():
        if not target.is_dir():
            raise UsageError(f"{target} is a file", path=str(target), hint="--out names a folder")
        if any(target.iterdir()) and not (target / MARKER).exists():
            raise UsageError(f"{target} is not empty and holds no earlier export",
                             path=str(target), hint="choose a new or empty folder for --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
