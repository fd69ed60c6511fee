"""Shared test fixtures: the real public records in ../shared/fixtures, tmp stores, the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from alpr_audit.store import Store

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def fixture_file(relpath: str) -> Path:
    """A shared fixture file, or skip the test with the reason when it is absent."""
    path = FIXTURES / relpath
    if not path.exists():
        pytest.skip(f"shared fixture {relpath} not present (tests read ../shared/fixtures)")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store")
    yield s
    s.close()


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self):  # noqa: ANN201
        return json.loads(self.stdout)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # noqa: ANN201
    """Run ``alpr-audit ARGS`` in-process; returns exit code, stdout and stderr."""
    from alpr_audit.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a CSV with every field quoted (as Flock exports do)."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


