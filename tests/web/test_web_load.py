"""A short bounded version of benchmarks/api_load.py: `serve` in a child process on a
loopback port, 10 clients for a few seconds, no errors (the full run is the benchmark)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "api_load.py"


def load_module():  # noqa: ANN201
    spec = importlib.util.spec_from_file_location("api_load", BENCH)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_serve_under_load_has_no_errors(world_store: Path, tmp_path: Path) -> None:
    result = load_module().run_load(world_store, clients=10, seconds=3, work=tmp_path)
    assert result["errors"] == 0, result["error_samples"]
    assert result["requests"] > 30 and result["distinct_urls"] > 20
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]


@pytest.mark.slow
def test_serve_under_load_while_ingesting(world_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(world_store, store)
    result = load_module().run_load(store, clients=10, seconds=20, ingest=True, work=tmp_path)
    assert result["errors"] == 0, result["error_samples"]
    assert result["ingested"] and all(i["status"] == "ingested" for i in result["ingested"])
