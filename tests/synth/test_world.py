"""The synthetic ALPR world (alpr_audit.synth.world): same seed, same bytes; every file
ingests without rejects; every locator in the truth points at a stored row whose content is
the injected kind; the counts in the truth are the store's counts.

The tests shrink the plate reads to a tenth (``reads_per_agency``) to stay fast; everything
else is the world at scale 1.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.audit.reasons import classify_many
from alpr_audit.core.errors import UnknownFormatError
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.ingest.registry import IMPORTERS
from alpr_audit.store import Store
from alpr_audit.synth import world_readings, world_vocab
from alpr_audit.synth.world import TRUTH_NAME, write_world
from alpr_audit.synth.world_people import build_agency, person_name
from alpr_audit.synth.world_truth import check

AS_OF = datetime(2025, 10, 31, 23, 59, 59)
LOCAL = ZoneInfo("America/Los_Angeles")
#: Every misuse kind the world injects (one finding at least each).
KINDS = {
    "purpose.immigration", "purpose.protest", "purpose.reproductive", "purpose.personal",
    "purpose.vague", "access_record.incomplete", "sharing.out_of_state", "sharing.federal",
    "sharing.private", "sharing.unknown_partner", "sharing.deactivated_partner",
    "sharing.inbound", "agreements.missing", "scope.many_networks", "volume.burst",
    "volume.user_spike", "volume.off_shift", "accounts.shared_account",
    "accounts.search_after_inactivity", "accounts.inactive", "accounts.unknown_searcher",
    "retention.detections", "retention.hits", "hotlist.no_expiry", "hotlist.no_case_number",
    "hotlist.personal_owner", "policy.missing_element", "hit_ratio.period",
}


def _readings_importers() -> list[Any]:
    """The row-level importers (detections, hits, agreements) when this checkout has them."""
    try:
        from alpr_audit.ingest.formats.generic.agreements import AgreementsImporter
        from alpr_audit.ingest.formats.generic.detections import DetectionsImporter
        from alpr_audit.ingest.formats.generic.readings import HitsImporter
    except ImportError:
        return []
    return [DetectionsImporter(), HitsImporter(), AgreementsImporter()]


def _small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world_readings, "reads_per_agency", lambda scale: 20_000 * scale)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("world")
    with pytest.MonkeyPatch.context() as mp:
        _small(mp)
        truth = write_world(out, seed=0, scale=1, agencies=2)
    return out, truth


@pytest.fixture(scope="module")
def ingested(world: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory):
    """The world ingested folder by folder with --agency; (store, results by relative path)."""
    root, truth = world
    store = Store.open(tmp_path_factory.mktemp("store") / "store")
    importers = [*_readings_importers(), *IMPORTERS]
    results: dict[str, Any] = {}
    for a in truth["agencies"]:
        for f in sorted((root / a["folder"]).iterdir()):
            rel = f"{a['folder']}/{f.name}"
            try:
                results[rel] = ingest_file(store, f, agency=a["name"], importers=importers)
            except UnknownFormatError as exc:  # a row-level format not registered yet
                results[rel] = exc
    yield store, results
    store.close()


def _rows(store: Store, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Stored rows of ``table`` by (path relative to the world, locator)."""
    out = {}
    for r in store.query(f"SELECT t.*, s.path AS _path FROM {table} t JOIN sources s USING (source_id)"):
        p = Path(r["_path"])
        out[(f"{p.parent.name}/{p.name}", r["locator"])] = r
    return out


# --- determinism and arguments ---------------------------------------------------------------


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_another_seed_another_world(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, world: tuple[Path, dict[str, Any]]) -> None:
    _small(monkeypatch)
    a = write_world(tmp_path / "a", seed=1, agencies=1)
    b = write_world(tmp_path / "b", seed=1, agencies=1)
    ta, tb = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert a == b and ta == tb and TRUTH_NAME in ta
    assert json.loads(ta[TRUTH_NAME]) == a  # the returned truth is the file's
    # seed 0 (the module world) wrote other searches for the same agency
    seed0 = (world[0] / "mapleton-ca-pd" / "flock_network-audit_2025.csv").read_bytes()
    assert ta["mapleton-ca-pd/flock_network-audit_2025.csv"] != seed0
    assert {e["rule_id"] for e in a["expected"]} >= KINDS - {
        "sharing.federal", "sharing.private", "sharing.unknown_partner", "retention.detections",
        "retention.hits", "policy.missing_element"}  # county-profile kinds


@pytest.mark.parametrize("kw", [{"scale": 0}, {"agencies": 0}, {"agencies": 9}])
def test_bad_arguments_are_refused(tmp_path: Path, kw: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        write_world(tmp_path, **kw)


# --- the truth file --------------------------------------------------------------------------


def test_truth_names_every_kind_with_agencies_as_written(world: tuple[Path, dict[str, Any]]) -> None:
    root, truth = world
    assert truth["as_of"] == "2025-10-31T23:59:59Z" and (truth["seed"], truth["scale"]) == (0, 1)
    assert [(a["name"], a["folder"], a["state"]) for a in truth["agencies"]] == [
        ("Mapleton CA PD", "mapleton-ca-pd", "CA"), ("Rivera County CA SO", "rivera-county-ca-so", "CA")]
    assert {e["rule_id"] for e in truth["expected"]} == KINDS
    assert not (root / "mapleton-ca-pd" / TRUTH_NAME).exists()
    for e in truth["expected"]:
        assert e["agency"] in ("Mapleton CA PD", "Rivera County CA SO") and e["subject"]
    # row-level kinds carry 10-30 rows at scale 1 (summed over their subjects, per agency)
    per: dict[tuple[str, str], int] = defaultdict(int)
    for e in truth["expected"]:
        per[(e["rule_id"], e["agency"])] += e.get("row_count", 0)
    for kind in ("purpose.immigration", "purpose.protest", "purpose.reproductive",
                 "purpose.personal", "purpose.vague", "scope.many_networks"):
        for agency in ("Mapleton CA PD", "Rivera County CA SO"):
            assert 10 <= per[(kind, agency)] <= 30, (kind, agency)
    missing = {e["subject"] for e in truth["expected"] if e["rule_id"] == "policy.missing_element"}
    assert missing == {"C", "E", "F"}
    assert truth["near_misses"] and all(n["what"] for n in truth["near_misses"])


def test_the_self_check_refuses_a_world_that_does_not_match() -> None:
    want = {("volume.burst", "A", "u"): {("f", "row 2"), ("f", "row 3")}}
    check(want, want)
    with pytest.raises(RuntimeError, match="fires without being injected"):
        check({**want, ("purpose.vague", "A", "X"): {("f", "row 9")}}, want)
    with pytest.raises(RuntimeError, match="rows differ"):
        check({("volume.burst", "A", "u"): {("f", "row 2")}}, want)
    with pytest.raises(RuntimeError, match="does not fire"):
        check({}, want)


def test_reason_vocabularies_have_the_labels_they_stand_for() -> None:
    lists = {"specific": world_vocab.SPECIFIC_REASONS + world_vocab.NEAR_MISS_REASONS,
             "case_number": world_vocab.CASE_NUMBER_REASONS,
             "immigration": world_vocab.IMMIGRATION_REASONS, "protest": world_vocab.PROTEST_REASONS,
             "reproductive": world_vocab.REPRODUCTIVE_REASONS,
             "personal": world_vocab.PERSONAL_REASONS}
    for label, reasons in lists.items():
        got = [lab for lab, _ in classify_many(list(reasons))]
        assert got == [label] * len(reasons), [r for r, g in zip(reasons, got, strict=False) if g != label]
    vague = [lab for lab, _ in classify_many(list(world_vocab.VAGUE_REASONS))]
    assert set(vague) <= {"generic", "test"}


def test_partner_and_agency_names_parse_as_designed() -> None:
    from rapidfuzz import fuzz

    names: list[str] = list(world_vocab.WORLD_AGENCIES)
    for i in range(4):
        aw = build_agency(i, seed=0, scale=1, n_agencies=4)
        names += [p.name for p in aw.partners] + aw.orgs
        for p in aw.partners:
            n = parse_agency_name(p.name)
            if not p.expect and "Task Force" not in p.name:
                assert (n.state, n.is_federal, n.is_private, n.deactivated) == ("CA", False, False, False) \
                    or p.direction == "in", p.name
    parsed = {parse_agency_name(n).agency_id: parse_agency_name(n) for n in names}
    # no two agencies so alike that the registry would merge them (near-duplicate ratio 95)
    by_group: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in parsed.values():
        if p.state != "unknown":
            by_group[(p.state, p.level)].append(p.canonical)
    for group in by_group.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                assert fuzz.ratio(a, b) < 95, (a, b)
    assert len({person_name(i) for i in range(60 * 60 * 3)}) == 60 * 60 * 3


# --- ingest -----------------------------------------------------------------------------------


def test_every_file_ingests_without_rejects(world: tuple[Path, dict[str, Any]], ingested: Any) -> None:
    _, truth = world
    store, results = ingested
    assert set(results) == {f["file"] for f in truth["files"]}
    formats = {f["file"]: f["format"] for f in truth["files"]}
    for rel, r in results.items():
        if isinstance(r, UnknownFormatError):
            assert formats[rel] in ("detections", "hits", "agreements"), rel
            continue
        assert r.status == "ingested", (rel, r.message)
        assert (r.rows_rejected, r.rows_duplicate) == (0, 0), (rel, r.message)
        assert r.rows_read == r.rows_loaded
    assert store.query("SELECT count(*) AS n FROM rejects") == [{"n": 0}]


def test_counts_in_the_truth_are_the_stores(world: tuple[Path, dict[str, Any]], ingested: Any) -> None:
    _, truth = world
    store, results = ingested
    for f in truth["files"]:
        r = results[f["file"]]
        if "rows" in f and not isinstance(r, Exception) and f["format"] != "flock_shared_networks":
            assert r.rows_loaded == f["rows"], f["file"]
    for a in truth["agencies"]:
        c = truth["counts"]["agencies"][a["name"]]
        pub = a["agency_id"]
        n = store.query(f"SELECT count(*) AS n FROM searches WHERE publisher_agency_id = '{pub}'")
        assert n[0]["n"] == c["searches"]
        sharing = store.query(
            "SELECT direction, count(*) AS n FROM sharing sh JOIN sources s USING (source_id) "
            f"WHERE sh.publisher_agency_id = '{pub}' AND s.format = 'flock_portal_page' GROUP BY 1")
        assert {r["direction"]: r["n"] for r in sharing} == {"out": c["partners_out"],
                                                             "in": c["partners_in"]}
        snap = store.query(f"SELECT retention_days FROM portal_snapshots WHERE agency_id = '{pub}'")
        assert snap == [{"retention_days": a["retention_days"]}]
    # as_of: the latest timestamp anywhere in the data
    latest = store.query("""SELECT max(t) AS t FROM (
        SELECT max(searched_at) AS t FROM searches UNION ALL SELECT max(last_login) FROM users
        UNION ALL SELECT max("at") FROM hotlist_events
        UNION ALL SELECT max(captured_on)::TIMESTAMP FROM portal_snapshots)""")
    assert latest == [{"t": AS_OF}]


def _check_search(rule: str, subject: str, e: dict[str, Any], r: dict[str, Any],
                  label: str) -> None:
    if rule == "purpose.vague":
        assert label in ("generic", "test")
    elif rule.startswith("purpose."):
        assert label == rule.split(".")[1]
    elif rule == "access_record.incomplete":
        red = r["redacted"] or []
        if subject == "purpose":
            assert label == "missing" and "reason" not in red
        elif subject == "user":
            assert r["user_ref"] is None and "user_ref" not in red
        else:
            assert (r["plate_query"], r["filters"], r["text_prompt"]) == (None, None, None)
            assert "plate_query" not in red
    elif rule == "scope.many_networks":
        assert r["networks_searched"] >= 1000
    else:
        assert r["user_ref"] == subject
    if rule.startswith(("purpose.", "scope.")):
        assert r["searcher_agency_id"] == e["subject_id"]


def test_search_locators_point_at_rows_of_the_injected_kind(
        world: tuple[Path, dict[str, Any]], ingested: Any) -> None:
    _, truth = world
    store, _ = ingested
    rows = _rows(store, "searches")
    expected = [e for e in truth["expected"] if "flock_network-audit" in json.dumps(e.get("rows", ""))]
    reasons = sorted({rows[(x["file"], x["locator"])]["reason"] or "" for e in expected
                      for x in e["rows"]})
    labels = dict(zip(reasons, (lab for lab, _ in classify_many(reasons)), strict=False))
    labels[""] = "missing"
    checked = 0
    for e in expected:
        hits = [rows[(x["file"], x["locator"])] for x in e["rows"]]
        for r in hits:
            _check_search(e["rule_id"], e["subject"], e, r, labels[r["reason"] or ""])
            checked += 1
        times = sorted(r["searched_at"] for r in hits)
        if e["rule_id"] == "volume.burst":
            assert len(hits) >= 20
        elif e["rule_id"] == "volume.user_spike":
            assert len(hits) >= 40 and len({t.date() for t in times}) == 1
        elif e["rule_id"] == "volume.off_shift":
            local = [t.replace(tzinfo=UTC).astimezone(LOCAL).hour for t in times]
            assert all(1 <= h < 5 for h in local), local
        elif e["rule_id"] == "accounts.shared_account":
            assert len({r["searcher_agency_id"] for r in hits}) == 2
        elif e["rule_id"] == "accounts.search_after_inactivity":
            before = store.query(
                "SELECT max(searched_at) AS t FROM searches WHERE user_ref = ? AND searched_at < ?",
                [e["subject"], times[0]])
            assert times[0] - before[0]["t"] >= timedelta(days=365)
        elif e["rule_id"] == "accounts.unknown_searcher":
            listed = store.query("SELECT count(*) AS n FROM users WHERE user_ref = ?", [e["subject"]])
            assert listed == [{"n": 0}]
    assert checked > 400


def test_user_and_event_locators(world: tuple[Path, dict[str, Any]], ingested: Any) -> None:
    _, truth = world
    store, _ = ingested
    users, events = _rows(store, "users"), _rows(store, "hotlist_events")
    cutoff = AS_OF - timedelta(days=365)
    n = 0
    for e in truth["expected"]:
        for x in e.get("rows", []):
            key = (x["file"], x["locator"])
            if e["rule_id"] == "accounts.inactive":
                assert users[key]["user_ref"] == e["subject"] and users[key]["last_login"] < cutoff
            elif e["rule_id"].startswith("hotlist."):
                ev = events[key]
                assert ev["hotlist_name"] == e["subject"] and ev["event_type"] == "create"
                assert ev["entity_type"] == "Custom Hotlist Entry"
                if e["rule_id"] == "hotlist.no_expiry":
                    assert ev["expires_at"] is None
                elif e["rule_id"] == "hotlist.no_case_number":
                    assert ev["case_number"] is None
                else:
                    assert "personal" in f"{ev['hotlist_name']} {ev['reason']}".lower() \
                        or "ex-wife" in ev["reason"]
            else:
                continue
            n += 1
    assert n > 60


def test_retention_ranges_are_the_stored_old_reads(world: tuple[Path, dict[str, Any]], ingested: Any) -> None:
    _, truth = world
    store, results = ingested
    found = 0
    for e in truth["expected"]:
        if not e["rule_id"].startswith("retention.") or isinstance(results[e["file"]], Exception):
            continue
        table, col = ("detections", "seen_at") if e["subject"] == "detections" else ("hits", "hit_at")
        cutoff = AS_OF - timedelta(days=365)
        rows = _rows(store, table)
        old = sorted((int(loc.split()[1]) for (f, loc), r in rows.items()
                      if f == e["file"] and r[col] < cutoff))
        assert len(old) == e["row_count"]
        runs = [[f"row {a}", f"row {b}"] for a, b in _runs(old)]
        assert runs == e["row_ranges"]
        found += 1
    if _readings_importers():
        assert found == 2


def _runs(nums: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in nums:
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def test_registry_gives_the_subject_ids_the_truth_expects(
        world: tuple[Path, dict[str, Any]], ingested: Any) -> None:
    _, truth = world
    store, _ = ingested
    agencies = {r["agency_id"]: r for r in store.query("SELECT * FROM agencies")}
    raw = {r["partner_name_raw"]: r["partner_agency_id"] for r in store.query(
        "SELECT DISTINCT partner_name_raw, partner_agency_id FROM sharing")}
    for e in truth["expected"]:
        if e["rule_id"].startswith("sharing.") and e["subject"] != "inbound":
            assert raw[e["subject"]] == e["subject_id"]
            a = agencies[e["subject_id"]]
            flag = {"sharing.federal": a["is_federal"], "sharing.private": a["is_private"],
                    "sharing.deactivated_partner": a["deactivated"],
                    "sharing.out_of_state": a["state"] not in ("CA", "unknown"),
                    "sharing.unknown_partner": a["state"] == "unknown"}[e["rule_id"]]
            assert flag, e
