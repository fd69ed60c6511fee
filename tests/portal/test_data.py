"""The portal's figures on a store whose every row is known (smallworld)."""

from __future__ import annotations

from collections import Counter

from smallworld import EVIL, REASONS

from alpr_audit.audit.reasons import classify
from alpr_audit.outputs.portal.data import gather, vague_share


def _page(data: dict, name: str) -> dict:
    return next(p for p in data["agencies"] if p["name"] == name)


def test_searches_are_counted_in_one_log_only(small_store) -> None:  # noqa: ANN001
    page = _page(gather(small_store), "Mapleton CA PD")
    # 30 searches in the network log; 5 of them repeated in the organisation log are not added
    assert page["log_kind"] == "network_audit"
    assert page["searches_total"] == 3 * len(REASONS)
    assert [(r["month"], r["searches"]) for r in page["searches_by_month"]] == [
        ("2025-01", 10), ("2025-02", 10), ("2025-03", 10)]


def test_purposes_come_from_the_audit_classifier(small_store) -> None:  # noqa: ANN001
    page = _page(gather(small_store), "Mapleton CA PD")
    labels = {r["label"]: r["searches"] for r in page["purposes"]}
    expected = Counter(classify(r)[0] for r in REASONS)
    assert labels == {k: 3 * n for k, n in expected.items()}
    assert labels["immigration"] == 3 and labels["generic"] >= 6
    assert page["alarm_searches"] == 3
    vague = sum(n for k, n in labels.items() if k in ("missing", "generic", "test"))
    assert page["vague_percent"] == vague_share(page["purposes"]) == round(100 * vague / 30, 1)


def test_hit_ratio_and_monthly_reads_from_count_reports(small_store) -> None:  # noqa: ANN001
    page = _page(gather(small_store), "Mapleton CA PD")
    reads = sum(990 + m + 10 * m for m in (1, 2, 3))
    assert page["hit_ratio"]["reads"] == reads and page["hit_ratio"]["hits"] == 60
    assert page["hit_ratio"]["hit_percent"] == round(100 * 60 / reads, 3)
    assert [r["hits"] for r in page["reads_by_month"]] == [10, 20, 30]


def test_sharing_partners_are_flagged_and_listed_first(small_store) -> None:  # noqa: ANN001
    page = _page(gather(small_store), "Mapleton CA PD")
    out = page["sharing"]["out"]
    assert [p["partner"] for p in out][:2] == ["Reno NV PD", "US Department of Homeland Security"]
    # the registry decides "out of state"; the source's own marker is kept as written
    assert out[0]["flags"] == ["out of state", "NVLS"] and "federal" in out[1]["flags"]
    assert (page["out_of_state"], page["federal"]) == (2, 1)
    assert [p["partner"] for p in page["sharing"]["in"]] == ["Loma Verde CA PD"]
    assert not page["sharing"]["in"][0]["flags"]


def test_snapshot_changes_and_policy_elements(small_store) -> None:  # noqa: ANN001
    data = gather(small_store)
    page = _page(data, "Mapleton CA PD")
    first, last = page["snapshots"]
    assert first["changes"] == []
    assert {c["field"]: (c["before"], c["after"]) for c in last["changes"]} == {
        "camera_count": (10, 12), "vehicles_30d": (1000, 1200), "hits_30d": (5, 6)}
    assert all(e["present"] for e in page["policy"])
    evil = _page(data, EVIL)
    assert [e["id"] for e in evil["policy"] if not e["present"]] == list("ABCDEFG")


def test_findings_are_the_latest_run_per_agency(small_store) -> None:  # noqa: ANN001
    data = gather(small_store)
    page = _page(data, "Mapleton CA PD")
    rules = {f.rule_id for f in page["findings"]}
    assert {"sharing.out_of_state", "sharing.federal", "purpose.immigration"} <= rules
    assert page["findings_by_severity"]["high"] == sum(
        1 for f in page["findings"] if f.severity == "high") > 0
    assert data["run"]["findings"] == sum(len(p["findings"]) for p in data["agencies"])


def test_sources_carry_hash_and_period(small_store) -> None:  # noqa: ANN001
    page = _page(gather(small_store), "Mapleton CA PD")
    searches = [s for s in page["sources"] if s["log_kind"] is None and s["period_start"]]
    assert all(s["sha256"] and "/" not in s["file"] for s in page["sources"])
    assert any(str(s["period_start"]) == "2025-01-01" for s in searches)


def test_only_named_agencies(small_store) -> None:  # noqa: ANN001
    data = gather(small_store, ["Mapleton CA PD"])
    assert [p["agency_id"] for p in data["agencies"]] == ["mapleton-ca-pd"]


def test_agencies_are_listed_by_name_with_numbers_in_order() -> None:
    from alpr_audit.outputs.portal.data import _natural

    names = ["Town 10 CA PD", "Town 2 CA PD", "apple CA PD", "Town 1 CA PD"]
    assert sorted(names, key=_natural) == ["apple CA PD", "Town 1 CA PD", "Town 2 CA PD",
                                           "Town 10 CA PD"]
