"""The CLI contract: --json equals the library's answer, errors have the contract's shape."""

from __future__ import annotations

from pathlib import Path

from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.reports import REPORTS, run_report
from alpr_audit.store import Store
from fixturekit import fixture_file, write_csv

KEYS = {"path", "sha256", "format", "status", "source_id", "rows_read", "rows_loaded",
        "rows_rejected", "rows_duplicate", "message"}


def _jsonish(rows):
    import json

    from alpr_audit.cli.render import _jsonable

    return json.loads(json.dumps(rows, default=_jsonable))


def test_ingest_json_has_the_contract_shape_and_matches_the_library(cli, tmp_path: Path) -> None:
    sample = fixture_file("flock/constructed_network-audit_sample.csv")
    res = cli("--store", tmp_path / "a", "--json", "ingest", sample)
    assert res.code == 0
    [got] = res.json()
    assert KEYS <= set(got)
    with Store.open(tmp_path / "b") as store:
        [lib] = ingest_paths(store, [sample])
    expect = lib.to_json()
    for key in ("sha256", "format", "status", "source_id", "rows_read", "rows_loaded",
                "rows_rejected", "rows_duplicate"):
        assert got[key] == expect[key]


def test_ingest_exit_code_is_1_when_any_file_failed(cli, tmp_path: Path) -> None:
    bad = tmp_path / "in" / "junk.csv"
    bad.parent.mkdir()
    bad.write_bytes(b"\x00\x01\x02" * 100)
    write_csv(tmp_path / "in" / "p.csv", ["id", "searchDate", "networkCount"],
              [["x", "2026-03-10T04:31:52.901Z", "3"]])
    res = cli("--store", tmp_path / "s", "--json", "ingest", tmp_path / "in")
    assert res.code == 1
    statuses = {Path(r["path"]).name: r["status"] for r in res.json()}
    assert statuses == {"junk.csv": "failed", "p.csv": "ingested"}


def test_reports_json_equals_the_library(cli, tmp_path: Path) -> None:
    sample = fixture_file("flock/constructed_network-audit_sample.csv")
    assert cli("--store", tmp_path / "s", "ingest", sample).code == 0
    with Store.open(tmp_path / "s", read_only=True) as store:
        for name in REPORTS:
            lib = _jsonish(run_report(store, name))
            res = cli("--store", tmp_path / "s", "--json", "report", name)
            assert res.code == 0, res.stderr
            assert res.json() == lib, name
            assert lib, f"{name} returned no rows on the sample"


def test_report_list_and_filters(cli, tmp_path: Path) -> None:
    sample = fixture_file("flock/constructed_network-audit_sample.csv")
    cli("--store", tmp_path / "s", "ingest", sample)
    listed = cli("--json", "report", "--list").json()
    assert [r["name"] for r in listed] == list(REPORTS)
    res = cli("--store", tmp_path / "s", "--json", "report", "searches-by-org",
              "--agency", "Example City CA PD", "--since", "2025-05-01", "--until", "2025-05-31")
    assert res.json()[0]["organization"] == "Example City CA PD"
    assert res.json()[0]["searches"] == 2  # May 1 and May 11; Apr 9 and Jun 1 fall outside


def test_sql_is_read_only_and_formats(cli, tmp_path: Path) -> None:
    sample = fixture_file("flock/constructed_network-audit_sample.csv")
    cli("--store", tmp_path / "s", "ingest", sample)
    res = cli("--store", tmp_path / "s", "sql", "SELECT count(*) AS n FROM searches", "--format", "csv")
    assert res.stdout.splitlines() == ["n", "6"]
    res = cli("--store", tmp_path / "s", "--json", "sql", "SELECT count(*) AS n FROM searches")
    assert res.json() == [{"n": 6}]
    for stmt in ("DELETE FROM sources", "COPY (SELECT 1) TO 'x.csv'", "ATTACH 'x.db'",
                 "CREATE TABLE t (a INT)", "SELECT 1; SELECT 2"):
        res = cli("--store", tmp_path / "s", "--json", "sql", stmt)
        assert res.code != 0
        assert set(res.json()["error"]) == {"kind", "message", "path", "locator", "hint"}
    assert cli("--store", tmp_path / "s", "--json", "sql", "SELECT count(*) AS n FROM sources").json() == [{"n": 1}]


def test_errors_have_message_place_and_hint_and_no_traceback(cli, tmp_path: Path) -> None:
    res = cli("--store", tmp_path / "none", "sources")
    assert res.code == 2
    assert "no alpr-audit store" in res.stderr and "hint:" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    res = cli("--store", tmp_path / "none", "--json", "report", "searches-by-month")
    assert res.json()["error"]["kind"] == "store"
    res = cli("--json", "report", "no-such-report")
    assert res.json()["error"]["kind"] == "usage"
    res = cli("--json", "--bogus-option")
    assert res.code == 2 and res.json()["error"]["kind"] == "usage"


def test_sources_and_rejects_commands(cli, tmp_path: Path) -> None:
    header = ["id", "searchDate", "networkCount"]
    path = write_csv(tmp_path / "p.csv", header, [["a", "2026-03-10T04:31:52.901Z", "3"],
                                                  ["b", "yesterday", "3"]])
    cli("--store", tmp_path / "s", "ingest", path)
    [src] = cli("--store", tmp_path / "s", "--json", "sources").json()
    assert (src["rows_read"], src["rows_loaded"], src["rows_rejected"]) == (2, 1, 1)
    [rej] = cli("--store", tmp_path / "s", "--json", "rejects", src["source_id"][:6]).json()
    assert rej["locator"] == "row 3" and "yesterday" in rej["raw"]
    assert rej["code"] == "cell.bad_timestamp"


def test_report_log_kind_filter(cli, tmp_path: Path) -> None:
    sample = fixture_file("flock/constructed_network-audit_sample.csv")
    portal = write_csv(tmp_path / "p.csv", ["id", "searchDate", "networkCount"],
                       [["x", "2025-05-10T04:31:52.901Z", "3"]])
    cli("--store", tmp_path / "s", "ingest", sample, portal)
    def total(*extra: str) -> int:
        rows = cli("--store", tmp_path / "s", "--json", "report", "searches-by-month", *extra).json()
        return sum(r["searches"] for r in rows)
    assert (total(), total("--log-kind", "network_audit"), total("--log-kind", "portal_audit")) == (7, 6, 1)


def test_ingest_with_a_mapping_file(cli, tmp_path: Path) -> None:
    mapping = Path(__file__).resolve().parents[1] / "docs" / "mappings" / "rekor-search-audit.toml"
    bad = cli("--store", tmp_path / "s", "--json", "ingest", "--mapping", tmp_path / "nope.toml", tmp_path)
    assert bad.code == 2 and bad.json()["error"]["path"].endswith("nope.toml")
    assert mapping.exists()


def test_request_import_due_and_batch_commands(cli, tmp_path: Path) -> None:
    thread = fixture_file("requests/muckrock_lapd-25-2170_alpr-audits.txt")
    shown = cli("--store", tmp_path / "s", "--json", "request", "import", thread).json()
    assert (shown["due_on"], shown["extended_due_on"]) == ("2025-02-20", "2025-03-06")
    assert len(shown["items"]) == 12 and len(shown["communications"]) == 5
    due = cli("--store", tmp_path / "s", "--json", "request", "due", "--today", "2025-03-10").json()
    assert [(r["request_id"], r["days_overdue"]) for r in due] == [(shown["request_id"], 4)]
    assert cli("--store", tmp_path / "s", "--json", "request", "due", "--today", "2025-03-06").json() == []
    [batch] = cli("--store", tmp_path / "s", "--json", "request", "batch").json()
    assert batch["requests"] == 1


def test_searches_by_purpose_report(cli, tmp_path: Path) -> None:
    sample = fixture_file("flock/constructed_network-audit_sample.csv")
    cli("--store", tmp_path / "s", "ingest", sample)
    rows = {r["purpose"]: r["searches"] for r in
            cli("--store", tmp_path / "s", "--json", "report", "searches-by-purpose").json()}
    # ICE+ERO, 'stolen vehicle', the UI artifact, two without a reason (one redacted), 'inv'
    assert rows == {"immigration": 1, "specific": 1, "generic": 2, "missing": 2}


AUDIT_FINDING_KEYS = {"finding_id", "rule_id", "severity", "agency", "subject",
                      "evidence_count", "citation", "message"}


def test_audit_json_is_the_contract_shape_and_equals_the_library(cli, tmp_path: Path) -> None:
    """``audit --json`` findings are ``[f.to_json() for f in run_audit(...).findings]`` (ids
    aside: a finding id hashes its run id, which differs between two runs)."""
    from alpr_audit.audit.engine import run_audit

    sample = fixture_file("flock/constructed_network-audit_sample.csv")
    assert cli("--store", tmp_path / "a", "ingest", sample).code == 0
    res = cli("--store", tmp_path / "a", "--json", "audit")
    assert res.code == 0, res.stderr
    got = res.json()
    assert {"run_id", "pack", "findings"} <= set(got)
    assert got["findings"], "the sample should give findings"
    assert all(set(f) == AUDIT_FINDING_KEYS for f in got["findings"])
    with Store.open(tmp_path / "b") as store:
        ingest_paths(store, [sample])
        lib = run_audit(store)
    assert got["pack"] == lib.pack.name
    expect = _jsonish([f.to_json() for f in lib.findings])

    def strip(rows):
        return [{k: v for k, v in r.items() if k != "finding_id"} for r in rows]

    assert strip(got["findings"]) == strip(expect)


def test_every_command_of_the_contract_is_registered() -> None:
    """The command names users' scripts depend on (docs/index.md, the CLI contract) are all
    there: a command-group module that is not imported silently drops its commands."""
    import typer.main

    from alpr_audit.cli import app

    names = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    contract = {"ingest", "sources", "rejects", "sql", "report", "audit", "agencies", "request",
                "respond", "portal", "serve", "synth", "demo", "export", "doctor", "store"}
    assert contract <= names, f"commands missing: {sorted(contract - names)}"
