"""The small store of :mod:`smallworld`, built once per module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import smallworld  # noqa: E402

from alpr_audit.store import Store  # noqa: E402


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = smallworld.build(tmp_path_factory.mktemp("portal") / "store")
    yield store
    store.close()
