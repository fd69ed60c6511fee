"""Helpers test modules import by name: the shared public-record fixtures and a CSV writer.

They live here, not in conftest.py, because pytest imports every conftest.py under the one
module name ``conftest``: a ``from fixturekit import …`` resolves to whichever sub-folder's
conftest was collected last.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: ../shared/fixtures beside the checkout; ALPR_AUDIT_FIXTURES points elsewhere (a git
#: worktree of the repository sits one folder deeper than the checkout)
FIXTURES = Path(os.environ.get("ALPR_AUDIT_FIXTURES")
                or Path(__file__).resolve().parents[2] / "shared" / "fixtures")


def fixture_file(relpath: str) -> Path:
    """A shared fixture file, or skip the test with the reason when it is absent."""
    path = FIXTURES / relpath
    if not path.exists():
        pytest.skip(f"shared fixture {relpath} not present (tests read ../shared/fixtures)")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a CSV with every field quoted (as Flock exports do)."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


