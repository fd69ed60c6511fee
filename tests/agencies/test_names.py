"""Agency names as vendors write them: one canonical agency, state, level, flags, evidence."""

from __future__ import annotations

import pytest

from alpr_audit.agencies.names import parse_agency_name


@pytest.mark.parametrize("spelling", [
    "ALHAMBRA CA PD", "Alhambra Police Department (CA)", "CA - Alhambra PD",
    "ALHAMBRA POLICE DEPARTMENT-CA", "Alhambra Police Department CA", "ALHAMBRA CA PD (Deactivated)",
])
def test_vendor_spellings_of_one_agency_meet_in_one_id(spelling: str) -> None:
    p = parse_agency_name(spelling)
    assert (p.agency_id, p.state, p.level) == ("alhambra-ca-pd", "CA", "local")


@pytest.mark.parametrize(("name", "state", "level", "federal", "private"), [
    ("ALACHUA FL PD (FLEX)", "FL", "local", False, False),
    ("ALLEGAN COUNTY SO MI", "MI", "county", False, False),
    ("Alameda County Sheriffs Office (CA)", "CA", "county", False, False),
    ("Abilene Police Department (TX)", "TX", "local", False, False),
    ("Arroyo Grande Police Department-CA", "CA", "local", False, False),
    ("AZ - Gilbert PD", "AZ", "local", False, False),
    ("EUGENE OR PD", "OR", "local", False, False),
    ("[Federal] Loma Linda Healthcare System CA Veterans Affairs PD", "CA", "federal", True, False),
    ("San Diego Sector Border Patrol (CA)", "CA", "federal", True, False),
    ("IRS Criminal Investigations", "US", "federal", True, False),
    ("ATF National Account", "US", "federal", True, False),
    ("California Highway Patrol", "CA", "state", False, False),
    ("CAL FIRE", "CA", "state", False, False),
    ("Arizona Department of Public Safety", "AZ", "state", False, False),
    ("Fashion Valley Mall Security", "unknown", "private", False, True),
])
def test_state_level_and_flags(name, state, level, federal, private) -> None:
    p = parse_agency_name(name)
    assert (p.state, p.level, p.is_federal, p.is_private) == (state, level, federal, private)


def test_a_unique_place_resolves_through_the_gazetteer_with_evidence() -> None:
    p = parse_agency_name("Inactive Buena Park Police Department")
    assert (p.state, p.deactivated, p.agency_id) == ("CA", True, "buena-park-ca-pd")
    assert any("gazetteer" in e and "Buena Park" in e for e in p.evidence)


@pytest.mark.parametrize("name", ["Arcadia Police Department", "Aurora Police Department",
                                  "Allen Police Department"])
def test_an_ambiguous_place_stays_unknown_and_says_why(name: str) -> None:
    p = parse_agency_name(name)
    assert p.state == "unknown"
    assert any("ambiguous" in e for e in p.evidence)


def test_markers_do_not_become_part_of_the_name() -> None:
    p = parse_agency_name("PORTLAND OR PD (Deactivated)")
    assert p.deactivated and p.canonical == "Portland OR PD"


@pytest.mark.parametrize(("raw", "state", "federal"), [
    ("Los Angeles County CA SD", "CA", False),  # SD = sheriff's department, not South Dakota
    ("Nevada County CA SO", "CA", False),  # a state name inside a place name
    ("Pennington County SD SO", "SD", False),
    ("Delaware County Sheriff", "unknown", False),  # Delaware Counties exist in six states
    ("Indiana State Police", "IN", False),
    ("Monterey Park Police Department", "CA", False),  # 'park police' is not the U.S. Park Police
    ("Inactive United States Forest Service CA", "CA", True),
    ("US Park Police", "US", True),
])
def test_state_codes_before_the_agency_word_win_and_federal_bodies_are_known(
        raw: str, state: str, federal: bool) -> None:
    parsed = parse_agency_name(raw)
    assert (parsed.state, parsed.is_federal) == (state, federal)
