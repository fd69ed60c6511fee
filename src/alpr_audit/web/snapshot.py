"""Serving a store while something else writes to it: a private copy of the catalog.

DuckDB allows one writing process per database file, and a writer cannot start while readers
hold the file open. Were the web app to open ``catalog.duckdb`` itself, every request would
block ``alpr-audit ingest`` (and an ingest would turn requests into errors). Instead the app
copies the catalog when it has changed and is quiescent (no write-ahead log, size and mtime
unchanged over the copy, and the copy opens and passes the version check), and serves every
request from the newest good copy. The Parquet files a catalog names are never rewritten in
place, so a copy plus the store's files is a consistent snapshot: readers see the old state or
the new one, never half of an ingest.

Each copy has a small pool of opened read-only ``Store`` objects (views built once per
connection), so a request costs no DuckDB open.
"""

from __future__ import annotations

import gc
import os
import queue
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from alpr_audit.core.cells import install_macros
from alpr_audit.core.errors import StoreError
from alpr_audit.core.privacy_sql import clear_pseudo_state
from alpr_audit.store import Store
from alpr_audit.store.store import CATALOG_FILE

T = TypeVar("T")
#: what :meth:`Snapshots.peek` returns when nothing is remembered
MISSING = object()


class _Generation:
    """One copy of the catalog and its pool of opened stores."""

    def __init__(self, root: Path, path: Path, stamp: tuple[int, int]) -> None:
        self.root, self.path, self.stamp = root, path, stamp
        self.idle: queue.LifoQueue[Store] = queue.LifoQueue()
        #: answers computed on this copy (they cannot change until the next copy)
        self.cache: OrderedDict[Hashable, tuple[Any, Callable[[Store], Any] | None]] = OrderedDict()
        self.pending: dict[Hashable, threading.Event] = {}
        self.in_use = 0
        self.retired = False
        self.lock = threading.Lock()

    def open_store(self) -> Store:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            store = Store(self.root, con, True)
            con.execute("SET enable_progress_bar = false")
            store._check_version()  # noqa: SLF001 - same checks as Store.open(read_only)
            install_macros(con)
            store.refresh_views()
        except BaseException:
            con.close()
            raise
        return store

    def close_idle(self) -> None:
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return


class Snapshots:
    """Read-only stores over the newest quiescent copy of ``root``'s catalog."""

    def __init__(self, root: Path, *, refresh_seconds: float = 1.0, pool: int = 8,
                 cache_size: int = 512) -> None:
        self.root = Path(root).expanduser().resolve()
        self.cache_size = cache_size
        #: answers computed again on a new copy before it is served
        self.warm_keys = 64
        self._refresh_lock = threading.Lock()
        self._closed = False
        self._worker: threading.Thread | None = None
        self.refresh_seconds = refresh_seconds
        self.pool = pool
        self._dir = Path(tempfile.mkdtemp(prefix="alpr-audit-serve-"))
        self._lock = threading.Lock()
        self._current: _Generation | None = None
        self._checked = 0.0
        self._seq = 0

    # --- refreshing ----------------------------------------------------------------------

    def _stamp(self, allow_wal: bool = False) -> tuple[int, int] | None:
        catalog = self.root / CATALOG_FILE
        if not allow_wal and Path(str(catalog) + ".wal").exists():
            return None  # a writer is mid-way: its commits are not all in the main file
        try:
            st = catalog.stat()
        except FileNotFoundError:
            raise StoreError(f"no alpr-audit store at {self.root}", path=str(self.root),
                             hint="ingest files first (alpr-audit ingest PATH) or pass "
                             "--store DIR pointing at an existing store") from None
        return st.st_size, st.st_mtime_ns

    def refresh(self, force: bool = False, *, due: bool = False) -> bool:
        """Take a new copy when the catalog changed and is quiescent; True when one was taken.

        The answers remembered on the old copy are computed again on the new one before it
        is served (the questions people are asking now), so a commit does not send every
        client to the database at once; until then requests get the old state.
        """
        if not self._refresh_lock.acquire(blocking=force):
            return False  # another thread is taking a copy
        try:
            now = time.monotonic()
            with self._lock:
                current = self._current
                if (not force and not due and current is not None
                        and now - self._checked < self.refresh_seconds):
                    return False
                self._checked = now
            # the first copy may be taken while a writer works: the main file alone is the
            # state of the last checkpoint, which is a committed state
            stamp = self._stamp(allow_wal=current is None)
            if stamp is None or (current is not None and stamp == current.stamp):
                return False
            gen = self._copy(stamp, first=current is None)
            if gen is None:
                return False
            if current is not None:
                self._warm(gen, current)
            with self._lock:
                old, self._current = self._current, gen
        finally:
            self._refresh_lock.release()
        if old is not None:
            self._retire(old)
        return True

    def refresh_soon(self) -> None:
        """Check for a new commit in a background thread when the check is due (requests
        keep the copy they have meanwhile)."""
        if self._current is None:
            self.refresh(force=True)
            return
        with self._lock:
            now = time.monotonic()
            if (self._closed or now - self._checked < self.refresh_seconds
                    or self._refresh_lock.locked()):
                return
            self._checked = now  # one background check per interval
            self._worker = threading.Thread(target=self._refresh_quietly, daemon=True)
            self._worker.start()

    def _refresh_quietly(self) -> None:
        try:
            self.refresh(due=True)
        except (OSError, duckdb.Error, StoreError):  # keep serving the copy we have
            pass

    def _copy(self, stamp: tuple[int, int], first: bool) -> _Generation | None:
        with self._lock:
            self._seq += 1
            path = self._dir / f"catalog-{self._seq}.duckdb"
        shutil.copyfile(self.root / CATALOG_FILE, path)
        if self._stamp(allow_wal=first) != stamp:  # changed while copying: keep the old copy
            path.unlink(missing_ok=True)
            return None
        gen = _Generation(self.root, path, stamp)
        try:
            gen.idle.put(gen.open_store())
        except (duckdb.Error, StoreError):
            path.unlink(missing_ok=True)
            if first:
                raise
            return None
        return gen

    def _warm(self, gen: _Generation, old: _Generation) -> None:
        with old.lock:
            recent = list(old.cache.items())[-self.warm_keys:]
        for key, (_, compute) in reversed(recent):
            if compute is None:
                continue
            try:
                with self._borrow_from(gen) as store:
                    value = compute(store)
            except Exception:  # noqa: BLE001 - asked again, the error reaches the client
                continue
            with gen.lock:
                gen.cache[key] = (value, compute)
                gen.cache.move_to_end(key, last=False)

    def _retire(self, gen: _Generation) -> None:
        with gen.lock:
            gen.retired = True
            busy = gen.in_use
        gen.close_idle()
        if not busy:
            gen.path.unlink(missing_ok=True)

    # --- serving -------------------------------------------------------------------------

    @contextmanager
    def store(self) -> Iterator[Store]:
        """A read-only store over the newest copy, for one request."""
        self.refresh_soon()
        with self._borrow() as (_, store):
            yield store

    def cached(self, key: Hashable, compute: Callable[[Store], T]) -> T:
        """``compute(store)`` on the newest copy, remembered until the next copy replaces it
        (the same question gets the same answer from the same committed state). Concurrent
        askers of the same new question wait for one computation."""
        self.refresh_soon()
        for _ in range(2):
            with self._borrow() as (gen, store):
                with gen.lock:
                    if key in gen.cache:
                        gen.cache.move_to_end(key)
                        return gen.cache[key][0]
                    pending = gen.pending.get(key)
                    if pending is None:
                        gen.pending[key] = done = threading.Event()
                if pending is None:
                    try:
                        value = compute(store)
                        with gen.lock:
                            gen.cache[key] = (value, compute)
                            while len(gen.cache) > self.cache_size:
                                gen.cache.popitem(last=False)
                        return value
                    finally:
                        with gen.lock:
                            gen.pending.pop(key, None)
                        done.set()
            pending.wait(60)  # outside the borrow: the store goes back to the pool
        with self._borrow() as (_, store):  # the first asker failed: try it ourselves
            return compute(store)

    def peek(self, key: Hashable) -> Any:
        """The remembered answer for ``key`` on the newest copy, or :data:`MISSING` (no
        store is opened: an answer from memory costs no database work). When the catalog is
        due for its change check, MISSING too: the caller's worker thread does the check."""
        gen = self._current
        if gen is None or time.monotonic() - self._checked >= self.refresh_seconds:
            return MISSING
        with gen.lock:
            hit = gen.cache.get(key)
        return MISSING if hit is None else hit[0]

    def generation(self) -> _Generation | None:
        """The copy being served now (for :meth:`remember`)."""
        return self._current

    def remember(self, gen: _Generation, key: Hashable, value: Any) -> None:
        """Keep ``value`` for ``key`` on the copy ``gen`` it was computed from (not warmed
        on the next copy: there is no function to compute it again)."""
        with gen.lock:
            gen.cache[key] = (value, None)
            while len(gen.cache) > self.cache_size:
                gen.cache.popitem(last=False)

    @contextmanager
    def _borrow_from(self, gen: _Generation) -> Iterator[Store]:
        """A store of ``gen`` (a copy not yet served: no in-use accounting needed)."""
        try:
            store = gen.idle.get_nowait()
        except queue.Empty:
            store = gen.open_store()
        try:
            yield store
        finally:
            self._give_back(gen, store)

    @contextmanager
    def _borrow(self) -> Iterator[tuple[_Generation, Store]]:
        if self._current is None:
            self.refresh(force=True)
        with self._lock:
            gen = self._current
            if gen is None:
                raise StoreError("the store changed while the server read it",
                                 path=str(self.root), hint="retry in a moment")
            with gen.lock:
                gen.in_use += 1
        try:
            try:
                store = gen.idle.get_nowait()
            except queue.Empty:
                store = gen.open_store()
            try:
                yield gen, store
            finally:
                self._give_back(gen, store)
        finally:
            with gen.lock:
                gen.in_use -= 1
                last = gen.retired and gen.in_use == 0
            if last:
                gen.close_idle()
                gen.path.unlink(missing_ok=True)

    def _give_back(self, gen: _Generation, store: Store) -> None:
        try:
            clear_pseudo_state(store.con)
        except duckdb.Error:
            pass  # variables never set on this connection
        if gen.retired or gen.idle.qsize() >= self.pool:
            store.close()
        else:
            gen.idle.put(store)

    def close(self) -> None:
        """Close every pooled store and delete the copies (after a running refresh ends:
        a thread killed inside DuckDB at exit would abort the process)."""
        with self._lock:
            self._closed = True
            worker = self._worker
        if worker is not None:
            worker.join(timeout=60)
        with self._lock:
            gen, self._current = self._current, None
        if gen is not None:
            gen.close_idle()
        # query-layer objects (Ibis backends) may still hold DuckDB handles of the copies;
        # freed now, not by the interpreter's teardown (where DuckDB aborts the process)
        gc.collect()
        shutil.rmtree(self._dir, ignore_errors=True)


def catalog_stamp(root: os.PathLike[str] | str) -> tuple[int, int]:
    """Size and mtime of a store's catalog (tests use it to see a commit land)."""
    st = (Path(root) / CATALOG_FILE).stat()
    return st.st_size, st.st_mtime_ns
