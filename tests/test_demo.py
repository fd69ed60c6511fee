"""The one-command demo and the synthetic world from the CLI."""

from __future__ import annotations

import json
from pathlib import Path


def test_demo_ingests_reports_audits_and_writes_the_report(cli, tmp_path: Path) -> None:  # noqa: ANN001
    res = cli("--store", tmp_path / "store", "--json", "demo", "--out", tmp_path / "audit")
    assert res.code == 0, res.stderr
    data = res.json()
    assert all(r["status"] == "ingested" and r["rows_rejected"] == 0 for r in data["ingest"])
    rules = {f["rule_id"] for f in data["audit"]["findings"]}
    assert {"sharing.out_of_state", "purpose.immigration", "retention.detections"} <= rules
    for name in ("findings.csv", "findings.xlsx", "audit-report.pdf"):
        assert (tmp_path / "audit" / name).stat().st_size > 1000
    assert data["reports"]["searches-by-purpose"]
    # the store is sound and the published report carries no personal value of it
    assert cli("--store", tmp_path / "store", "doctor").code == 0
    leaks = cli("--store", tmp_path / "store", "--json", "doctor", "--leaks", tmp_path / "audit")
    assert leaks.code == 0 and leaks.json()["leaks"] == [], leaks.stdout


def test_demo_prints_where_the_report_is(cli, tmp_path: Path) -> None:  # noqa: ANN001
    res = cli("--store", tmp_path / "store", "demo", "--out", tmp_path / "audit")
    assert res.code == 0, res.stderr
    assert "audit report" in res.stdout and str(tmp_path / "audit" / "audit-report.pdf") in res.stdout


def test_synth_world_truth(cli, tmp_path: Path) -> None:  # noqa: ANN001
    res = cli("--json", "synth", "--out", tmp_path / "w", "--truth", "--agencies", "1")
    assert res.code == 0, res.stderr
    truth = res.json()
    assert truth == json.loads((tmp_path / "w" / ".truth.json").read_text())
    assert [a["name"] for a in truth["agencies"]] == ["Mapleton CA PD"]
    bad = cli("--json", "synth", "--out", tmp_path / "x", "--world", "--agencies", "99")
    assert bad.code == 2 and "out of range" in bad.json()["error"]["message"]
