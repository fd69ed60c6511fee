"""Sharing rules on real releases: no accusation against agencies whose outbound partners are
California public agencies; the out-of-state and federal recipients of a report that lists
them are found. (False positives matter: an accusation must be right.)"""

from __future__ import annotations

from alpr_audit.audit.engine import run_audit
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.store.store import Store
from fixturekit import fixture_file

_ACCUSE = {"sharing.out_of_state", "sharing.federal", "sharing.private"}


def _audit(store: Store, relpath: str, agency: str | None = None) -> dict[str, set[str]]:
    result = ingest_file(store, fixture_file(relpath), agency=agency)
    assert result.status == "ingested", result.message
    found: dict[str, set[str]] = {}
    for f in run_audit(store, only=["sharing.*"]).findings:
        found.setdefault(f.rule_id, set()).add(f.subject)
    return found


def test_los_altos_portal_2026_shares_only_inside_california(store: Store) -> None:
    found = _audit(store, "portal/flock-portal_los-altos-ca-pd_2026-04-26.html")
    assert not _ACCUSE & set(found), found
    assert store.query("SELECT count(*) AS n FROM sharing WHERE direction = 'out'") == [{"n": 39}]


def test_ocsd_flock_shared_networks_2025_has_no_out_of_state_or_federal_recipient(store: Store) -> None:
    found = _audit(store, "flock/ocsd_flock-shared-networks_2025-12.xlsx", "Orange County CA SO")
    assert not _ACCUSE & set(found), found
    # the regional intelligence center cannot be placed from its name: a question, not a charge
    assert found.get("sharing.unknown_partner") == {"ncric"}


def test_ocsd_vigilant_report_2025_shows_out_of_state_and_federal_recipients(store: Store) -> None:
    found = _audit(store, "vigilant/ocsd_agency-data-sharing-report_2025-03-11.pdf",
                   "Orange County CA SO")
    # Norwalk PD is placed in CT by the report's own City/State columns; IRS-CI is federal
    assert found["sharing.out_of_state"] == {"norwalk-ct-pd"}
    assert found["sharing.federal"] == {"irs-criminal-investigations"}
    # partners in the report's Inactive list are not current recipients
    assert "register-ga-pd" in found["sharing.deactivated_partner"]
    assert "united-states-forest-service-ca" not in found.get("sharing.federal", set())
