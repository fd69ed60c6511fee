"""Tests for the synthetic Flock search-audit generators (alpr_audit.synth)."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from alpr_audit.synth import write_agency_set
from alpr_audit.synth.flock import (
    AUDIT_VARIANTS,
    PORTAL_VARIANTS,
    REDACTION_MARKERS,
    XLSX_DATETIME_VARIANTS,
    write_audit_csv,
    write_audit_xlsx,
    write_portal_csv,
)

SEARCH_TIME_FMT = "%m/%d/%Y, %I:%M:%S %p UTC"  # strptime also takes unpadded fields


# ---------------------------------------------------------------- helpers


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and records, the way an importer reads them (records may span two lines)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def as_dicts(path: Path) -> list[dict[str, str]]:
    header, rows = read_csv(path)
    header = [h.strip() for h in header]
    return [dict(zip(header, r, strict=True)) for r in rows]


def raw_records(path: Path) -> list[bytes]:
    """Records as raw bytes: Flock ends records with CRLF and breaks lines in cells with LF."""
    data = path.read_bytes()
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")[1:]


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, SEARCH_TIME_FMT).replace(tzinfo=UTC)
    except ValueError:
        return None


def time_frame(cell: str) -> tuple[datetime, datetime]:
    a, b = cell.split("\n") if "\n" in cell else cell.split(" to ")
    ta, tb = parse_time(a), parse_time(b)
    assert ta is not None and tb is not None, cell
    return ta, tb


# ---------------------------------------------------------------- shared files


@pytest.fixture(scope="module")
def big_network(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A 4000-record network log with every injected anomaly."""
    path = tmp_path_factory.mktemp("net") / "net.csv"
    m = write_audit_csv(
        path, 4000, seed=11, variant="2026-02", duplicate_rows=5, bad_rows=7, id_repeat_rate=0.02
    )
    return path, m


@pytest.fixture(scope="module")
def agency_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("set")
    return out, write_agency_set(out, scale=1200, seed=3)


# ---------------------------------------------------------------- audit CSV


@pytest.mark.parametrize("variant", sorted(AUDIT_VARIANTS))
def test_each_variant_header_and_record_width(tmp_path: Path, variant: str) -> None:
    path = tmp_path / "a.csv"
    m = write_audit_csv(path, 60, seed=1, variant=variant)
    header, rows = read_csv(path)
    assert header == AUDIT_VARIANTS[variant]
    assert len(rows) == 60 == m["rows"]
    assert all(len(r) == len(header) for r in rows)
    assert m["format"] == "flock_audit" and m["variant"] == variant


def test_variant_definitions() -> None:
    v = AUDIT_VARIANTS
    assert v["2025-08"] == [
        "ID", "Name", "Org Name", "Total Networks Searched", "Time Frame", "License Plate", "Reason",
        "Case #", "Filters", "Search Time", "Search Type", "Text Prompt", "Moderation",
    ]  # fmt: skip
    assert v["2025-10"] == v["2025-08"][:-1]
    assert "Text Prompt" not in v["2025-11"] and v["2025-11"][-1] == "Offense Type"
    i = v["2026-02"].index("Total Networks Searched")
    assert v["2026-02"][i + 1] == "Total Devices Searched"
    assert "ID" not in v["no-id"]
    sd = v["split-date"]
    assert sd.index("Search Date") + 1 == sd.index("Search Time")


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    kw = {"duplicate_rows": 2, "bad_rows": 2, "variant": "2026-02"}
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    ma = write_audit_csv(a, 3000, seed=7, **kw)
    mb = write_audit_csv(b, 3000, seed=7, **kw)
    write_audit_csv(c, 3000, seed=8, **kw)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert {k: v for k, v in ma.items() if k != "path"} == {k: v for k, v in mb.items() if k != "path"}


def test_records_span_two_lines(big_network: tuple[Path, dict]) -> None:
    path, m = big_network
    _, rows = read_csv(path)
    assert len(rows) == m["rows"] == 4000
    two_line = sum("\n" in r[AUDIT_VARIANTS["2026-02"].index("Time Frame")] for r in rows)
    assert 0 < two_line < len(rows)
    lines = path.read_bytes().count(b"\n")
    assert lines == 1 + len(rows) + two_line  # header + records + the LF inside Time Frame
    assert path.read_bytes().startswith(b'"ID","Name","Org Name"')


def test_duplicates_are_adjacent_exact_copies(big_network: tuple[Path, dict]) -> None:
    path, m = big_network
    recs = raw_records(path)
    adjacent = sum(1 for x, y in zip(recs, recs[1:], strict=False) if x == y)
    assert adjacent == m["duplicate_rows"] == 5
    # No other record occurs twice.
    assert sum(c - 1 for c in Counter(recs).values()) == 5


def test_bad_rows_and_time_order(big_network: tuple[Path, dict]) -> None:
    path, m = big_network
    recs = as_dicts(path)
    times = [parse_time(r["Search Time"]) for r in recs]
    assert sum(t is None for t in times) == m["bad_rows"] == 7
    good = [t for t in times if t is not None]
    assert good == sorted(good)
    assert good[0].isoformat() == m["first_search"]
    assert good[-1].isoformat() == m["last_search"]
    assert datetime(2025, 1, 1, tzinfo=UTC) <= good[0] and good[-1] < datetime(2025, 1, 31, tzinfo=UTC)


def test_repeated_ids_are_distinct_records(big_network: tuple[Path, dict]) -> None:
    path, _ = big_network
    recs = as_dicts(path)
    by_id = Counter(r["ID"] for r in recs)
    exact = Counter(tuple(r.values()) for r in recs)
    repeated = [i for i, c in by_id.items() if c > 1]
    assert len(repeated) > 20  # 2% of 4000, beyond the 5 exact duplicates
    keys = Counter((r["ID"], r["Search Time"], r["Org Name"], r["Search Type"]) for r in recs)
    # Only exact duplicate records share a key; a repeated ID alone never does.
    assert sum(c - 1 for c in keys.values()) == sum(c - 1 for c in exact.values()) == 5


def test_time_frame_styles_and_bounds(big_network: tuple[Path, dict]) -> None:
    path, _ = big_network
    recs = [r for r in as_dicts(path) if parse_time(r["Search Time"])]
    styles = Counter("two" if "\n" in r["Time Frame"] else "one" for r in recs)
    assert styles["two"] and styles["one"]
    assert all(" to " in r["Time Frame"] for r in recs if "\n" not in r["Time Frame"])
    for r in recs:
        a, b = time_frame(r["Time Frame"])
        assert a < b <= parse_time(r["Search Time"])


@pytest.mark.parametrize("style", ["two_line", "one_line"])
def test_single_time_frame_style(tmp_path: Path, style: str) -> None:
    path = tmp_path / "a.csv"
    write_audit_csv(path, 200, seed=2, time_frame_style=style)
    cells = [r["Time Frame"] for r in as_dicts(path)]
    assert all(("\n" in c) == (style == "two_line") for c in cells)


def test_quirks_present(big_network: tuple[Path, dict]) -> None:
    path, _ = big_network
    text = path.read_text(encoding="utf-8")
    recs = as_dicts(path)
    col = lambda name: [r[name] for r in recs]  # noqa: E731
    # Unpadded month/day/hour and fully padded forms both occur.
    assert any(re.match(r"\d/\d{1,2}/\d{4}, \d:", t) for t in col("Search Time"))
    assert any(re.match(r"\d{2}/\d{2}/\d{4}, \d{2}:", t) for t in col("Search Time"))
    assert "\u2014\u2014" in col("Total Devices Searched")
    assert all(d == "\u2014\u2014" or d.isdigit() for d in col("Total Devices Searched"))
    assert all(n.isdigit() for n in col("Total Networks Searched"))
    cells = set(col("Name")) | set(col("License Plate")) | set(col("Reason")) | set(col("Case #"))
    assert set(REDACTION_MARKERS) <= cells
    assert any(t.endswith(" - Mobile") for t in col("Search Type"))
    base = {t.removesuffix(" - Mobile") for t in col("Search Type")}
    assert base == {
        "search", "lookup", "apiV1", "apiV2", "convoy", "visual", "freeform", "multiGeo", "searchSummary",
    }  # fmt: skip
    plates = col("License Plate")
    assert any(re.fullmatch(r"[0-9A-Z]{6,7}", p) for p in plates)
    assert any("*" in p and p not in REDACTION_MARKERS for p in plates)
    assert "" in plates and Counter(plates)["***"] > len(plates) / 2
    reasons = set(col("Reason"))
    assert {"investigation", "inv", "ICE+ERO", "Daytime search for best result", ""} <= reasons
    alert = "Other image search from alerts page associated with Alert: "
    assert any(r.startswith(alert) for r in reasons)
    assert any(re.fullmatch(r"\d{2}-\d{5}", r) for r in reasons)
    cases = col("Case #")
    assert Counter(cases)[""] > len(cases) / 2
    assert any(re.fullmatch(r"\d{2}-\d{5}", c) for c in cases)
    assert any(re.fullmatch(r"[0-9A-Z]{6,7}", c) for c in cases)  # a plate typed in
    assert {"Make: Honda", "Color: white", ""} <= set(col("Filters"))
    orgs = set(col("Org Name"))
    assert "MAPLETON CA PD" in orgs and len(orgs) > 50
    assert any(o.startswith("[Federal] ") for o in orgs)
    assert any(o.endswith(" PD (FLEX)") for o in orgs)
    assert any(re.fullmatch(r"[A-Z]{2} - .+ PD", o) for o in orgs)
    assert any(re.fullmatch(r".+ COUNTY SO [A-Z]{2}", o) for o in orgs)
    assert Counter(col("Name"))["***"] > len(recs) / 2
    assert not any('"' in c for r in recs for c in r.values())  # nothing needs CSV escaping
    assert text.count('"') % 2 == 0


def test_org_log_names_and_publisher(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    write_audit_csv(path, 500, seed=4, log_kind="org", variant="2025-10", publisher="Elk Valley OR PD")
    recs = as_dicts(path)
    assert {r["Org Name"] for r in recs} == {"Elk Valley OR PD"}
    names = [r["Name"] for r in recs]
    assert sum(bool(re.fullmatch(r"[A-Z][a-z]+, [A-Z]", n)) for n in names) > 0.8 * len(names)


def test_network_names_and_plates_gone_from_dec_2025(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    write_audit_csv(path, 300, seed=4, variant="2026-02", start=datetime(2025, 12, 5))
    recs = as_dicts(path)
    assert {r["Name"] for r in recs} == {"***"} and {r["License Plate"] for r in recs} == {"***"}


def test_header_spaces(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    write_audit_csv(path, 20, header_spaces=True)
    header, _ = read_csv(path)
    assert " Reason " in header
    assert header != AUDIT_VARIANTS["2025-08"]
    assert [h.strip() for h in header] == AUDIT_VARIANTS["2025-08"]


def test_split_date_variant(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    m = write_audit_csv(path, 400, variant="split-date", bad_rows=3)
    recs = as_dicts(path)
    ok = 0
    for r in recs:
        assert not r["Search Time"].count("/")
        try:
            datetime.strptime(f"{r['Search Date']}, {r['Search Time']}", SEARCH_TIME_FMT)
            ok += 1
        except ValueError:
            pass
    assert ok == len(recs) - m["bad_rows"] == 397
    dates = [r["Search Date"] for r in recs]
    assert any(re.fullmatch(r"\d{2}/\d{2}/\d{4}", d) for d in dates)
    assert any(re.fullmatch(r"\d/\d{1,2}/\d{4}", d) for d in dates)


def test_progress_and_argument_checks(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    write_audit_csv(tmp_path / "p.csv", 250, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (250, 250)
    with pytest.raises(ValueError):
        write_audit_csv(tmp_path / "x.csv", 10, variant="1999-01")
    with pytest.raises(ValueError):
        write_audit_csv(tmp_path / "x.csv", 10, bad_rows=9)
    with pytest.raises(ValueError):
        write_audit_csv(tmp_path / "x.csv", 10, start=datetime(2025, 2, 1), end=datetime(2025, 1, 1))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(min_value=2, max_value=300),
    dup_share=st.floats(min_value=0, max_value=0.4),
    bad_share=st.floats(min_value=0, max_value=0.4),
    seed=st.integers(min_value=-(2**40), max_value=2**40),
)
def test_counts_hold_for_any_arguments(
    tmp_path: Path, rows: int, dup_share: float, bad_share: float, seed: int
) -> None:
    dups = min(int(rows * dup_share), rows // 3)  # each needs a record to copy
    bad = min(int(rows * bad_share), (rows - dups) // 2)
    path = tmp_path / f"h{seed}.csv"
    m = write_audit_csv(path, rows, seed=seed, duplicate_rows=dups, bad_rows=bad)
    recs = as_dicts(path)
    assert len(recs) == rows == m["rows"]
    assert sum(parse_time(r["Search Time"]) is None for r in recs) == bad
    raw = raw_records(path)
    assert sum(1 for x, y in zip(raw, raw[1:], strict=False) if x == y) == dups


@pytest.mark.slow
def test_million_rows_fast(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    t0 = time.perf_counter()
    m = write_audit_csv(path, 1_000_000, seed=1, duplicate_rows=10, bad_rows=10)
    elapsed = time.perf_counter() - t0
    assert elapsed < 20, f"{elapsed:.1f} s"
    assert m["rows"] == 1_000_000
    with open(path, newline="", encoding="utf-8") as fh:
        assert sum(1 for _ in csv.reader(fh)) == 1_000_001


# ---------------------------------------------------------------- XLSX


def test_xlsx_one_sheet_per_month(tmp_path: Path) -> None:
    path = tmp_path / "o.xlsx"
    m = write_audit_xlsx(path, 3, 40, seed=5, start=datetime(2025, 11, 1), duplicate_rows=2, bad_rows=2)
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["Nov 2025", "Dec 2025", "Jan 2026"]
    assert m["sheets"] == [{"name": n, "rows": 40} for n in wb.sheet_names]
    assert m["rows"] == 120 and m["duplicate_rows"] == 2 and m["bad_rows"] == 2
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        assert rows[0] == AUDIT_VARIANTS["2025-08"]
        assert len(rows) == 41
        assert {r[2] for r in rows[1:]} == {"Mapleton CA PD"}
        assert all(isinstance(r[3], (int, float)) for r in rows[1:])  # networks as numbers
    path2 = tmp_path / "o2.xlsx"
    write_audit_xlsx(path2, 3, 40, seed=5, start=datetime(2025, 11, 1), duplicate_rows=2, bad_rows=2)
    assert path.read_bytes() == path2.read_bytes()


def test_xlsx_excel_types_and_headerless(tmp_path: Path) -> None:
    variant = sorted(XLSX_DATETIME_VARIANTS)[0]
    path = tmp_path / "t.xlsx"
    write_audit_xlsx(path, 1, 1500, seed=9, variant=variant, headerless=True)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Jan 2025").to_python()
    assert len(rows) == 1500 and rows[0][0] != "ID"  # no header row
    cols = AUDIT_VARIANTS[variant]
    st_col, reason_col = cols.index("Search Time"), cols.index("Reason")
    assert all(isinstance(r[st_col], datetime) for r in rows)
    reasons = [r[reason_col] for r in rows]
    assert any(isinstance(x, (int, float)) for x in reasons)  # 211 / 459 became numbers
    assert any(isinstance(x, str) and re.fullmatch(r"\d{2}-\d{5}", x) for x in reasons)  # stays text
    plain = tmp_path / "p.xlsx"
    write_audit_xlsx(plain, 1, 50, seed=9, variant="2025-08", excel_types=False)
    prow = CalamineWorkbook.from_path(str(plain)).get_sheet_by_name("Jan 2025").to_python()
    assert all(isinstance(c, str) for r in prow for c in r)


# ---------------------------------------------------------------- portal CSV


_PORTAL_DATE = {
    "2025": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}",
    "2025b": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}",
    "2026": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z",
    "2026b": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z",
}


@pytest.mark.parametrize("variant", sorted(PORTAL_VARIANTS))
def test_portal_variants(tmp_path: Path, variant: str) -> None:
    path = tmp_path / "p.csv"
    m = write_portal_csv(path, 120, seed=2, variant=variant)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(f'"{c}"' for c in PORTAL_VARIANTS[variant])
    recs = list(csv.DictReader(io.StringIO(text)))
    assert len(recs) == 120 == m["rows"] and list(recs[0]) == PORTAL_VARIANTS[variant]
    assert all(re.fullmatch(_PORTAL_DATE[variant], r["searchDate"]) for r in recs)
    assert [r["searchDate"] for r in recs] == sorted(r["searchDate"] for r in recs)
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert all(re.fullmatch(uuid, r["id"]) for r in recs)
    assert len({r["id"] for r in recs}) == 120
    count_col = "cameraCount" if variant == "2025" else "networkCount"
    assert re.search(rf',{recs[0][count_col]},|,{recs[0][count_col]}\n', text)  # counts unquoted
    if variant == "2026b":
        assert {r["userId"] for r in recs} == {"***"}


def test_portal_overlapping_downloads_share_rows(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_portal_csv(a, 100, seed=4, ids_from=0)
    write_portal_csv(b, 100, seed=4, ids_from=70)
    la, lb = a.read_text().splitlines()[1:], b.read_text().splitlines()[1:]
    assert la[70:] == lb[:30]
    assert not set(la[:70]) & set(lb[30:])
    c = tmp_path / "c.csv"
    write_portal_csv(c, 100, seed=4, ids_from=0)
    assert a.read_bytes() == c.read_bytes()


# ---------------------------------------------------------------- agency set


def test_agency_set_files_and_manifest(agency_set: tuple[Path, dict]) -> None:
    out, m = agency_set
    assert json.loads((out / ".manifest.json").read_text()) == m
    names = [f["file"] for f in m["files"]]
    assert names == sorted(names) == m["ingest_order"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, ".manifest.json"])
    assert all(Path(f["path"]) == out / f["file"] for f in m["files"])
    kinds = Counter(f["log_kind"] for f in m["files"])
    assert kinds == {"network": 3, "org": 1, "portal": 2}
    variants = {f["variant"] for f in m["files"] if f["log_kind"] == "network"}
    assert len(variants) > 1  # layouts drift across months
    exp = m["expected"]
    for key in ("rows_read", "rows_rejected", "rows_duplicate", "rows_loaded"):
        assert exp["total"][key] == sum(f[key] for f in exp["files"].values())
    for name, e in exp["files"].items():
        assert e["rows_read"] == e["rows_rejected"] + e["rows_duplicate"] + e["rows_loaded"]
        assert e["rows_read"] == {f["file"]: f for f in m["files"]}[name]["rows"]
    assert exp["total"]["rows_rejected"] >= 2
    net = exp["by_log_kind"]["network"]
    assert 1100 <= net["rows_read"] <= 1400  # ~scale plus the overlap days


def test_agency_set_overlap_rows_identical(agency_set: tuple[Path, dict]) -> None:
    out, m = agency_set
    nets = [f["file"] for f in m["files"] if f["log_kind"] == "network"]

    def day_records(name: str, day: str) -> list[bytes]:
        recs = raw_records(out / name)
        dicts = as_dicts(out / name)
        out_ = []
        for raw, d in zip(recs, dicts, strict=True):
            t = parse_time(d["Search Time"])
            if t is not None and t.date().isoformat() == day:
                out_.append(raw)
        return out_

    aug_tail, sep_head = day_records(nets[0], "2025-09-01"), day_records(nets[1], "2025-09-01")
    assert aug_tail and aug_tail == sep_head  # same variant: byte-identical records
    # Sep -> Oct drops Moderation: the shared day is the same records, minus one column.
    oct1 = ("10/01/2025", "10/1/2025")
    sep_tail = [d for d in as_dicts(out / nets[1]) if d["Search Time"].startswith(oct1)]
    oct_head = [d for d in as_dicts(out / nets[2]) if d["Search Time"].startswith(oct1)]
    assert sep_tail and [{k: v for k, v in d.items() if k != "Moderation"} for d in sep_tail] == oct_head


def _xlsx_search_time(v: object) -> str | None:
    if isinstance(v, datetime):
        return v.isoformat()
    return v if isinstance(v, str) and parse_time(v) else None


def test_agency_set_expected_matches_independent_count(agency_set: tuple[Path, dict]) -> None:
    """Re-derive every expected count with a tiny importer that applies the stated rules."""
    out, m = agency_set
    seen: set[tuple] = set()
    kinds = {f["file"]: f["log_kind"] for f in m["files"]}
    for name in m["ingest_order"]:
        kind = kinds[name]
        got = Counter()
        if name.endswith(".xlsx"):
            wb = CalamineWorkbook.from_path(str(out / name))
            records = []
            for sheet in wb.sheet_names:
                rows = wb.get_sheet_by_name(sheet).to_python()
                records += [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
        elif kind == "portal":
            with open(out / name, newline="") as fh:
                records = list(csv.DictReader(fh))
        else:
            records = as_dicts(out / name)
        for r in records:
            got["rows_read"] += 1
            if kind == "portal":
                key: tuple = ("portal", r["id"])
            else:
                t = _xlsx_search_time(r["Search Time"])
                if t is None:
                    got["rows_rejected"] += 1
                    continue
                key = (kind, r["ID"], t, r["Org Name"], r["Search Type"])
            if key in seen:
                got["rows_duplicate"] += 1
            else:
                seen.add(key)
                got["rows_loaded"] += 1
        want = m["expected"]["files"][name]
        assert {k: got[k] for k in want} == want, name


def test_agency_set_deterministic(tmp_path: Path, agency_set: tuple[Path, dict]) -> None:
    out, m = agency_set
    again = write_agency_set(tmp_path, scale=1200, seed=3)
    assert again["expected"] == m["expected"]
    for name in m["ingest_order"]:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
