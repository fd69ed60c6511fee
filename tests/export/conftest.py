"""The web tests' audited synthetic world, built once for the export tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webkit import build_world_store  # noqa: E402


@pytest.fixture(scope="session")
def world_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world_store(tmp_path_factory.mktemp("export"))
