"""The audit run: one commit of run, findings, evidence and labels; settings and packs;
clear errors; the CLI's --json equals the library's result."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import AuditError, default_as_of, run_audit, select_rules
from alpr_audit.audit.packs import load_pack
from alpr_audit.audit.rules import all_rules
from alpr_audit.audit.rules.base import SEVERITIES, Rule
from alpr_audit.core.errors import UsageError
from alpr_audit.store.store import Store

FIXED_IDS = {"sharing.out_of_state", "sharing.federal", "sharing.private",
             "sharing.unknown_partner", "purpose.immigration", "purpose.protest",
             "purpose.vague", "access_record.incomplete"}


def _world(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "searches", [dict(publisher_agency_id=pub, searcher_agency_id=pub, user_ref="u",
                                      searched_at=datetime(2025, 3, d), reason=r, plate_query="X")
                                 for d, r in ((1, "ICE"), (2, "inv"), (3, "burglary"))])


def test_contract_rule_ids_exist_with_metadata() -> None:
    rules = {r.id: r for r in all_rules()}
    assert FIXED_IDS <= set(rules)
    for r in rules.values():
        assert r.severity in SEVERITIES and r.citation and r.title and r.explanation
        assert r.id.split(".")[0] == r.family


def test_a_run_commits_run_findings_and_evidence_together(store: Store) -> None:
    _world(store)
    result = run_audit(store, only=["purpose.*"])
    runs = store.query("SELECT run_id, pack, findings, rules FROM audit_runs")
    assert runs == [{"run_id": result.run_id, "pack": "california", "findings": 2,
                     "rules": result.rules_run}]
    stored = store.query("SELECT rule_id, evidence_count FROM findings ORDER BY rule_id")
    assert stored == [{"rule_id": "purpose.immigration", "evidence_count": 1},
                      {"rule_id": "purpose.vague", "evidence_count": 1}]
    ev = store.query("SELECT count(*) AS n FROM evidence e JOIN findings f USING (finding_id)")
    assert ev == [{"n": 2}]
    assert not any(store.staging_dir.glob("audit-*"))


def test_as_of_defaults_to_the_latest_time_in_the_data(store: Store) -> None:
    _world(store)
    assert default_as_of(store) == datetime(2025, 3, 3)
    assert run_audit(store, only=["purpose.vague"]).as_of == datetime(2025, 3, 3)


def test_a_failing_rule_is_named_and_nothing_is_committed(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _world(store)

    def broken(ctx):  # noqa: ANN001, ANN202
        raise ZeroDivisionError("boom")

    bad = Rule("purpose.broken", "Broken", "low", "none", "x", broken)
    monkeypatch.setattr("alpr_audit.audit.engine.all_rules", lambda: [*all_rules(), bad])
    with pytest.raises(AuditError, match="rule purpose.broken failed: ZeroDivisionError"):
        run_audit(store)
    assert store.query("SELECT count(*) AS n FROM audit_runs") == [{"n": 0}]
    assert store.query("SELECT count(*) AS n FROM findings") == [{"n": 0}]
    assert store.query("SELECT count(*) AS n FROM table_files WHERE table_name = 'evidence'") == [{"n": 0}]


def test_settings_file_overrides_the_pack_and_is_recorded(store: Store, tmp_path: Path) -> None:
    _world(store)
    f = tmp_path / "s.toml"
    f.write_text("[settings]\nburst_count = 5\n[severity]\n\"purpose.vague\" = \"low\"\n")
    result = run_audit(store, settings_file=f, only=["purpose.vague"])
    assert result.findings[0]["severity"] == "low"
    (row,) = store.query("SELECT settings FROM audit_runs")
    settings = json.loads(row["settings"])
    assert settings["burst_count"] == {"value": 5, "from": str(f)}
    assert settings["retention_days"] == {"value": 365, "from": "default"}


@pytest.mark.parametrize(("text", "match"), [
    ("[settings]\nburst_cuont = 5\n", "did you mean 'burst_count'"),
    ("[settings]\nburst_count = 'five'\n", "wrong type"),
    ("[settings]\ntimezone = 'Mars/Olympus'\n", "unknown time zone"),
    ("[nonsense]\n", "unknown section"),
    ("[settings\n", "not valid TOML"),
])
def test_bad_settings_files_get_clear_errors(tmp_path: Path, text: str, match: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(text)
    with pytest.raises(UsageError) as exc:
        load_pack("california", f)
    assert match in str(exc.value) + (exc.value.hint or "")


def test_packs_differ_where_the_law_differs() -> None:
    assert load_pack("virginia").settings["retention_days"] == 21
    assert load_pack("illinois").severity["sharing.out_of_state"] == "review"
    assert "625 ILCS" in load_pack("illinois").citations["purpose.immigration"]
    with pytest.raises(UsageError, match="unknown rule pack"):
        load_pack("texas")
    with pytest.raises(UsageError, match="no rule of pack"):
        select_rules(load_pack(), ["nothing.*"])


def test_cli_json_is_the_library_result(store: Store, cli, tmp_path: Path) -> None:  # noqa: ANN001
    _world(store)
    root = str(store.root)
    store.close()
    res = cli("--store", root, "--json", "audit", "--rules", "purpose.*")
    assert res.code == 0, res.stderr
    data = res.json()
    assert data["pack"] == "california"
    with Store.open(root) as s:
        stored = s.query("SELECT finding_id, rule_id, severity, evidence_count, message "
                         "FROM findings WHERE run_id = ? ORDER BY finding_id", [data["run_id"]])
    got = sorted(({k: f[k] for k in ("finding_id", "rule_id", "severity", "evidence_count", "message")}
                  for f in data["findings"]), key=lambda f: f["finding_id"])
    assert got == stored
    assert set(data["findings"][0]) == {"finding_id", "rule_id", "severity", "agency", "subject",
                                        "evidence_count", "citation", "message"}


def test_cli_bad_as_of_is_a_usage_error(store: Store, cli) -> None:  # noqa: ANN001
    root = str(store.root)
    store.close()
    res = cli("--store", root, "--json", "audit", "--as-of", "last tuesday")
    assert res.code == 2
    assert res.json()["error"]["hint"].startswith("write 2025-10-31")
