"""The audit report: findings.csv, findings.xlsx and audit-report.pdf of one run.

One store per module: a real audit run over hand-made sharing, searches and users rows (a
partner whose name is a formula and Typst markup, an officer's e-mail as user id, a plate in
the reason), and a hand-made later run with a user-subject finding whose message and notes
name the user — the shape the accounts and volume rules produce.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pdfplumber
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook
from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.core.errors import UsageError
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.outputs.audit_report.report import write_audit_report
from alpr_audit.store.store import Store

PAYLOAD = '=HYPERLINK("http://x","y")'
TYPST = r"#exec $x$ [a] *b* <l> @ref \ _u_"
PARTNER = f"{PAYLOAD} Portland {TYPST}"
USER = "jdoe.sentinel@pd.example"  # a user id that is an officer's e-mail, as Flock writes
NAME = "Janet Sentinelle"
EMAIL = "janet.sentinelle@home.example"
PLATE = "7SNTL42"
CASE = "25-SENT-0042"
SECRETS = (USER, NAME, EMAIL, PLATE, CASE)
FAKE_RUN = "20990101T000000-fffff1"


def _fake_run(store: Store, findings: list[dict], evidence: list[dict]) -> None:
    """Commit a run the way the engine does (run row, findings, one evidence file)."""
    rules = sorted({f["rule_id"] for f in findings})
    store.con.execute("INSERT INTO audit_runs VALUES (?, 'california', ?, ?, ?, 'duckdb', ?, ?, ?, "
                      "'{}', '{}')",
                      [FAKE_RUN, datetime(2099, 1, 1), datetime(2099, 1, 1),
                       datetime(2025, 3, 31),
                       json.dumps({"inactive_days": {"value": 365, "from": "default"}}),
                       rules, len(findings)])
    cols = ("finding_id", "run_id", "rule_id", "severity", "agency_id", "subject",
            "evidence_count", "first_at", "last_at", "citation", "title", "message", "details")
    store.con.executemany(f"INSERT INTO findings ({', '.join(cols)}) VALUES "
                          f"({', '.join('?' * len(cols))})",
                          [[f[c] for c in cols] for f in findings])
    names = ("run_id", "finding_id", "rule_id", "agency_id", "subject", "table_name",
             "source_id", "locator", "at", "note")
    table = pa.table({n: pa.array([e.get(n) for e in evidence],
                                  pa.timestamp("us") if n == "at" else pa.string()) for n in names})
    rel = f"tables/evidence/{FAKE_RUN}.parquet"
    (store.root / rel).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, store.root / rel)
    store.con.execute("INSERT INTO table_files VALUES ('evidence', ?, ?, ?)",
                      [FAKE_RUN, rel, len(evidence)])
    store.refresh_views()


def _finding(fid: str, rule: str, severity: str, subject: str, kind: str, n: int,
             message: str) -> dict:
    return {"finding_id": fid, "run_id": FAKE_RUN, "rule_id": rule, "severity": severity,
            "agency_id": "mapleton-ca-pd", "subject": subject, "evidence_count": n,
            "first_at": datetime(2025, 3, 1), "last_at": datetime(2025, 3, 2),
            "citation": "Civ. Code §1798.90.52(a)(3)", "title": f"Title of {rule}",
            "message": message, "details": json.dumps({"notes": [], "subject_kind": kind})}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("report")
    store = Store.open(root / "store")
    pub = put_agency(store, "Mapleton CA PD")
    partner = put_agency(store, "Portland OR PD")
    store.con.execute("UPDATE agencies SET name = ? WHERE agency_id = ?", [PARTNER, partner])
    put_agency(store, "US Border Patrol")
    put_rows(store, "sharing", [dict(publisher_agency_id=pub, partner_agency_id=p,
                                     partner_name_raw=p, direction="out", status="active",
                                     data_kind="detections", observed_on=date(2025, 1, 1))
                                for p in (partner, "us-border-patrol")])
    reasons = [f"ICE hold {PLATE} {TYPST}", PAYLOAD, "inv", None, "stolen vehicle"]
    searches = put_rows(store, "searches", [
        dict(publisher_agency_id=pub, searcher_agency_id=pub, user_ref=USER, reason=r,
             searched_at=datetime(2025, m, 1, 10), plate_query=PLATE, case_number=CASE,
             log_kind="org_audit") for m, r in zip((1, 2, 2, 3, 3), reasons, strict=False)])
    users = put_rows(store, "users", [dict(agency_id=pub, user_ref=USER, display_name=NAME,
                                           email=EMAIL, title="Officer")])
    put_rows(store, "detection_counts", [dict(agency_id=pub, period_start=datetime(2024, 1, 1),
                                              period_end=datetime(2024, 12, 31, 23, 59),
                                              period_text="2024", detections=9990, hits=10)])
    real = run_audit(store, only=["sharing.*", "purpose.*", "access_record.*"])
    n = len(real.findings)
    _fake_run(store, [
        _finding("f" * 16, "accounts.shared_account", "medium", USER, "user", 3,
                 f"The user id {USER} searched as two organisations (as {NAME})."),
        *[_finding(f"{i:016d}", "volume.off_shift", "low", f"user{i:02d}", "user", 0,
                   f"user{i:02d} searched off shift") for i in range(12)],
    ], [dict(run_id=FAKE_RUN, finding_id="f" * 16, rule_id="accounts.shared_account",
             agency_id=pub, subject=USER, table_name=t, source_id=s, locator=loc,
             at=datetime(2025, 3, 1), note=note)
        for t, s, loc, note in (
            # notes may name the row's own values and the person the finding is about
            ("searches", searches, "row 2", f"{USER} ({NAME}) searched {PLATE}, case {CASE}"),
            ("searches", searches, "row 3", f"as Mapleton CA PD; {EMAIL}"),
            ("users", users, "row 2", f"{USER} alias {NAME} <{EMAIL}>"))])
    yield {"store": store, "root": root, "real": real, "n_real": n}
    store.close()


@pytest.fixture(scope="module")
def real_report(world):
    return write_audit_report(world["store"], world["root"] / "real",
                              run_id=world["real"].run_id, top=5)


@pytest.fixture(scope="module")
def user_report(world):
    return write_audit_report(world["store"], world["root"] / "user", max_detailed=6,
                              max_other=3)


def _pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _sheets(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}


def _all_bytes(report) -> str:
    """Every output as text: the CSV, every part of the XLSX zip, the PDF's text."""
    parts = [report.csv_path.read_text(encoding="utf-8")]
    with zipfile.ZipFile(report.xlsx_path) as z:
        parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    parts.append(_pdf_text(report.pdf_path))
    return "\n".join(parts)


def test_files_exist_open_and_counts_match_findings(world, real_report) -> None:
    store = world["store"]
    run_id = world["real"].run_id
    findings = store.query("SELECT * FROM findings WHERE run_id = ?", [run_id])
    assert real_report.findings == len(findings) == world["n_real"] > 0
    with real_report.csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(findings)
    assert list(rows[0]) == ["finding_id", "rule_id", "severity", "agency", "subject",
                             "evidence_count", "first_at", "last_at", "citation", "title",
                             "message", "run_id"]
    by_id = {f["finding_id"]: f for f in findings}
    assert {r["finding_id"] for r in rows} == set(by_id)
    assert all(int(r["evidence_count"]) == by_id[r["finding_id"]]["evidence_count"] for r in rows)
    assert rows[0]["severity"] == "high"  # report order: most serious first

    sheets = _sheets(real_report.xlsx_path)
    assert list(sheets)[:2] == ["Summary", "Findings"]
    assert len(sheets["Findings"]) - 3 == len(findings)  # title, note, header
    summary = {(r[0], r[1]): r[2] for r in sheets["Summary"][3:]}
    assert summary[("run", "run id")] == run_id
    assert summary[("run", "pack")] == "california"
    assert summary[("setting", "timezone")] == "America/Los_Angeles"
    assert summary[("rule", "purpose.protest")] == 0  # ran, found nothing
    evidence = dict(store.con.execute("SELECT rule_id, count(*) FROM evidence WHERE run_id = ? "
                                      "GROUP BY 1", [run_id]).fetchall())
    for rule, n in evidence.items():
        assert len(sheets[rule]) - 3 == n, rule
        assert f"all {n:,} evidence rows" in sheets[rule][1][0]
    header = sheets["purpose.immigration"][2]
    for col in ("searched_at", "searching_org", "user", "reason", "case_number", "plate",
                "networks_searched", "log_kind", "source_file", "locator"):
        assert col in header
    assert real_report.evidence_rows == sum(evidence.values())
    assert {s.name: s.rows_total for s in real_report.sheets}["sharing.federal"] == 1

    text = _flat(_pdf_text(real_report.pdf_path))
    with pdfplumber.open(real_report.pdf_path) as pdf:
        assert len(pdf.pages) >= 4  # title, summary, figures, findings
    for f in findings:
        assert _flat(f["title"]) in text
        assert _flat(f["citation"]) in text
    assert "Mapleton CA PD" in text and "California Civil Code" in text
    assert "Searches by month" in text and "Hits per 100 reads" in text  # chart tables
    assert real_report.to_json()["findings"] == len(findings)
    as_json = json.loads(json.dumps(real_report.to_json()))
    assert as_json["files"]["pdf"].endswith("audit-report.pdf")


def test_formula_payloads_are_neutralised(real_report) -> None:
    with real_report.csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out_of_state = next(r for r in rows if r["rule_id"] == "sharing.out_of_state")
    assert out_of_state["subject"] == "'" + PARTNER
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    sheets = _sheets(real_report.xlsx_path)
    findings = sheets["Findings"]
    col = findings[2].index("subject")
    assert "'" + PARTNER in [r[col] for r in findings[3:]]
    vague = sheets["purpose.vague"]
    assert "'" + PAYLOAD in [r[vague[2].index("reason")] for r in vague[3:]]
    with zipfile.ZipFile(real_report.xlsx_path) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets"))
    assert "<f>" not in xml and "HYPERLINK" in xml  # the text is there, never as a formula


def test_typst_markup_in_data_prints_as_written(real_report) -> None:
    text = _flat(_pdf_text(real_report.pdf_path))
    assert _flat(TYPST) in text  # from the partner's name and from a search reason
    assert "Portland" in text


def test_default_report_has_no_personal_values(world, user_report, real_report) -> None:
    for report in (user_report, real_report):
        blob = _all_bytes(report).casefold()
        for secret in SECRETS:
            assert secret.casefold() not in blob, (report.dir.name, secret)
    pz = Pseudonymizer(store_key(world["store"].root))
    user_token = pz.token("user", USER)  # the same token a records-request packet prints
    with user_report.csv_path.open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["rule_id"] == "accounts.shared_account")
    assert row["subject"] == user_token
    assert user_token in row["message"]
    real = _all_bytes(real_report)
    assert pz.token("plate", PLATE) in real and user_token in real


def test_raw_report_prints_personal_values(world, tmp_path: Path) -> None:
    report = write_audit_report(world["store"], tmp_path / "raw", raw=True, max_detailed=3)
    blob = _all_bytes(report)
    for secret in SECRETS:
        assert secret in blob, secret
    assert report.raw and "RAW" in _pdf_text(report.pdf_path)


def test_user_finding_evidence_joins_back_to_users_and_searches(user_report) -> None:
    sheets = _sheets(user_report.xlsx_path)
    # one sheet per table of the rule's evidence; names are cut to Excel's 31 characters,
    # the title row says what the sheet holds
    by_title = {rows[0][0]: rows for n, rows in sheets.items()
                if n.startswith("accounts.shared_account")}
    assert sorted(by_title) == [
        "accounts.shared_account: Title of accounts.shared_account — evidence in searches",
        "accounts.shared_account: Title of accounts.shared_account — evidence in users"]
    users, searches = (by_title[t] for t in sorted(by_title, key=lambda t: "users" not in t))
    row = dict(zip(users[2], users[3], strict=False))
    assert row["user"].startswith("user-") and row["name"].startswith("person-")
    assert row["email"].startswith("email-") and row["title"] == "Officer"
    assert row["note"].count("user-") == 1 and "person-" in row["note"]
    assert len(searches) - 3 == 2
    assert all(r[searches[2].index("case_number")].startswith("case-") for r in searches[3:])


def test_pdf_details_a_capped_number_of_findings(user_report) -> None:
    assert user_report.findings == 13
    assert user_report.findings_in_pdf == 1 + 3  # the medium one, then 3 of the 12 low ones
    text = _flat(_pdf_text(user_report.pdf_path))
    assert "details 4 of the 13 findings" in text
    assert "3 of the 12 findings of lower severity" in text
    assert text.count("Finding id") == 4
    # this hand-made run stored no purpose labels: the chart says so instead of drawing
    assert f"No purpose label of run {user_report.run_id} is stored" in text


def test_evidence_sheet_states_its_cap_when_exceeded(world, tmp_path: Path) -> None:
    report = write_audit_report(world["store"], tmp_path / "cap", run_id=world["real"].run_id,
                                sheet_cap=1, max_detailed=1, max_other=0)
    sheets = _sheets(report.xlsx_path)
    vague = sheets["purpose.vague"]
    assert len(vague) - 3 == 1
    assert vague[1][0].startswith("only the first 1 of 2 evidence rows")
    assert "at most 1 rows" in vague[1][0] and "alpr-audit sql" in vague[1][0]
    capped = {s.name: s for s in report.sheets}["purpose.vague"]
    assert capped.capped and capped.rows_total == 2


def test_no_run_is_a_clear_error(world, tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty") as store, pytest.raises(UsageError, match=re.escape(
            "no audit run in the store; run `alpr-audit audit` first")):
        write_audit_report(store, tmp_path / "out")
    with pytest.raises(UsageError, match="no audit run 'nope'") as exc:
        write_audit_report(world["store"], tmp_path / "out", run_id="nope")
    assert FAKE_RUN in (exc.value.hint or "")  # the hint lists the runs there are
    assert not (tmp_path / "out").exists()


def test_refuses_a_non_empty_folder_unless_overwrite(world, tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty") as exc:
        write_audit_report(world["store"], out)
    assert "--overwrite" in (exc.value.hint or "")
    report = write_audit_report(world["store"], out, overwrite=True, max_detailed=1,
                                max_other=0)
    assert (out / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["audit-report.pdf", "findings.csv",
                                                     "findings.xlsx", "keep.txt"]
    assert report.dir == out.resolve()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial folder
