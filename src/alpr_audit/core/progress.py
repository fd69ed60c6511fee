"""A Rich progress bar for ingest (on stderr, so ``--json`` stdout stays clean)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from alpr_audit.core.console import err


class IngestProgress:
    """One bar for the current file; shown only on a terminal."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and err.is_terminal
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err, transient=True, disable=not self.enabled,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> IngestProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._progress.__exit__(*exc)

    def start(self, path: Path, index: int, count: int) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(f"[{index + 1}/{count}] {path.name}", total=None)

    def total(self, total: int | None) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=total, completed=0)

    def advance(self, n: int) -> None:
        if self._task is not None and n:
            self._progress.advance(self._task, n)

    def done(self, result: Any) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
