"""The ingest service: walk paths, hash, detect, stage, commit — one file at a time.

Each file commits on its own (or not at all), so one bad file never blocks the others and a
killed run leaves every finished file committed and the unfinished one without a trace.
"""

from __future__ import annotations

import errno
import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from alpr_audit.core.errors import AlprAuditError, IngestError
from alpr_audit.core.fetch import one_row
from alpr_audit.core.records import IngestResult
from alpr_audit.ingest.base import Importer, StageContext
from alpr_audit.ingest.commit import finalize
from alpr_audit.ingest.probe import probe_file
from alpr_audit.ingest.registry import detect
from alpr_audit.store import Store

LOG_KINDS = ("org_audit", "network_audit", "portal_audit")


class Progress(Protocol):
    """Where the pipeline reports progress (the CLI draws a Rich bar)."""

    def start(self, path: Path, index: int, count: int) -> None: ...
    def total(self, total: int | None) -> None: ...
    def advance(self, n: int) -> None: ...
    def done(self, result: IngestResult) -> None: ...


class _NoProgress:
    def start(self, path: Path, index: int, count: int) -> None: ...
    def total(self, total: int | None) -> None: ...
    def advance(self, n: int) -> None: ...
    def done(self, result: IngestResult) -> None: ...


def walk(paths: Iterable[str | os.PathLike[str]], exclude: Path | None = None) -> Iterator[Path]:
    """Files named and files inside folders named, in sorted order.

    Hidden files and folders are skipped, and so is ``exclude`` (the store itself, when it
    lies inside a folder being ingested).
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path).parts
                if any(part.startswith(".") for part in rel) or not f.is_file():
                    continue
                if exclude is not None and f.resolve().is_relative_to(exclude):
                    continue
                yield f
        else:
            yield path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def ingest_paths(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    agency: str | None = None,
    log_kind: str | None = None,
    progress: Progress | None = None,
    debug: bool = False,
    importers: list[Importer] | None = None,
) -> list[IngestResult]:
    """Ingest every file under ``paths`` into ``store``; one result per file.

    ``importers`` restricts format detection to those importers (default: all registered).
    """
    if log_kind is not None and log_kind not in LOG_KINDS:
        raise IngestError(f"unknown log kind {log_kind!r}", hint=f"use one of {', '.join(LOG_KINDS)}")
    progress = progress or _NoProgress()
    files = list(walk(paths, exclude=store.root))
    run_id = uuid.uuid4().hex[:12]
    results: list[IngestResult] = []
    with store.views_deferred():  # nothing in an ingest reads the views; rebuild them once
        for index, path in enumerate(files):
            results.append(_ingest_one(store, path, index, len(files), agency=agency,
                                       log_kind=log_kind, run_id=run_id, progress=progress,
                                       debug=debug, importers=importers))
    return results


def _ingest_one(store: Store, path: Path, index: int, count: int, *, agency: str | None,
                log_kind: str | None, run_id: str, progress: Progress, debug: bool,
                importers: list[Importer] | None) -> IngestResult:
    """One file of a batch: its result, never an exception (one file never ends the batch)."""
    progress.start(path, index, count)
    try:
        result = ingest_file(store, path, agency=agency, log_kind=log_kind,
                             run_id=run_id, progress=progress, importers=importers)
    except AlprAuditError as exc:
        result = _failed(path, exc.message, exc.hint, getattr(exc, "sha", None))
    except Exception as exc:  # never let one file end the batch
        if debug:
            raise
        full = _disk_full(exc)
        result = (_failed(path, full, f"free space where the store is ({store.root}) or "
                          "use --store on a larger disk; the store is unchanged", None)
                  if full else
                  _failed(path, f"internal error while reading the file: {exc!r}",
                          "re-run with --debug and report the traceback", None))
    progress.done(result)
    return result


def _disk_full(exc: BaseException) -> str | None:
    """A message when ``exc`` says the disk (or the process's file-size limit) is full."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return f"the disk is full: {exc.strerror}"
    for words in ("No space left on device", "File too large", "Disk quota exceeded"):
        if words in text:
            return f"the disk is full while writing the store: {words.lower()}"
    return None


def _failed(path: Path, message: str, hint: str | None, sha: str | None) -> IngestResult:
    return IngestResult(str(path), sha, None, "failed", None, 0, 0, 0, 0, message, hint=hint)


def ingest_file(
    store: Store,
    path: Path,
    *,
    agency: str | None = None,
    log_kind: str | None = None,
    run_id: str = "",
    progress: Progress | None = None,
    importers: list[Importer] | None = None,
) -> IngestResult:
    """Ingest one file. Raises AlprAuditError when the file cannot be ingested."""
    progress = progress or _NoProgress()
    path = path.expanduser().resolve()
    if not path.exists():
        raise IngestError(f"no such file: {path}", path=str(path), hint="check the path")
    if not path.is_file():
        raise IngestError(f"not a regular file: {path}", path=str(path))
    try:
        sha = sha256_file(path)
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror}", path=str(path),
                          hint="check the file's permissions") from exc
    known = store.con.execute("SELECT * FROM sources WHERE sha256 = ?", [sha]).fetchone()
    if known:
        cols = [d[0] for d in store.con.description]
        row = dict(zip(cols, known, strict=False))
        return IngestResult(
            str(path), sha, row["format"], "already_ingested", row["source_id"],
            row["rows_read"], row["rows_loaded"], row["rows_rejected"], row["rows_duplicate"],
            f"already ingested as source {row['source_id']} from {row['path']}",
            row["log_kind"], row["publisher_agency_id"],
        )
    probe = probe_file(path)
    try:
        importer, plan = detect(probe, importers)
    except IngestError as exc:
        exc.path = str(path)
        raise
    plan = replace(plan, log_kind=log_kind)
    ctx = StageContext(store.con, path, probe, plan, agency, progress.advance, progress.total)
    staged = importer.stage(ctx)
    source_id = sha[:16]
    plan = ctx.plan  # staging may have learnt more (the real encoding, embedded parts)
    details = {"parts": [p.to_json() for p in plan.parts],
               "encoding": plan.encoding or probe.encoding, **staged.details}
    if plan.ignored_sheets:
        details["ignored_sheets"] = list(plan.ignored_sheets)
    counts = finalize(store, source_id=source_id, sha256=sha, path=path,
                      format_id=importer.format_id, result=staged, run_id=run_id,
                      details=details)
    publisher = one_row(store.con.execute(
        "SELECT publisher_agency_id FROM sources WHERE source_id = ?", [source_id]))[0]
    message = f"{counts.rows_loaded:,} loaded"
    if counts.rows_rejected:
        message += f", {counts.rows_rejected:,} rejected (see: alpr-audit rejects {source_id})"
    if counts.rows_duplicate:
        message += f", {counts.rows_duplicate:,} duplicates dropped"
    if details.get("ignored_sheets"):
        message += f"; sheets not read (not this format): {', '.join(details['ignored_sheets'])}"
    return IngestResult(str(path), sha, importer.format_id, "ingested", source_id,
                        counts.rows_read, counts.rows_loaded, counts.rows_rejected,
                        counts.rows_duplicate, message, staged.log_kind, publisher)
