"""How a web request gets the store: ``with open_store(request) as store: ...``.

The contract the HTML pages and the API share. The app keeps its settings (the store path and
the operator configuration) on ``request.app.state.web``; each request gets a read-only store
for the time it needs it, so the web app never holds DuckDB's write lock. An app built by
``create_app`` serves from a private copy of the catalog (``snapshot``), so an ingest running
meanwhile neither blocks nor breaks requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from alpr_audit.store import Store
from alpr_audit.web.snapshot import MISSING

T = TypeVar("T")


@contextmanager
def open_store(request: Request) -> Iterator[Store]:
    """The store, opened read-only for one request (closed or pooled when the block ends)."""
    snapshots = getattr(request.app.state, "snapshots", None)
    if snapshots is not None:
        with snapshots.store() as store:
            yield store
        return
    store = Store.open(request.app.state.web.store_path, read_only=True)
    try:
        yield store
    finally:
        store.close()


def cached(request: Request, key: Hashable, compute: Callable[[Store], T]) -> T:
    """``compute(store)``, remembered for as long as the store's committed state is the same
    (an app without snapshots computes it every time). ``key`` names the question: the
    function and every argument that changes its answer."""
    snapshots = getattr(request.app.state, "snapshots", None)
    if snapshots is not None:
        return snapshots.cached(key, compute)
    with open_store(request) as store:
        return compute(store)


async def cached_json(request: Request, key: Hashable, compute: Callable[[Store], Any]) -> Response:
    """``compute(store)`` as a JSON response, its bytes remembered like :func:`cached`.

    A remembered answer is sent from the event loop without a thread hop, a database
    connection or JSON encoding; only a new question goes to a worker thread.
    """
    snapshots = getattr(request.app.state, "snapshots", None)
    if snapshots is not None:
        body = snapshots.peek(key)
        if body is not MISSING:
            return Response(body, media_type="application/json")

    def encode(store: Store) -> bytes:
        return json.dumps(jsonable_encoder(compute(store)), ensure_ascii=False,
                          separators=(",", ":")).encode()

    body = await run_in_threadpool(cached, request, key, encode)
    return Response(body, media_type="application/json")
