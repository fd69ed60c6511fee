"""Detection by content: known formats whatever their names, unknown files reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpr_audit.core.errors import UnknownFormatError
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.ingest.probe import probe_file
from alpr_audit.ingest.registry import detect
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv


def test_content_decides_not_the_file_name(store: Store, tmp_path: Path) -> None:
    src = fixture_file("flock/constructed_network-audit_sample.csv")
    odd = tmp_path / "report.txt"
    odd.write_bytes(src.read_bytes())
    assert ingest_file(store, odd).format == "flock_audit"


@pytest.mark.parametrize(("name", "content", "expect"), [
    ("empty.csv", b"", "an empty file"),
    ("blank.csv", b"\n\n  \n", "an empty file"),
    ("junk.csv", bytes(range(256)) * 20, "binary data"),
    ("fake.xlsx", b"PK\x03\x04" + b"\x00" * 100, "ZIP"),
    ("doc.pdf", b"%PDF-1.4\n%...", "a PDF document"),
    ("page.html", b"<!DOCTYPE html><html><body>hi</body></html>", "an HTML page"),
    ("other.csv", b"Name,State,Type\nAcme,CA,Business\n", "first row is"),
])
def test_unknown_files_are_reported_not_crashed_on(store: Store, tmp_path: Path, name, content, expect) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnknownFormatError) as info:
        detect(probe_file(path))
    assert expect in info.value.message
    assert "flock_audit" in info.value.hint
    [result] = ingest_paths(store, [path])
    assert result.status == "failed" and expect in result.message
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0


def test_folders_are_walked_and_each_file_gets_a_result(store: Store, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write_csv(tmp_path / "sub" / "p.csv", ["id", "userId", "searchDate", "networkCount"],
              [["x", "***", "2026-03-10T04:31:52.901Z", "3"]])
    (tmp_path / "notes.txt").write_text("just words\n")
    (tmp_path / ".hidden.csv").write_text("ignored\n")
    results = ingest_paths(store, [tmp_path])
    assert [(Path(r.path).name, r.status) for r in results] == [
        ("notes.txt", "failed"), ("p.csv", "ingested")]


def test_a_missing_path_is_a_failed_result(store: Store, tmp_path: Path) -> None:
    [r] = ingest_paths(store, [tmp_path / "nope.csv"])
    assert r.status == "failed" and "no such file" in r.message
