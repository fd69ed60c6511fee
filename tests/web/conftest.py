"""A small audited store (a synthetic world of two agencies, plus a real request when the
shared fixtures are present) and TestClients over it, public and operator."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webkit import TOKEN, build_world_store, make_client


@pytest.fixture(scope="session")
def world_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world_store(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="session")
def public(world_store: Path) -> Iterator[TestClient]:
    with make_client(world_store) as client:
        yield client


@pytest.fixture(scope="session")
def operator(world_store: Path) -> Iterator[TestClient]:
    with make_client(world_store, token=TOKEN) as client:
        yield client


@pytest.fixture
def store_copy(world_store: Path, tmp_path: Path) -> Path:
    """A private copy of the store for tests that write to it."""
    dst = tmp_path / "store"
    shutil.copytree(world_store, dst)
    return dst

