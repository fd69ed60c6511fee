"""US places → states, offline, from the ``zipcodes`` package's ZIP table.

Many agency names carry no state ("Allen Police Department", "Alameda Police Department");
their place name decides it when exactly one state has a city or county of that name.
Arcadia (CA, FL, …) or Aurora (CO, IL, …) stay ambiguous: the caller must not guess.

Reading the ZIP table and normalising its 99,000 place names took seven seconds in every
process that parsed an agency name, so the index is built once, from ``zipcodes``, into
``gazetteer_index.json.gz`` beside this module (``python -m alpr_audit.agencies.gazetteer``);
tests/agencies/test_gazetteer.py rebuilds it and fails when the shipped copy differs.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

INDEX_FILE = "gazetteer_index.json.gz"

_NON_WORD = re.compile(r"[^A-Z0-9 ]+")
_COUNTY_WORD = re.compile(r"\s+(County|Parish|Borough|Census Area|Municipality)$")

Index = tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]


def _norm(place: str) -> str:
    text = place.upper().replace("ST.", "SAINT").replace("FT.", "FORT")
    return " ".join(_NON_WORD.sub(" ", text).split())


def build_index() -> dict[str, dict[str, list[str]]]:
    """{"cities": name → states, "counties": name → states} from every ZIP code."""
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
            counties.setdefault(_norm(_COUNTY_WORD.sub("", county)), set()).add(state)
    return {"cities": {k: sorted(v) for k, v in sorted(cities.items())},
            "counties": {k: sorted(v) for k, v in sorted(counties.items())}}


def encode_index(index: dict[str, dict[str, list[str]]]) -> bytes:
    """The shipped file's bytes: gzip with a fixed timestamp, so a rebuild is byte-identical."""
    text = json.dumps(index, separators=(",", ":"), sort_keys=True)
    return gzip.compress(text.encode("utf-8"), mtime=0)


@lru_cache(maxsize=1)
def _index() -> Index:
    """(city → states, county → states), read once from the shipped index."""
    raw = resources.files("alpr_audit.agencies").joinpath(INDEX_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))
    return ({k: frozenset(v) for k, v in data["cities"].items()},
            {k: frozenset(v) for k, v in data["counties"].items()})


def states_of_city(place: str) -> frozenset[str]:
    """States that have a city (post-office name) called ``place``."""
    return _index()[0].get(_norm(place), frozenset())


def states_of_county(place: str) -> frozenset[str]:
    """States that have a county called ``place`` (without the word County)."""
    return _index()[1].get(_norm(place), frozenset())


if __name__ == "__main__":  # rebuild the shipped index after upgrading zipcodes
    target = Path(__file__).with_name(INDEX_FILE)
    target.write_bytes(encode_index(build_index()))
    print(f"wrote {target}", file=sys.stderr)
