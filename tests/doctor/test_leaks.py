"""The leak scanner reads every kind of output file and finds a personal value in each.

A tiny store holds one user (name, e-mail) and searches with plates and user ids. Files of
every kind the project writes are made here with one personal value each at a known place;
the scanner must name the file, the place and the kind, and never print the value. The same
files written with pseudonyms only must come out clean.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
import zipfile
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from alpr_audit.doctor.leaks import Leak, mask, scan, sensitive_values
from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.store import Store
from alpr_audit.synth.flock import write_audit_csv

AGENCY = "Mapleton CA PD"
NAME, EMAIL = "Winifred Castellanos", "w.castellanos@pd.example.gov"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("tiny")
    audit = root / "audit.csv"
    write_audit_csv(audit, 50, seed=7, log_kind="org", publisher=AGENCY,
                    start=dt.datetime(2025, 3, 1))
    users = root / "users.csv"
    with users.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["First Name", "Last Name", "Email", "Role", "Search"])
        w.writerow(["Winifred", "Castellanos", EMAIL, "User", "Enabled"])
    store = Store.open(root / "store")
    assert {r.status for r in ingest_paths(store, [audit, users], agency=AGENCY)} == {"ingested"}
    yield store
    store.close()


@pytest.fixture(scope="module")
def values(tiny: Store) -> dict[str, str]:
    row = tiny.query("SELECT plate_query, user_ref FROM searches WHERE length(plate_query) >= 6 "
                     "AND plate_query NOT LIKE '%*%' AND user_ref IS NOT NULL LIMIT 1")[0]
    return {"plate": row["plate_query"], "user_id": row["user_ref"], "name": NAME,
            "email": EMAIL}


def _write_all(folder: Path, v: dict[str, str]) -> dict[str, tuple[str, str]]:
    """One file per reader; returns file → (kind, place the scanner must report)."""
    folder.mkdir()
    with (folder / "a.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows([["agency", "user"], [AGENCY, "ok"], [AGENCY, v["user_id"]]])
    (folder / "b.json").write_text(json.dumps({"rows": [{"x": 1}, {"who": f"by {v['name']}"}]}))
    book = xlsxwriter.Workbook(str(folder / "c.xlsx"))
    book.add_worksheet("Items").write("C4", f"plate {v['plate']} seen")
    book.close()
    (folder / "d.html").write_text(f'<html><body>\n<p>fine</p>\n<a title="{v["email"]}">x</a>'
                                   "</body></html>")
    con = sqlite3.connect(folder / "e.sqlite")
    con.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    con.execute("INSERT INTO users VALUES (1, 'x'), (2, ?)", [v["name"]])
    con.commit()
    con.close()
    duckdb.sql(f"COPY (SELECT 'a' AS k UNION ALL SELECT '{v['plate'].lower()}') "
               f"TO '{folder / 'f.parquet'}' (FORMAT parquet)")
    with zipfile.ZipFile(folder / "g.zip", "w") as zf:
        zf.writestr("inner/notes.txt", f"line one\ncontact {v['email']}\n")
    (folder / "h.md").write_text(f"# report\n\nwritten by {v['user_id'].upper()}\n")
    return {"a.csv": ("user_id", "row 3, user"), "b.json": ("name", "$.rows[1].who"),
            "c.xlsx": ("plate", "Items!C4"), "d.html": ("email", "line 3 <a title>"),
            "e.sqlite": ("name", "users row 2, name"), "f.parquet": ("plate", "row 2, k"),
            "g.zip!inner/notes.txt": ("email", "line 2"), "h.md": ("user_id", "line 3")}


def test_every_reader_finds_its_value_at_its_place(tiny: Store, values: dict[str, str],
                                                   tmp_path: Path) -> None:
    expected = _write_all(tmp_path / "out", values)
    leaks = scan(tiny, tmp_path / "out")
    found = {(x.file, x.kind, x.place) for x in leaks}
    for file, (kind, place) in expected.items():
        assert (file, kind, place) in found, (file, sorted(found))
    assert {x.file for x in leaks} == set(expected)  # nothing else flagged (agency names …)
    for leak in leaks:  # the report shows masked values only
        assert not any(v.casefold() in json.dumps(leak.to_json()).casefold()
                       for v in values.values())


def test_pseudonyms_and_lookalikes_are_not_leaks(tiny: Store, values: dict[str, str],
                                                 tmp_path: Path) -> None:
    clean = {"plate": "plate-0a1b2c3d4e5f", "user_id": "user-1234567890ab",
             "name": "person-abcdefabcdef", "email": "email-0123456789ab"}
    _write_all(tmp_path / "out", clean)
    # a plate inside a longer token, a name inside other words: not the value
    (tmp_path / "out" / "z.txt").write_text(f"X{values['plate']}9 Winifredson Castellanosa\n")
    assert scan(tiny, tmp_path / "out") == []


def test_the_store_knows_what_to_look_for(tiny: Store, values: dict[str, str]) -> None:
    s = sensitive_values(tiny)
    assert values["plate"].upper() in s.plates
    assert s.words[NAME.casefold()] == "name" and s.words[EMAIL] == "email"
    assert AGENCY.casefold() not in s.words  # agency names are public


def test_mask_hides_the_middle() -> None:
    assert mask("Winifred Castellanos") == "W…s (20 chars)"
    assert mask("AB") == "**"
    assert Leak("f", "p", "name", mask(NAME)).masked != NAME
