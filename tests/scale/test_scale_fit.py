"""benchmarks/scale.py's arithmetic: the fitted exponent and the 10^9 estimate that
docs/benchmarks.md quotes come from these functions."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def scale():
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_scale", BENCH / "scale.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    yield mod
    sys.path.remove(str(BENCH))


def test_fit_recovers_a_power_law(scale) -> None:
    k, c = scale.fit([(x, 3e-6 * x ** 1.05) for x in (1e6, 3e6, 1e7, 1e8)])
    assert k == pytest.approx(1.05, abs=1e-9)
    assert c == pytest.approx(3e-6, rel=1e-6)
    assert scale.fit([(1e6, 5.0)]) is None  # one size fits nothing


def test_summary_fits_each_store_shape_apart_and_extrapolates(scale, tmp_path, monkeypatch) -> None:
    rows = [{"mode": "world", "size": n, "engine": "duckdb", "step": "audit", "detections": n,
             "seconds": n / 1e5, "peak_rss_mb": 500} for n in (10**6, 10**7)]
    rows += [{"mode": "direct", "size": n, "engine": "duckdb", "step": "audit", "detections": n,
              "seconds": (n / 1e6) ** 0.5, "peak_rss_mb": 900} for n in (10**7, 10**8)]
    rows.append({**rows[0], "seconds": 999.0})  # a later measurement replaces an earlier one
    out = tmp_path / "scale.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(scale, "RESULTS", out)
    by_mode = {s["mode"]: s for s in scale.summary(scale.load())}
    assert by_mode["direct"]["time_exponent"] == pytest.approx(0.5)
    assert by_mode["direct"]["seconds_at_1e9"] == pytest.approx(31.6, abs=0.5)
    assert by_mode["direct"]["memory_exponent"] == pytest.approx(0.0)
    assert by_mode["world"]["time_exponent"] < 0  # 999 s at 10^6 replaced the 10 s
