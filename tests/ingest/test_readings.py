"""Row-level plate reads (detections_csv) and hot-list hits (hits_csv): counts, accounting,
locators, de-duplication, the keyed plate token, header variants, workbooks, broken input, and
telling these formats apart from each other and from every registered format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import xlsxwriter

from alpr_audit.core.errors import IngestError, UnknownFormatError
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.ingest.formats.flock.audit import FlockAuditImporter
from alpr_audit.ingest.formats.generic.agreements import AgreementsImporter
from alpr_audit.ingest.formats.generic.detections import DetectionsImporter
from alpr_audit.ingest.formats.generic.readings import HitsImporter
from alpr_audit.ingest.pipeline import ingest_file, ingest_paths
from alpr_audit.ingest.probe import probe_file
from alpr_audit.ingest.registry import IMPORTERS, detect
from alpr_audit.store import Store
from fixturekit import FIXTURES, fixture_file, write_csv

DET = ["Agency", "Read ID", "Camera", "Plate", "Plate State", "Read Time", "Latitude", "Longitude"]
HITS = ["Agency", "Alert ID", "Read ID", "Hotlist", "Alert Time", "Disposition"]
AGENCY = "Mapleton CA PD"
PLATES = ["7ABC123", "8XYZ999", "4TUV555"]


def mine() -> list:
    return [DetectionsImporter(), HitsImporter(), AgreementsImporter()]


def ingest(store: Store, path: Path, agency: str | None = None):
    return ingest_file(store, path, agency=agency, importers=mine())


def read(i: int, plate: str, time: str = "2025-03-01T17:04:05Z", agency: str = AGENCY,
         rid: str | None = None) -> list[str]:
    return [agency, f"R{i}" if rid is None else rid, f"CAM-{i % 3}", plate, "CA", time,
            "34.05", "-118.25"]


def counts(r) -> tuple[int, int, int, int]:
    assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    return r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate


def token(store: Store, plate: str) -> str:
    return Pseudonymizer(store_key(store.root)).token("plate", plate)


# --- detections ---------------------------------------------------------------------------


def test_detections_csv_loads_reads_with_tokens_rejects_and_locators(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reads.csv", DET, [
        read(1, "7ABC123"),
        read(2, "8XYZ999", "3/1/2025 9:04:05 AM"),
        read(3, "", "2025-03-01T17:04:05Z"),  # no plate: rejected
        read(4, "4TUV555", "yesterday"),  # unreadable time: rejected
        read(5, "***", "2025-03-01 10:04:05-07:00"),  # withheld plate: loaded, no token
        ["", "R6", "CAM-0", "7ABC123", "CA", "2025-03-02T00:00:00Z", "95", "0"],  # latitude
        read(7, "7ABC123", "01/05/24 10:00"),  # two-digit year read as year 24: rejected
        ["", "", "", "", "", "", "", ""],  # blank: not a record
        read(8, "7ABC123", "2025-03-03T08:00:00Z", agency=""),  # empty agency: the file's
    ])
    r = ingest(store, path)
    assert (r.format, r.status, r.publisher_agency_id) == ("detections_csv", "ingested", "mapleton-ca-pd")
    assert counts(r) == (8, 4, 4, 0)
    got = store.query("""SELECT locator, agency_id, detection_id, device_id, plate_token,
        plate_state, seen_at, lat, lon FROM detections ORDER BY locator""")
    # blank lines are not records: R8 is the 8th record, "row 9" (the header is row 1)
    assert [g["locator"] for g in got] == ["row 2", "row 3", "row 6", "row 9"]
    by_id = {g["detection_id"]: g for g in got}
    assert by_id["R1"] == {
        "locator": "row 2", "agency_id": "mapleton-ca-pd", "detection_id": "R1",
        "device_id": "CAM-1", "plate_token": token(store, "7ABC123"), "plate_state": "CA",
        "seen_at": dt.datetime(2025, 3, 1, 17, 4, 5), "lat": 34.05, "lon": -118.25}
    assert by_id["R2"]["seen_at"] == dt.datetime(2025, 3, 1, 9, 4, 5)  # naive text is UTC
    assert by_id["R5"]["seen_at"] == dt.datetime(2025, 3, 1, 17, 4, 5)  # offset converted
    assert by_id["R5"]["plate_token"] is None
    assert by_id["R8"]["plate_token"] == by_id["R1"]["plate_token"]
    rejects = store.query("SELECT locator, raw, reason FROM rejects ORDER BY locator")
    assert [(x["locator"], x["reason"]) for x in rejects] == [
        ("row 4", "Plate empty: a read needs its plate"),
        ("row 5", ('Read Time: expected a timestamp such as "2025-03-01T17:04:05Z" or '
                  '"3/1/2025 9:04:05 AM", found "yesterday"')),
        ("row 7", 'Latitude: expected a number between -90 and 90, found "95"'),
        ("row 8", 'Read Time: year outside 1990..2099 (a two-digit year?), found "01/05/24 10:00"'),
    ]
    # rejects keep every cell but the plate, which is replaced by its token
    raw = json.loads(rejects[1]["raw"])
    assert raw == dict(zip(DET, read(4, token(store, "4TUV555"), "yesterday"), strict=False))
    assert ingest(store, path).status == "already_ingested"


def test_plates_never_reach_the_store(store: Store, tmp_path: Path) -> None:
    rows = [read(i, PLATES[i % 3], "2025-03-01T17:04:05Z" if i % 4 else "bad") for i in range(12)]
    ragged = tmp_path / "ragged.csv"  # ragged lines go through the row-by-row reader
    write_csv(ragged, DET, rows)
    with ragged.open("a") as fh:
        fh.write(f"{AGENCY},R99,{PLATES[0]},CA,2025-03-01T17:04:05Z,1,2\n")  # a cell short
        fh.write(f"{AGENCY},R98,CAM-1,{PLATES[1]},CA,2025-03-01T17:04:05Z,1,2,x\n")  # one more
    r = ingest(store, ragged)
    assert counts(r) == (14, 9, 5, 0)
    dumped = json.dumps(store.query("SELECT * FROM rejects"), default=str)
    dumped += json.dumps(store.query("SELECT * FROM detections"), default=str)
    dumped += json.dumps(store.query("SELECT * FROM sources"), default=str)
    for plate in PLATES:
        assert plate not in dumped and plate.lower() not in dumped
    for f in store.root.rglob("*.parquet"):
        for plate in PLATES:
            assert plate.encode() not in f.read_bytes()
    short = store.query("SELECT raw FROM rejects WHERE reason LIKE '%found 7'")[0]["raw"]
    assert token(store, PLATES[0]) in short
    # the key's pads do not stay on the connection after the ingest
    assert store.con.execute("SELECT getvariable('aa_pseudo_ipad')").fetchone()[0] is None


def test_a_quote_never_closed_swallowing_later_reads_keeps_no_plate(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reads.csv", DET, [read(1, PLATES[0])])
    with path.open("a") as fh:  # a stray quote in R2's camera cell runs to the end of the file
        fh.write(f'{AGENCY},R2,"CAM-1,{PLATES[1]},CA,2025-03-01T17:04:05Z,1,2\n')
        fh.write(f"{AGENCY},R3,CAM-1,{PLATES[2]},CA,2025-03-01T17:04:05Z,1,2\n")
    r = ingest(store, path)
    assert counts(r) == (2, 1, 1, 0)
    [rej] = store.query("SELECT locator, raw, reason FROM rejects")
    assert rej["locator"] == "row 3 (line 3)" and "quoted cell" in rej["reason"]
    assert not any(p in rej["raw"] for p in PLATES) and rej["raw"].startswith("plate-")


def test_token_is_stable_within_a_store_and_differs_between_stores(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", DET, [read(1, "7ABC123"), read(2, "ÄÖ 12 ß")])
    b = write_csv(tmp_path / "b.csv", DET, [read(3, " 7abc123 "), read(4, "äö 12 ss")])
    tokens = []
    for name in ("one", "two"):
        s = Store.open(tmp_path / name)
        try:
            for p in (a, b):
                assert ingest(s, p).rows_loaded == 2
            got = dict(s.con.execute(
                "SELECT detection_id, plate_token FROM detections").fetchall())
            pz = Pseudonymizer(store_key(s.root))
            assert got["R1"] == got["R3"] == pz.token("plate", "7ABC123")  # case, spaces
            # non-ASCII plates are tokenised in Python, with Python's case folding
            assert got["R2"] == got["R4"] == pz.token("plate", "ÄÖ 12 ß")
            assert all(t.startswith("plate-") and len(t) == 18 for t in got.values())
            tokens.append(got)
        finally:
            s.close()
    assert tokens[0]["R1"] != tokens[1]["R1"] and tokens[0]["R2"] != tokens[1]["R2"]


def test_overlapping_exports_are_deduplicated_by_read_id_or_by_all_cells(store: Store, tmp_path: Path) -> None:
    march = write_csv(tmp_path / "march.csv", DET, [read(i, PLATES[i % 3]) for i in range(1, 6)])
    april = write_csv(tmp_path / "april.csv", DET,
                      [read(i, PLATES[i % 3]) for i in range(4, 9)] + [read(8, PLATES[2])])
    assert counts(ingest(store, march)) == (5, 5, 0, 0)
    # R4, R5 were in March; R8 twice in the file: a read id repeats only as a duplicate
    assert counts(ingest(store, april)) == (6, 3, 0, 3)
    no_id = [read(i, PLATES[i % 3], rid="") for i in (1, 1, 2)]
    a = write_csv(tmp_path / "a.csv", DET, no_id)
    b = write_csv(tmp_path / "b.csv", DET, [*no_id, read(3, PLATES[0], rid="")])
    # identical reads without an id are two reads; the re-export repeats both
    assert counts(ingest(store, a)) == (3, 3, 0, 0)
    assert counts(ingest(store, b)) == (4, 1, 0, 3)
    assert store.query("SELECT count(*) AS n FROM detections")[0]["n"] == 12


def test_header_synonyms_without_agency_column(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv",
                     [" id", "DEVICE", "License  Plate", "state", "Timestamp", "lat", "LNG", "Notes"],
                     [["9", "North 1", "6DEF456", "NV", "2025-01-02 03:04:05", "", "n/a", "x"]])
    r = ingest(store, path, agency="Rivera County CA SO")
    assert (r.format, r.publisher_agency_id, counts(r)) == (
        "detections_csv", "rivera-county-ca-so", (1, 1, 0, 0))
    assert store.query("SELECT detection_id, device_id, plate_state, seen_at, lat, lon "
                       "FROM detections") == [
        {"detection_id": "9", "device_id": "North 1", "plate_state": "NV",
         "seen_at": dt.datetime(2025, 1, 2, 3, 4, 5), "lat": None, "lon": None}]


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value, fmt)
                elif value is not None:
                    ws.write(r, c, value)
    wb.close()
    return path


def test_workbook_variant_reads_excel_types_and_skips_other_sheets(store: Store, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "reads.xlsx", {
        "Reads": [DET,
                  [AGENCY, 101, "CAM-1", 1234567, "CA", dt.datetime(2025, 3, 1, 8, 30), 34.5, -118.0],
                  [],
                  [AGENCY, 102, "CAM-1", "7ABC123", "CA", "not a time", 34.5, -118.0],
                  [AGENCY, 103, "CAM-2", "7ABC123", "CA", 45717.5, 34.5, -118.0, "extra"]],
        "Hits": [HITS, [AGENCY, "A1", 101, "Stolen", dt.datetime(2025, 3, 1, 8, 30), "ok"]],
    })
    r = ingest(store, path)
    # the sheet is 9 columns wide: the extra cell is an unnamed column, kept in raw text only
    assert (r.format, counts(r)) == ("detections_csv", (3, 2, 1, 0))
    assert "sheets not read (not this format): Hits" in r.message
    got = store.query("SELECT locator, detection_id, plate_token, seen_at FROM detections "
                      "ORDER BY locator")
    assert got == [
        {"locator": "Reads!2", "detection_id": "101", "plate_token": token(store, "1234567"),
         "seen_at": dt.datetime(2025, 3, 1, 8, 30)},
        {"locator": "Reads!5", "detection_id": "103", "plate_token": token(store, "7ABC123"),
         "seen_at": dt.datetime(2025, 3, 1, 12, 0)}]  # an Excel serial number
    [rej] = store.query("SELECT locator, raw, reason FROM rejects")
    assert rej["locator"] == "Reads!4" and rej["reason"].startswith("Read Time: expected")
    assert json.loads(rej["raw"])["Plate"] == token(store, "7ABC123")


def test_a_file_mixing_agencies_is_refused_and_leaves_no_trace(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", DET,
                     [read(1, "7ABC123"), read(2, "7ABC123", agency="Rivera County CA SO"),
                      read(3, "7ABC123", agency=" mapleton  ca pd")])
    with pytest.raises(IngestError, match=r"several agencies: Mapleton CA PD \(2 rows\); "
                                          r"Rivera County CA SO \(1 rows\)") as exc:
        ingest(store, path)
    assert "split the file" in (exc.value.hint or "")
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0
    assert store.con.execute("SELECT getvariable('aa_pseudo_ipad')").fetchone()[0] is None
    # the next file ingests normally
    ok = write_csv(tmp_path / "ok.csv", DET, [read(1, "7ABC123")])
    assert counts(ingest(store, ok)) == (1, 1, 0, 0)


def test_broken_files_fail_cleanly(store: Store, tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "r.xlsx", {"Reads": [DET, read(1, "7ABC123")]})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:700])
    with pytest.raises(UnknownFormatError):
        ingest(store, cut)
    header_only = write_csv(tmp_path / "empty.csv", DET, [])
    r = ingest(store, header_only, agency=AGENCY)
    assert counts(r) == (0, 0, 0, 0)
    cp1252 = tmp_path / "cp.csv"
    cp1252.write_bytes((",".join(DET) + "\r\n" + ",".join(read(1, "7ABC123", agency="Peñasco NM PD"))
                        + "\r\n").encode("cp1252"))
    r = ingest(store, cp1252)
    assert counts(r) == (1, 1, 0, 0)
    assert store.query("SELECT name FROM agencies WHERE agency_id = ?",
                       [r.publisher_agency_id]) == [{"name": "Peñasco NM PD"}]
    results = ingest_paths(store, [cut], importers=mine())
    assert results[0].status == "failed"


# --- hits -----------------------------------------------------------------------------------


def hit(i: int, alert: str | None, time: str = "2025-03-01T17:04:05Z", disposition: str = "Confirmed",
        hotlist: str = "NCIC Stolen") -> list[str]:
    return [AGENCY, f"A{i}" if alert is None else alert, f"R{i}", hotlist, time, disposition]


def test_hits_csv_counts_keys_and_rejects(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "hits.csv", HITS, [
        hit(1, None), hit(2, None, "2025-03-01 17:05:00", "Misread"),
        hit(1, None),  # the same alert twice: a duplicate
        hit(3, "", "2025-13-01 17:05:00"),  # month 13: rejected
        hit(4, "", "", ""),  # no time: rejected
        hit(5, ""), hit(5, ""),  # no alert id: two identical hits stay two
    ])
    r = ingest(store, path)
    assert (r.format, r.publisher_agency_id, counts(r)) == (
        "hits_csv", "mapleton-ca-pd", (7, 4, 2, 1))
    got = store.query("SELECT locator, hit_id, detection_id, hotlist, hit_at, disposition, "
                      "occurrence FROM hits ORDER BY locator")
    assert got[0] == {"locator": "row 2", "hit_id": "A1", "detection_id": "R1",
                      "hotlist": "NCIC Stolen", "hit_at": dt.datetime(2025, 3, 1, 17, 4, 5),
                      "disposition": "Confirmed", "occurrence": 1}
    assert [(g["locator"], g["occurrence"]) for g in got[2:]] == [("row 7", 1), ("row 8", 2)]
    assert store.query("SELECT locator, reason FROM rejects ORDER BY locator") == [
        {"locator": "row 5", "reason": 'Alert Time: expected a timestamp such as '
         '"2025-03-01T17:04:05Z" or "3/1/2025 9:04:05 AM", found "2025-13-01 17:05:00"'},
        {"locator": "row 6", "reason": "Alert Time empty: a record needs its time"}]
    # a re-export where officers updated a disposition: the same hits, not new ones
    again = write_csv(tmp_path / "again.csv", HITS, [hit(2, None, disposition="Confirmed"),
                                                    hit(5, "", disposition="Cleared")])
    assert counts(ingest(store, again)) == (2, 0, 0, 2)


def test_hits_synonyms_workbook_and_plate_column(store: Store, tmp_path: Path) -> None:
    header = ["Hit Id", "Detection ID", "Hot List", "Timestamp", "Status", "License Plate"]
    path = write_xlsx(tmp_path / "alerts.xlsx", {"Alerts": [
        header,
        ["H1", "D1", "Stolen Vehicle", dt.datetime(2024, 12, 31, 23, 59, 59), "Confirmed", "7ABC123"],
        ["H2", "D2", "Stolen Vehicle", "whenever", "Confirmed", "8XYZ999"],
    ]})
    r = ingest(store, path, agency="Rivera County CA SO")
    assert (r.format, r.publisher_agency_id, counts(r)) == (
        "hits_csv", "rivera-county-ca-so", (2, 1, 1, 0))
    assert store.query("SELECT locator, hit_id, detection_id, hotlist, hit_at FROM hits") == [
        {"locator": "Alerts!2", "hit_id": "H1", "detection_id": "D1", "hotlist": "Stolen Vehicle",
         "hit_at": dt.datetime(2024, 12, 31, 23, 59, 59)}]
    [rej] = store.query("SELECT locator, raw FROM rejects")
    assert rej["locator"] == "Alerts!3" and "8XYZ999" not in rej["raw"]
    assert json.loads(rej["raw"])["License Plate"] == "[plate withheld]"


# --- telling formats apart ------------------------------------------------------------------


def _registry_with_mine() -> list:
    """The registry with the three importers where they are to go: before flock_audit."""
    at = next(i for i, imp in enumerate(IMPORTERS) if isinstance(imp, FlockAuditImporter))
    return [*IMPORTERS[:at], *mine(), *IMPORTERS[at:]]


def test_the_three_formats_are_told_apart_from_each_other_and_from_search_logs(tmp_path: Path) -> None:
    cases = {
        "detections_csv": [DET, ["ID", "Agency Name", "Device", "License Plate", "State",
                                 "Timestamp", "Lat", "Lng"],
                           ["Camera Name", "Plate Number", "Detected At"]],
        "hits_csv": [HITS, ["Hit ID", "Detection ID", "Hot List", "Timestamp", "Status"],
                     ["Alert Id", "Camera", "Plate", "Hotlist", "Alert Time"]],
        "agreements_csv": [["Agency", "Partner", "Kind", "Signed On", "Expires On", "Document"],
                           ["Agency Name", "Agreement Type", "Date Signed", "Expiration"]],
    }
    for n, (fmt, headers) in enumerate(cases.items()):
        for m, header in enumerate(headers):
            path = write_csv(tmp_path / f"{n}_{m}.csv", header, [["x"] * len(header)])
            importer, _ = detect(probe_file(path), _registry_with_mine())
            assert importer.format_id == fmt, header
    # a search log with a plate, a camera count and a time is not a plate-read export
    audit = write_csv(tmp_path / "audit.csv",
                      ["ID", "Name", "Org Name", "Camera", "Plate", "Reason", "Timestamp"],
                      [["1", "a", "b", "c", "d", "e", "2025-01-01 00:00:00"]])
    importer, _ = detect(probe_file(audit), _registry_with_mine())
    assert importer.format_id == "flock_audit"
    for imp in mine():
        assert imp.sniff(probe_file(audit)) is None


def test_no_real_fixture_is_claimed_and_their_formats_do_not_change() -> None:
    if not FIXTURES.exists():
        fixture_file("flock")  # skips with the reason
    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix != ".md")
    assert len(files) >= 15
    for path in files:
        probe = probe_file(path)
        assert all(imp.sniff(probe) is None for imp in mine()), path.name
        try:
            before = detect(probe)[0].format_id
        except UnknownFormatError:
            before = None
        try:
            after = detect(probe, _registry_with_mine())[0].format_id
        except UnknownFormatError:
            after = None
        assert before == after, path.name
