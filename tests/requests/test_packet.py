"""Response packets: files, hashes, the answers to the standard items, and no leaks.

The store holds OCSD's real Vigilant sharing report, hit-ratio report and user list, Eugene's
Flock portal search audit and a synthetic Flock organisation audit (officer names, plates,
and formula payloads typed as search reasons), all ingested as OCSD's records.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from python_calamine import CalamineWorkbook

from alpr_audit.core.errors import UsageError
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.core.privacy_sql import fill_pseudo_map, pseudo_expr
from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.outputs.packet.answers import NO_RECORDS_NOTE, answer_item
from alpr_audit.outputs.packet.packet import PacketResult, write_packet
from alpr_audit.requests.model import RecordsRequest, RequestItem
from alpr_audit.store import Store
from alpr_audit.synth.flock import write_audit_csv
from fixturekit import fixture_file

OCSD = "Orange County Sheriff's Department"
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]
FIXTURES = ["vigilant/ocsd_agency-data-sharing-report_2025-03-11.pdf",
            "vigilant/ocsd_dashboard-hit-ratio-report_2019-2025.pdf",
            "vigilant/ocsd_vehiclemanager-users.xlsx",
            "flock/eugene-or-pd_portal-search-audit_2025.csv"]


def standard_request() -> RecordsRequest:
    """The seed request's items (muckrock_lapd-25-2170), with their kinds and periods."""
    since = dt.date(2019, 1, 1)
    items = [
        RequestItem("A1", "The names of agencies and organizations with which the Agency "
                    "shares ALPR data;", "sharing_out"),
        RequestItem("A2", "… from which the Agency receives ALPR data;", "sharing_in"),
        RequestItem("A3", "… with which the Agency shares “hot list” information;",
                    "hotlist_out"),
        RequestItem("A4", "… from which the Agency receives “hot list” information.",
                    "hotlist_in"),
        RequestItem("A5", "All agreements … external agencies have signed …", "agreements"),
        RequestItem("A6", "All agreements … your agency has signed …", "agreements"),
        RequestItem("A7", "All \"records of access\" … from 2019 …", "access_records", since),
        RequestItem("B1", "The aggregate number of \"detections\" collected 2019 to today's "
                    "date", "detections", since),
        RequestItem("B2", "The aggregate number of “hits” 2019 to today's date", "hits", since),
        RequestItem("R1", "Officers with authorized access to ALPR systems", "users"),
        RequestItem("R2", "Any audits that include records for the reason of the search …",
                    "audits"),
        RequestItem("R3", "The number of times other agencies, including federal agencies, "
                    "with access …", "external_access"),
        RequestItem("X1", "Your ALPR policy", "other"),
    ]
    return RecordsRequest("ALPR Audits", agency=OCSD, tracking_no="25-2170",
                          received_on=dt.date(2025, 2, 10), items=items)


def _org_audit_with_payloads(path: Path) -> Path:
    """A synthetic Flock org audit whose first reasons are spreadsheet formula payloads."""
    write_audit_csv(path, 400, seed=11, log_kind="org", publisher=OCSD,
                    start=dt.datetime(2025, 1, 1))
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    reason = rows[0].index("Reason")
    for row, payload in zip(rows[1:], PAYLOADS, strict=False):
        row[reason] = payload
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return path


@pytest.fixture(scope="module")
def ocsd(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("ocsd")
    store = Store.open(root / "store")
    files = [fixture_file(f) for f in FIXTURES]
    files.append(_org_audit_with_payloads(root / "org-audit.csv"))
    results = ingest_paths(store, files, agency=OCSD)
    assert [r.status for r in results] == ["ingested"] * len(files), [r.message for r in results]
    yield store
    store.close()


@pytest.fixture(scope="module")
def packet(ocsd: Store, tmp_path_factory: pytest.TempPathFactory) -> PacketResult:
    return write_packet(ocsd, standard_request(), OCSD, tmp_path_factory.mktemp("p") / "packet")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def packet_text(folder: Path) -> str:
    """Everything a reader of the packet can see, as one text: CSV/JSON as written, every
    cell of every sheet, the PDF's text."""
    parts = []
    for p in sorted(folder.iterdir()):
        if p.suffix in (".csv", ".json"):
            parts.append(p.read_text(encoding="utf-8"))
        elif p.suffix == ".xlsx":
            wb = CalamineWorkbook.from_path(str(p))
            for name in wb.sheet_names:
                parts.extend("\t".join(map(str, row))
                             for row in wb.get_sheet_by_name(name).to_python())
        elif p.suffix == ".pdf":
            with pdfplumber.open(p) as pdf:
                parts.extend(page.extract_text() or "" for page in pdf.pages)
        else:
            raise AssertionError(f"unexpected file in the packet: {p.name}")
    return "\n".join(parts)


def _words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z*]+", text.casefold())  # '*' stays: wildcard plates


def leaks(text: str, values: set[str]) -> set[str]:
    """The values found in ``text`` as whole words, case-blind ('ABC123' inside a hex
    pseudonym is not a leak; 'Doe, J' split by a tab or a line break is)."""
    words = _words(text)
    needles = {v: tuple(_words(v)) for v in values}
    grams = {k: set(zip(*(words[i:] for i in range(k)), strict=False))
             for k in {len(n) for n in needles.values() if n}}
    return {v for v, n in needles.items() if n and n in grams[len(n)]}


def personal_values(store: Store) -> dict[str, set[str]]:
    q = store.query
    return {
        "names": {r["v"] for r in q("SELECT DISTINCT display_name AS v FROM users "
                                    "WHERE display_name IS NOT NULL")},
        "user_ids": {r["v"] for r in q("SELECT DISTINCT user_ref AS v FROM searches "
                                       "WHERE user_ref IS NOT NULL")},
        "plates": {r["v"] for r in q("SELECT DISTINCT plate_query AS v FROM searches "
                                     "WHERE plate_query IS NOT NULL")},
    }


# --- files, zip, manifest ----------------------------------------------------------------------

def test_packet_holds_every_file_and_the_zip_holds_the_packet(packet: PacketResult) -> None:
    names = {p.name for p in packet.dir.iterdir()}
    assert {"response.xlsx", "cover-letter.pdf", "redaction-log.csv", "manifest.json",
            "A1.csv", "A2.csv", "A4.csv", "A7.csv", "B1.csv", "B2.csv", "R1.csv", "R2.csv",
            "R3.csv"} == names  # no CSV for A3, A5, A6 (nothing) or X1 (manual)
    assert [p.name for p in packet.files] == sorted(names)
    assert packet.zip_path == packet.dir.parent / "packet.zip"
    with zipfile.ZipFile(packet.zip_path) as zf:
        assert zf.testzip() is None
        assert sorted(zf.namelist()) == sorted(f"packet/{n}" for n in names)
        for n in names:
            assert zf.read(f"packet/{n}") == (packet.dir / n).read_bytes()
    assert not [p for p in packet.dir.parent.iterdir() if "partial" in p.name]


def test_manifest_hashes_verify_and_name_the_sources(packet: PacketResult, ocsd: Store) -> None:
    manifest = json.loads((packet.dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == packet.manifest
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == {p.name for p in packet.dir.iterdir()} - {"manifest.json"}
    for name, f in listed.items():
        data = (packet.dir / name).read_bytes()
        assert (f["sha256"], f["size"]) == (hashlib.sha256(data).hexdigest(), len(data)), name
    from alpr_audit import __version__
    assert (manifest["tool"], manifest["version"]) == ("alpr-audit", __version__)
    generated = dt.datetime.fromisoformat(manifest["generated_at"].replace("Z", "+00:00"))
    assert generated.tzinfo is not None and abs(
        dt.datetime.now(dt.UTC) - generated) < dt.timedelta(minutes=5)
    ledger = {r["source_id"]: r["sha256"] for r in ocsd.query("SELECT * FROM sources")}
    assert {s["source_id"]: s["sha256"] for s in manifest["sources"]} == ledger  # all used
    assert all("/" not in s["file"] for s in manifest["sources"])  # no operator paths
    assert manifest["released_fields"] == []


# --- the answers -------------------------------------------------------------------------------

def test_detections_and_hits_give_the_report_numbers_for_the_stated_period(
        packet: PacketResult) -> None:
    b1, b2 = read_csv(packet.dir / "B1.csv"), read_csv(packet.dir / "B2.csv")
    assert [(r["period_start"], r["period_end"], r["detections"]) for r in b1] == [
        ("2019-01-01", "2025-03-11", "4944782")]
    assert [(r["period_start"], r["period_end"], r["hits"]) for r in b2] == [
        ("2019-01-01", "2025-03-11", "34606")]
    assert "detections+hits" in b1[0]["basis"].replace(" ", "") or "disjoint" in b1[0]["basis"]
    notes = {a.item_id: a.note for a in packet.answers}
    assert "4,944,782 detections from 2019-01-01 to 2025-03-11" in notes["B1"]
    assert "never re-bucketed" in notes["B2"]


@pytest.mark.parametrize(("item", "direction", "kind"), [
    ("A1", "out", "detections"), ("A2", "in", "detections"), ("A4", "in", "hotlist")])
def test_sharing_lists_match_the_store(packet: PacketResult, ocsd: Store, item: str,
                                       direction: str, kind: str) -> None:
    rows = read_csv(packet.dir / f"{item}.csv")
    store_rows = ocsd.query("""SELECT DISTINCT partner_agency_id, partner_name_raw, status,
        observed_on, source_id FROM sharing WHERE direction = ? AND data_kind = ?""",
                            [direction, kind])
    assert len(rows) == len(store_rows) > 0
    assert {r["partner_as_written"] for r in rows} == {r["partner_name_raw"] for r in store_rows}
    federal = ocsd.query("""SELECT count(DISTINCT s.partner_name_raw) AS n FROM sharing s
        JOIN agencies a ON a.agency_id = s.partner_agency_id
        WHERE a.is_federal AND direction = ? AND data_kind = ?""", [direction, kind])[0]["n"]
    assert sum(r["federal"] == "true" for r in rows) == federal
    assert all(r["state"] and r["level"] for r in rows)


def test_items_without_records_say_so_and_what_was_looked_for(packet: PacketResult) -> None:
    by_id = {a.item_id: a for a in packet.answers}
    for item in ("A5", "A6"):
        assert by_id[item].disposition == "no responsive records"
        assert by_id[item].note == NO_RECORDS_NOTE + "no agreements have been ingested"
    assert by_id["A3"].note.startswith(NO_RECORDS_NOTE) and "hotlist" in by_id["A3"].note
    assert by_id["X1"].disposition == "manual: answer by hand"
    request_sheet = CalamineWorkbook.from_path(str(packet.dir / "response.xlsx")) \
        .get_sheet_by_name("Request").to_python()
    dispositions = {r[0]: r[3] for r in request_sheet[3:]}
    assert dispositions["A5"] == "no responsive records"
    assert dispositions["A1"] == "records released"
    assert dispositions["A7"] == "records released with redactions"


def test_audits_and_access_records_count_every_search(packet: PacketResult, ocsd: Store) -> None:
    total = ocsd.query("SELECT count(*) AS n FROM searches")[0]["n"]
    a7 = read_csv(packet.dir / "A7.csv")
    assert len(a7) == total
    times = [r["searched_at_utc"] for r in a7]
    assert times == sorted(times)  # time order, so a re-run gives the same bytes
    r2 = read_csv(packet.dir / "R2.csv")
    assert sum(int(r["count"]) for r in r2 if r["breakdown"] == "searches by month") == total
    assert sum(int(r["count"]) for r in r2 if r["breakdown"] == "search reason") == total
    assert "alpr-audit audit" in next(a.note for a in packet.answers if a.item_id == "R2")
    r3 = read_csv(packet.dir / "R3.csv")
    assert {r["agency"] for r in r3 if r["measure"].startswith("federal partner")} >= {
        "IRS Criminal Investigations"}


# --- privacy and safety ------------------------------------------------------------------------

def test_default_packet_leaks_no_name_user_id_or_plate(packet: PacketResult, ocsd: Store) -> None:
    values = personal_values(ocsd)
    assert len(values["names"]) > 200 and len(values["plates"]) > 20  # the scan can fail
    text = packet_text(packet.dir)
    for field, vals in values.items():
        assert leaks(text, vals) == set(), field
    pz = Pseudonymizer(store_key(ocsd.root))
    a7 = read_csv(packet.dir / "A7.csv")
    plates = {r["plate"] for r in a7 if r["plate"]}
    assert plates and all(p.startswith("plate-") for p in plates)
    assert pz.token("plate", sorted(values["plates"])[0]) in plates  # the same keyed token
    log = read_csv(packet.dir / "redaction-log.csv")
    treated = {(r["item"], r["column"]): r for r in log}
    assert treated[("A7", "plate")]["treatment"] == "pseudonymised"
    assert "1798.90.55(b)" in treated[("A7", "plate")]["legal_basis"]
    assert treated[("R1", "name")]["legal_basis"].startswith("Gov. Code §7922.000")
    with pdfplumber.open(packet.dir / "cover-letter.pdf") as pdf:
        letter = "\n".join(p.extract_text() for p in pdf.pages)
    for needed in ("25-2170", "2025-02-10", "2025-02-20", "§7922.540", "Custodian of Records",
                   "§7927.705", "no responsive records"):
        assert needed in letter, needed


def test_released_names_appear_and_nothing_else_does(ocsd: Store, tmp_path: Path) -> None:
    result = write_packet(ocsd, standard_request(), OCSD, tmp_path / "named",
                          release={"names"})
    again = write_packet(ocsd, standard_request(), OCSD, tmp_path / "again", release={"names"})
    for name in ("A7.csv", "R1.csv", "A1.csv"):  # the same store gives the same files
        assert (result.dir / name).read_bytes() == (again.dir / name).read_bytes(), name
    values = personal_values(ocsd)
    text = packet_text(result.dir)
    assert leaks(text, values["names"]) == values["names"]
    assert leaks(text, values["plates"]) == set()
    assert leaks(text, values["user_ids"]) == set()
    assert result.manifest["released_fields"] == ["names"]
    log = read_csv(result.dir / "redaction-log.csv")
    assert {r["treatment"] for r in log if r["column"] == "name"} == {"released"}


def test_formula_payloads_typed_as_reasons_are_neutralised(packet: PacketResult) -> None:
    reasons = {r["reason"] for r in read_csv(packet.dir / "A7.csv")}
    assert {"'" + p for p in PAYLOADS} <= reasons
    assert not any(r[:1] in ("=", "+", "@") or re.match(r"-\D", r) for r in reasons if r)
    counted = {r["value"] for r in read_csv(packet.dir / "R2.csv")}
    assert "'=hyperlink(\"http://x\",\"y\")" in counted
    sheet = CalamineWorkbook.from_path(str(packet.dir / "response.xlsx")) \
        .get_sheet_by_name("A7").to_python()
    col = sheet[2].index("reason")
    in_sheet = {row[col] for row in sheet[3:]}
    assert {"'" + p for p in PAYLOADS} <= in_sheet
    with zipfile.ZipFile(packet.dir / "response.xlsx") as zf:  # no formula cell anywhere
        assert not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n)
                       for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_sql_pseudonyms_equal_the_python_ones(ocsd: Store) -> None:
    pz = Pseudonymizer(store_key(ocsd.root))
    values = ["7ABC123", "  doe,   J ", "Ünïcode Näme", "straße", "", " ", "x\ty", None]
    con = ocsd.con
    con.execute("CREATE OR REPLACE TEMP TABLE pv (v VARCHAR)").fetchall()
    con.executemany("INSERT INTO pv VALUES (?)", [[v] for v in values])
    fill_pseudo_map(con, pz, "person", "v", "FROM pv WHERE true")
    got = [r[0] for r in con.execute(f"SELECT {pseudo_expr(pz, 'person', 'v')} FROM pv "
                                     "ORDER BY rowid").fetchall()]
    assert got == [pz.token("person", v) for v in values]


def test_no_key_material_in_query_text_or_left_on_the_connection(ocsd: Store,
                                                                  tmp_path: Path) -> None:
    """DuckDB quotes query text in its errors: the HMAC key (and its pads) must never be in
    it, and a long-lived connection must not keep them after a packet."""
    pz = Pseudonymizer(store_key(ocsd.root))
    key = (ocsd.root / "secret.key").read_bytes()
    pads = [bytes(b ^ x for b in key.ljust(64, b"\0")).hex() for x in (0x36, 0x5C)]
    a7 = answer_item(ocsd, RequestItem("A7", "records of access", "access_records"),
                     ["orange-county-sheriffs-department"], pseudonymizer=pz)
    assert a7.query and not any(k in a7.query.lower() for k in (key.hex(), *pads))
    write_packet(ocsd, standard_request(), OCSD, tmp_path / "p")
    assert ocsd.con.execute("SELECT getvariable('aa_pseudo_ipad')").fetchall() == [(None,)]
    assert ocsd.con.execute("SELECT getvariable('aa_pseudo_map')").fetchall() == [(None,)]


# --- refusals ----------------------------------------------------------------------------------

def test_bad_calls_are_usage_errors(ocsd: Store, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no agency named"):
        write_packet(ocsd, standard_request(), "Nowhere PD", tmp_path / "a")
    with pytest.raises(UsageError, match="cannot release"):
        write_packet(ocsd, standard_request(), OCSD, tmp_path / "b", release={"everything"})
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty") as err:
        write_packet(ocsd, standard_request(), OCSD, busy, overwrite=True)
    assert err.value.hint
    assert (busy / "notes.txt").read_text() == "mine"


# --- scale -------------------------------------------------------------------------------------

def test_large_sharing_list_and_streamed_log_with_a_capped_sheet(tmp_path: Path) -> None:
    """A 1,500-partner Flock sharing list and 30,000 searches; the A7 sheet capped at 1,000
    rows says where the rest is. (The 1M/10M timings are measured outside the test suite.)"""
    audit = tmp_path / "audit.csv"
    write_audit_csv(audit, 30_000, seed=5, log_kind="network", publisher="Mapleton CA PD",
                    start=dt.datetime(2025, 1, 1), end=dt.datetime(2025, 6, 30))
    shared = tmp_path / "SharedNetworks_2025_December_30.csv"
    with shared.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(["Organization Name", "Networks Shared With Me", "Networks I'm Sharing"])
        for i in range(1500):
            org = f"Town{i:04d} {['CA', 'NV', 'TX'][i % 3]} PD"
            w.writerow([org, org, "Mapleton CA PD,Mapleton CA PD Schools"])
    store = Store.open(tmp_path / "store")
    try:
        assert {r.status for r in ingest_paths(store, [audit, shared],
                                               agency="Mapleton CA PD")} == {"ingested"}
        result = write_packet(store, standard_request(), "Mapleton CA PD", tmp_path / "p",
                              sheet_row_cap=1000)
    finally:
        store.close()
    a1 = read_csv(result.dir / "A1.csv")
    assert len(a1) == 1500 and len({r["partner"] for r in a1}) == 1500
    assert all(r["networks"] == "Mapleton CA PD; Mapleton CA PD Schools" for r in a1)
    assert len(read_csv(result.dir / "A7.csv")) == 30_000
    sheet = CalamineWorkbook.from_path(str(result.dir / "response.xlsx")) \
        .get_sheet_by_name("A7").to_python()
    assert len(sheet) == 3 + 1000
    assert sheet[1][0].startswith("only the first 1,000 of 30,000 rows fit in this sheet; "
                                  "all rows are in A7.csv")
    a7 = read_csv(result.dir / "A7.csv")
    header = sheet[2]
    for row, line in zip(sheet[3:], a7[:1000], strict=False):  # the sheet is the CSV's head, typed
        got = dict(zip(header, row, strict=False))
        assert (got["user"], got["plate"], got["locator"]) == (
            line["user"], line["plate"], line["locator"])
        assert got["searched_at_utc"] == dt.datetime.fromisoformat(line["searched_at_utc"])
    assert set(result.timings) >= {"answers", "csv", "xlsx", "pdf"}
    with zipfile.ZipFile(result.zip_path) as zf:
        assert zf.testzip() is None
