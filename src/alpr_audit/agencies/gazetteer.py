"""US places → states, offline, from the ``zipcodes`` package's ZIP table.

Many agency names carry no state ("Allen Police Department", "Alameda Police Department");
their place name decides it when exactly one state has a city or county of that name.
Arcadia (CA, FL, …) or Aurora (CO, IL, …) stay ambiguous: the caller must not guess.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _norm(place: str) -> str:
    text = place.upper().replace("ST.", "SAINT").replace("FT.", "FORT")
    text = re.sub(r"[^A-Z0-9 ]+", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(city → states, county → states), built once from every ZIP code."""
    import zipcodes

    cities: dict[str, set[str]] = {}
    counties: dict[str, set[str]] = {}
    for z in zipcodes.list_all():
        state = z.get("state")
        if not state:
            continue
        for city in [z.get("city"), *z.get("acceptable_cities", [])]:
            if city:
                cities.setdefault(_norm(city), set()).add(state)
        county = z.get("county") or ""
        if county:
            name = re.sub(r"\s+(County|Parish|Borough|Census Area|Municipality)$", "", county)
            counties.setdefault(_norm(name), set()).add(state)
    return ({k: frozenset(v) for k, v in cities.items()},
            {k: frozenset(v) for k, v in counties.items()})


def states_of_city(place: str) -> frozenset[str]:
    """States that have a city (post-office name) called ``place``."""
    return _index()[0].get(_norm(place), frozenset())


def states_of_county(place: str) -> frozenset[str]:
    """States that have a county called ``place`` (without the word County)."""
    return _index()[1].get(_norm(place), frozenset())
