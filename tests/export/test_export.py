"""export sqlite and export parquet: what they contain, that they leak no personal value by
default, that --release publishes as written, formula safety, and atomic writes."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest

from alpr_audit.core.errors import UsageError
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.outputs.export import export_parquet, export_sqlite
from alpr_audit.outputs.export import parquet as parquet_mod
from alpr_audit.store import Store


def personal_values(store_path: Path) -> set[str]:
    with Store.open(store_path, read_only=True) as store:
        rows = store.con.execute("""
            SELECT user_ref FROM searches UNION SELECT plate_query FROM searches
            UNION SELECT user_ref FROM users UNION SELECT display_name FROM users
            UNION SELECT email FROM users UNION SELECT user_ref FROM hotlist_events
            UNION SELECT plate_query FROM hotlist_events""").fetchall()
    return {" ".join(v.split()).casefold() for (v,) in rows
            if v and len(v.strip()) >= 6 and "*" not in v}


def phrases(text: str) -> set[str]:
    words = [w.strip(".'-") for w in re.findall(r"[\w@.+'-]+", text.casefold())]
    out = set(words)
    out.update(" ".join(words[i:i + n]) for n in (2, 3) for i in range(len(words) - n + 1))
    return out


def test_sqlite_export_is_datasette_ready(world_store: Path, tmp_path: Path, cli) -> None:  # noqa: ANN001
    out = tmp_path / "alpr.db"
    r = cli("--store", world_store, "--json", "export", "sqlite", "--out", out)
    assert r.code == 0, r.stderr
    result = r.json()
    con = sqlite3.connect(out)
    for table, n in result["tables"].items():
        if n:
            assert con.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] == n
    with Store.open(world_store, read_only=True) as store:
        assert result["tables"]["findings"] == store.query(
            "SELECT count(*) AS n FROM findings")[0]["n"] > 0
    fks = con.execute("PRAGMA foreign_key_list(findings)").fetchall()
    assert any(fk[2] == "agencies" for fk in fks)
    meta = json.loads(Path(result["metadata"]).read_text())
    assert meta["title"] and meta["license"] and meta["source"]
    tables = meta["databases"]["alpr"]["tables"]
    assert set(tables) == set(result["tables"])
    assert all(t["title"] and t["description"] for t in tables.values())
    assert tables["findings"]["columns"]["citation"]


def test_sqlite_export_has_no_personal_values(world_store: Path, tmp_path: Path) -> None:
    values = personal_values(world_store)
    with Store.open(world_store, read_only=True) as store:
        export_sqlite(store, tmp_path / "a.db")
    con = sqlite3.connect(tmp_path / "a.db")
    text = []
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        text += [" ".join(map(str, row)) for row in con.execute(f"SELECT * FROM [{table}]")]
    found = phrases("\n".join(text)) & values
    assert len(values) > 50 and not found, sorted(found)[:5]
    subjects = [r[0] for r in con.execute("SELECT subject FROM findings WHERE subject_kind = 'user'")]
    assert subjects and all(s.startswith("user-") for s in subjects)


def test_sqlite_text_is_formula_safe(world_store: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    shutil.copytree(world_store, store_path)
    payload = '=HYPERLINK("http://evil.example","click")'
    with Store.open(store_path) as store:
        store.con.execute("INSERT INTO agencies (agency_id, name, state, level) VALUES "
                          "('evil', ?, 'CA', 'local')", [payload])
    with Store.open(store_path, read_only=True) as store:
        export_sqlite(store, tmp_path / "a.db")
    name = sqlite3.connect(tmp_path / "a.db").execute(
        "SELECT name FROM agencies WHERE agency_id = 'evil'").fetchone()[0]
    assert name == "'" + payload


def test_sqlite_export_needs_a_db_name(world_store: Path, tmp_path: Path) -> None:
    with Store.open(world_store, read_only=True) as store, pytest.raises(UsageError):
        export_sqlite(store, tmp_path / "a.csv")


def test_parquet_export_pseudonymises_by_default(world_store: Path, tmp_path: Path) -> None:
    values = personal_values(world_store)
    with Store.open(world_store, read_only=True) as store:
        result = export_parquet(store, tmp_path / "pq")
        raw_users = {r[0] for r in store.con.execute(
            "SELECT DISTINCT user_ref FROM searches WHERE user_ref IS NOT NULL").fetchall()}
        counts = {t: store.con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                  for t in ("searches", "detections", "findings", "evidence")}
    for t, n in counts.items():
        assert result.tables[t] == n > 0
    con = duckdb.connect()
    leaks = set()
    for f in (tmp_path / "pq").glob("*.parquet"):
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{f}'").fetchall()
                if r[1] == "VARCHAR"]
        if not cols:
            continue
        text = con.execute(f"SELECT string_agg(concat_ws(' ', {', '.join(cols)}), chr(10)) "
                           f"FROM '{f}'").fetchone()[0] or ""
        leaks |= {(f.name, v) for v in phrases(text) & values}
    assert not leaks, sorted(leaks)[:5]
    pz = Pseudonymizer(store_key(world_store))
    users = {r[0] for r in con.execute(
        f"SELECT DISTINCT user_ref FROM '{tmp_path / 'pq' / 'searches.parquet'}' "
        "WHERE user_ref IS NOT NULL").fetchall()}
    assert users == {pz.token("user", u) for u in raw_users}  # same keyed pseudonyms
    manifest = json.loads((tmp_path / "pq" / "manifest.json").read_text())
    assert "user_ref" in manifest["pseudonymised"]["searches"] and "rejects" in manifest["withheld"]


def test_parquet_release_publishes_as_written(world_store: Path, tmp_path: Path) -> None:
    with Store.open(world_store, read_only=True) as store:
        export_parquet(store, tmp_path / "pq", release={"user_ids"})
        raw = {r[0] for r in store.con.execute("SELECT DISTINCT user_ref FROM searches").fetchall()}
    got = {r[0] for r in duckdb.connect().execute(
        f"SELECT DISTINCT user_ref FROM '{tmp_path / 'pq' / 'searches.parquet'}'").fetchall()}
    assert got == raw
    plates = duckdb.connect().execute(
        f"SELECT count(*) FROM '{tmp_path / 'pq' / 'searches.parquet'}' "
        "WHERE plate_query IS NOT NULL AND NOT starts_with(plate_query, 'plate-')").fetchone()[0]
    assert plates == 0  # only user ids were released


def test_parquet_export_is_atomic(world_store: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    out = tmp_path / "pq"
    with Store.open(world_store, read_only=True) as store:
        export_parquet(store, out)
        before = sorted(p.name for p in out.iterdir())
        real = parquet_mod._select

        def broken(store, table, *a):  # noqa: ANN001, ANN202
            if table == "users":
                raise OSError("disk full")
            return real(store, table, *a)

        monkeypatch.setattr(parquet_mod, "_select", broken)
        with pytest.raises(OSError):
            export_parquet(store, out)
        assert sorted(p.name for p in out.iterdir()) == before  # the earlier export intact
        assert [p.name for p in tmp_path.iterdir()] == ["pq"]  # no temp folder left
        monkeypatch.undo()
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "keep.txt").write_text("mine")
        with pytest.raises(UsageError, match="not empty"):
            export_parquet(store, tmp_path / "other")
        with pytest.raises(UsageError, match="cannot release"):
            export_parquet(store, tmp_path / "x", release={"everything"})
