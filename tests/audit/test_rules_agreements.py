"""agreements.missing: an active outbound partner without an agreement valid on as_of is found
(none on file, expired, signed later); valid, open-ended and expiring-today agreements, removed
or deactivated partners, and agencies that produced no agreements list are not accused."""

from __future__ import annotations

from datetime import date, datetime

from rowkit import put_agency, put_rows

from alpr_audit.audit.engine import run_audit
from alpr_audit.store.store import Store

AS_OF = datetime(2025, 6, 30, 15, 0)


def _share(store: Store, pub: str, partners: list[str], status: str = "active") -> None:
    put_rows(store, "sharing", [
        dict(publisher_agency_id=pub, partner_agency_id=p, partner_name_raw=p.upper(),
             direction="out", data_kind="detections", status=status,
             observed_on=date(2025, 6, 1)) for p in partners])


def _agree(store: Store, pub: str, rows: list[tuple[str, date | None, date | None]]) -> None:
    put_rows(store, "agreements", [
        dict(agency_id=pub, partner_agency_id=p, partner_name_raw=p, kind="MOU", signed_on=s,
             expires_on=e) for p, s, e in rows])


def _missing(result) -> dict[tuple[str, str], dict]:  # noqa: ANN001
    return {(f.agency_id, f.subject): f for f in result.findings
            if f.rule_id == "agreements.missing"}


def test_partners_without_a_valid_agreement_are_found(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    names = ["Riverside County CA SO", "Irvine CA PD", "Fresno CA PD", "Marin County CA SO",
             "Oakland CA PD", "Alameda CA PD"]
    riv, irv, fre, mar, oak, ala = (put_agency(store, n) for n in names)
    _share(store, pub, [riv, irv, fre, mar, oak, ala])
    _agree(store, pub, [
        (riv, date(2020, 1, 1), None),                  # open-ended: valid
        (irv, date(2020, 1, 1), date(2025, 6, 30)),     # expires on the audit day: still valid
        (fre, date(2020, 1, 1), date(2025, 6, 29)),     # expired the day before
        (mar, date(2025, 7, 1), None),                  # signed after as_of
        (oak, None, None),                              # never signed
    ])                                                  # alameda: nothing on file
    got = _missing(run_audit(store, only=["agreements.*"], as_of=AS_OF))
    assert set(got) == {(pub, fre), (pub, mar), (pub, oak), (pub, ala)}
    assert "expired on 2025-06-29" in got[(pub, fre)]["message"]
    assert "signed only on 2025-07-01" in got[(pub, mar)]["message"]
    assert "no agreement on file" in got[(pub, ala)]["message"]
    f = got[(pub, fre)]
    assert (f.severity, f.evidence_count) == ("medium", 1)
    assert f.message.startswith("Mapleton CA PD shares ALPR data with Fresno CA PD but has "
                                   "no agreement with it that is valid on the audit date")


def test_a_renewed_agreement_covers_the_partner_and_evidence_is_the_sharing_rows(
        store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    riv, fre = put_agency(store, "Riverside County CA SO"), put_agency(store, "Fresno CA PD")
    _share(store, pub, [riv, fre])
    _share(store, pub, [fre])  # listed twice (two releases): both rows are evidence
    _agree(store, pub, [(riv, date(2018, 1, 1), date(2020, 1, 1)),   # old one expired …
                        (riv, date(2020, 1, 1), date(2026, 1, 1)),   # … renewed
                        (fre, date(2018, 1, 1), date(2020, 1, 1))])
    result = run_audit(store, only=["agreements.*"], as_of=AS_OF)
    assert set(_missing(result)) == {(pub, fre)}
    ev = store.query("SELECT table_name, locator FROM evidence WHERE rule_id = "
                     "'agreements.missing' ORDER BY locator")
    assert [e["table_name"] for e in ev] == ["sharing", "sharing"]


def test_removed_and_deactivated_relationships_and_inbound_sharing_are_not_accused(
        store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    riv = put_agency(store, "Riverside County CA SO")
    gone = put_agency(store, "Fresno CA PD")
    old = put_agency(store, "Old Town CA PD (Deactivated)")
    inactive = put_agency(store, "Marin County CA SO")
    _share(store, pub, [riv])
    _share(store, pub, [gone], status="removed")
    _share(store, pub, [old], status="deactivated")
    _share(store, pub, [inactive], status="inactive")
    put_rows(store, "sharing", [dict(publisher_agency_id=pub, partner_agency_id=gone,
                                     direction="in", status="active")])
    # the registry calls this one deactivated though its row says active: not an active
    # partner (sharing.deactivated_partner reports it)
    defunct = put_agency(store, "Elk Grove CA PD (Deactivated)")
    _share(store, pub, [defunct])
    _agree(store, pub, [(riv, date(2020, 1, 1), None)])
    assert _missing(run_audit(store, only=["agreements.*"], as_of=AS_OF)) == {}


def test_only_agencies_that_produced_an_agreements_list_are_judged(store: Store) -> None:
    with_list = put_agency(store, "Mapleton CA PD")
    without = put_agency(store, "Irvine CA PD")
    riv = put_agency(store, "Riverside County CA SO")
    fre = put_agency(store, "Fresno CA PD")
    _share(store, with_list, [riv, fre])
    _share(store, without, [riv, fre])
    _agree(store, with_list, [(riv, date(2020, 1, 1), None)])
    assert set(_missing(run_audit(store, only=["agreements.*"], as_of=AS_OF))) == {
        (with_list, fre)}


def test_partner_without_registry_id_is_matched_by_name(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    put_rows(store, "sharing", [
        dict(publisher_agency_id=pub, partner_name_raw=n, direction="out", status="active")
        for n in ("Some Task Force", "Other Unit")])
    put_rows(store, "agreements", [dict(agency_id=pub, partner_name_raw=" some task force ",
                                        signed_on=date(2020, 1, 1))])
    got = _missing(run_audit(store, only=["agreements.*"], as_of=AS_OF))
    assert set(got) == {(pub, "Other Unit")}


def test_no_agreements_list_means_not_applicable(store: Store) -> None:
    pub = put_agency(store, "Mapleton CA PD")
    _share(store, pub, [put_agency(store, "Fresno CA PD")])
    result = run_audit(store, only=["agreements.*"], as_of=AS_OF)
    assert result.findings == []
    assert "agreements.missing" in result.not_applicable
