"""The agencies command: the registry, --unresolved and --explain."""

from __future__ import annotations

from pathlib import Path

from fixturekit import write_csv

HEADER = ["ID", "Name", "Org Name", "Total Networks Searched", "Time Frame", "License Plate",
          "Reason", "Case #", "Filters", "Search Time", "Search Type"]


def _rec(i: int, org: str) -> list[str]:
    return [f"id-{i}", "***", org, "3", "05/01/2025, 08:00:00 AM UTC\n05/01/2025, 09:00:00 AM UTC",
            "***", "inv", "", "", f"05/0{i}/2025, 09:11:16 AM UTC", "search"]


def test_spellings_across_files_join_one_agency_with_aliases(cli, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", HEADER, [_rec(1, "ALHAMBRA CA PD"), _rec(2, "Aurora Police Department")])
    b = write_csv(tmp_path / "b.csv", HEADER, [_rec(3, "Alhambra Police Department (CA)")])
    assert cli("--store", tmp_path / "s", "ingest", a, b).code == 0
    rows = {r["agency_id"]: r for r in cli("--store", tmp_path / "s", "--json", "agencies").json()}
    assert rows["alhambra-ca-pd"]["aliases"] == ["ALHAMBRA CA PD", "Alhambra Police Department (CA)"]
    unresolved = cli("--store", tmp_path / "s", "--json", "agencies", "--unresolved").json()
    assert [r["name"] for r in unresolved] == ["Aurora Police Department"]


def test_explain_shows_the_evidence(cli) -> None:
    got = cli("--json", "agencies", "--explain", "CA - Chino PD").json()
    assert (got["agency_id"], got["state"]) == ("chino-ca-pd", "CA")
    assert "state prefix 'CA - '" in got["evidence"]


def test_a_misspelling_joins_the_known_agency(cli, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", HEADER, [_rec(1, "SAN BERNARDINO COUNTY CA SO")])
    b = write_csv(tmp_path / "b.csv", HEADER, [_rec(2, "San Bernadino County Sheriff (CA)"),
                                               _rec(3, "RIVERSIDE CA PD")])
    cli("--store", tmp_path / "s", "ingest", a)
    cli("--store", tmp_path / "s", "ingest", b)
    rows = {r["agency_id"]: r for r in cli("--store", tmp_path / "s", "--json", "agencies").json()}
    assert set(rows) == {"san-bernardino-county-ca-so", "riverside-ca-pd"}
    assert "San Bernadino County Sheriff (CA)" in rows["san-bernardino-county-ca-so"]["aliases"]
