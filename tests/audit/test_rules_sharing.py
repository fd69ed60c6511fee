"""Sharing legality: out-of-state, federal, private, unknown and deactivated recipients are
found from the registry; California public partners and inbound sharing are not accused."""

from __future__ import annotations

from datetime import date

from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.store.store import Store


def _share(store: Store, pub: str, partners: list[str], direction: str = "out",
           status: str = "active") -> None:
    put_rows(store, "sharing", [
        dict(publisher_agency_id=pub, partner_agency_id=p, partner_name_raw=p, direction=direction,
             data_kind="detections", status=status, observed_on=date(2025, 6, 1)) for p in partners])


def _by_rule(result) -> dict[str, set[str]]:  # noqa: ANN001
    out: dict[str, set[str]] = {}
    for f in result.findings:
        out.setdefault(f.rule_id, set()).add(f.subject)
    return out


def test_each_kind_of_unlawful_recipient_is_found_and_lawful_ones_are_not(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    names = ["Portland OR PD", "Riverside County CA SO", "US Border Patrol", "Acme Security LLC",
             "Foo Task Force", "Old Town CA PD (Deactivated)", "Eugene OR PD"]
    ids = [put_agency(store, n) for n in names]
    _share(store, pub, ids)
    got = _by_rule(run_audit(store, only=["sharing.*"]))
    assert got["sharing.out_of_state"] == {"portland-or-pd", "eugene-or-pd"}
    assert got["sharing.federal"] == {"us-border-patrol"}
    assert got["sharing.private"] == {"acme-security-llc"}
    assert got["sharing.unknown_partner"] == {"foo-task-force"}
    assert got["sharing.deactivated_partner"] == {"old-town-ca-pd"}
    accused = set().union(*(v for k, v in got.items() if k != "sharing.inbound"))
    assert "riverside-county-ca-so" not in accused


def test_all_california_public_partners_give_no_accusation(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    ids = [put_agency(store, n) for n in ("Riverside County CA SO", "Irvine CA PD", "California Highway Patrol")]
    _share(store, pub, ids)
    result = run_audit(store, only=["sharing.*"])
    assert [f for f in result.findings if f.severity in ("high", "review")] == []


def test_inbound_sharing_is_reported_not_accused(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    out_of_state = put_agency(store, "Portland OR PD")
    _share(store, pub, [out_of_state], direction="in")
    result = run_audit(store, only=["sharing.*"])
    assert [(f.rule_id, f.severity, f.evidence_count) for f in result.findings] == [
        ("sharing.inbound", "info", 1)]


def test_a_removed_share_is_not_a_current_recipient(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    _share(store, pub, [put_agency(store, "Portland OR PD")], status="removed")
    assert run_audit(store, only=["sharing.out_of_state"]).findings == []


def test_generic_pack_judges_by_the_publishers_own_state(store: Store) -> None:
    pub = put_agency(store, "Eugene OR PD")
    ids = [put_agency(store, n) for n in ("Portland OR PD", "Mapleton CA PD")]
    _share(store, pub, ids)
    got = _by_rule(run_audit(store, pack="generic", only=["sharing.out_of_state"]))
    assert got == {"sharing.out_of_state": {"mapleton-ca-pd"}}


def test_message_names_both_agencies_and_the_law(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    _share(store, pub, [put_agency(store, "Portland OR PD")])
    (f,) = run_audit(store, only=["sharing.out_of_state"]).findings
    assert f.message.startswith("Mapleton CA PD shares ALPR data with Portland OR PD")
    assert "outside CA" in f.message
    assert "1798.90.55(b)" in f.citation
    ev = store.query("SELECT table_name, locator FROM evidence WHERE rule_id = 'sharing.out_of_state'")
    assert ev == [{"table_name": "sharing", "locator": "row 2"}]
