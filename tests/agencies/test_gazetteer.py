"""The shipped place index is exactly what the installed ``zipcodes`` gives, and answers as
the ZIP table does: unique places resolve, shared names stay ambiguous."""

from __future__ import annotations

from importlib import resources

from alpr_audit.agencies import gazetteer


def test_the_shipped_index_equals_a_rebuild_from_zipcodes() -> None:
    shipped = resources.files("alpr_audit.agencies").joinpath(gazetteer.INDEX_FILE).read_bytes()
    rebuilt = gazetteer.encode_index(gazetteer.build_index())
    assert shipped == rebuilt, ("agencies/gazetteer_index.json.gz is stale: run "
                                "python -m alpr_audit.agencies.gazetteer")


def test_places_resolve_to_their_states() -> None:
    assert gazetteer.states_of_city("Buena Park") == {"CA"}
    assert {"CO", "IL"} <= gazetteer.states_of_city("Aurora")
    assert gazetteer.states_of_county("Orange") >= {"CA", "FL"}
    assert gazetteer.states_of_city("St. Helena") == gazetteer.states_of_city("Saint Helena")
    assert gazetteer.states_of_city("Nowhere-Such-Place") == frozenset()
