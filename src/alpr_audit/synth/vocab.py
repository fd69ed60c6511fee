"""Word lists for the synthetic Flock logs, and helpers to turn them into DuckDB SQL.

Every place name here is invented (built from syllables below); officer names are generic
placeholders. Weights are rough shares seen in published audit logs, not measurements.
Values must not contain a double quote: the CSV writer quotes every cell but does not
escape, to keep the SQL cheap (checked at import time at the bottom of this module).
"""

from __future__ import annotations

from collections.abc import Sequence

from alpr_audit.core import sql

#: Cell values agencies and Flock use to redact (docs/formats.md, "Common cell rules").
REDACTION_MARKERS: tuple[str, ...] = ("***", "REDACTED", "[REDACTED]", "###", "* * *", "7923.600 GC")

#: Two U+2014 em dashes: Flock's "no value" in Total Devices Searched.
EM_DASHES = "\u2014\u2014"

STATES: tuple[str, ...] = (
    "CA", "TX", "FL", "AZ", "GA", "OR", "WA", "CO", "IL", "OH", "NC", "VA", "TN", "MI", "NV",
    "SC", "KS", "MO", "IN", "WI",
)  # fmt: skip

_ROOTS = (
    "Maple", "Cedar", "River", "Pine", "Oak", "Willow", "Granite", "Harbor", "Elk", "Fox",
    "Silver", "Copper", "Clear", "Stone", "Sun", "Bay", "Mill", "Eagle", "Red", "Green",
    "Hollow", "Amber", "Lark", "Heron",
)  # fmt: skip
_ENDS = (
    "ton", "wood", "bend", "field", "dale", "view", "ridge", "brook", "crest", "haven",
    "port", "ville", " Falls", " Creek", " Springs", " Valley",
)  # fmt: skip


def _places() -> list[str]:
    """Invented place names, in a fixed order (no RNG, so the list never changes)."""
    out = []
    for k in range(len(_ROOTS) * len(_ENDS)):
        # Stride through the grid so that neighbouring names differ in both parts.
        root = _ROOTS[(k * 7) % len(_ROOTS)]
        end = _ENDS[(k * 5 + k // len(_ROOTS)) % len(_ENDS)]
        out.append(root + end)
    return list(dict.fromkeys(out))


PLACES: tuple[str, ...] = tuple(_places())


def _agency_names() -> list[str]:
    """Fictional agency names in the spellings Flock network audits show."""
    names = []
    for k, place in enumerate(PLACES):
        st = STATES[(k * 3) % len(STATES)]
        up = place.upper()
        form = k % 10
        if form in (0, 1, 2, 3):
            names.append(f"{up} {st} PD")
        elif form in (4, 5):
            names.append(f"{up} COUNTY SO {st}")
        elif form == 6:
            names.append(f"{up} {st} PD (FLEX)")
        elif form == 7:
            names.append(f"{st} - {place} PD")
        elif form == 8:
            names.append(f"{up} COUNTY {st} DA")
        else:
            names.append(f"{up} UNIVERSITY PD {st}")
    # A few federal / state / private searchers, as they appear in real logs.
    names += [
        f"[Federal] {PLACES[3]} Sector Border Patrol (TX)",
        f"[Federal] {PLACES[11]} Veterans Affairs PD CA",
        f"[Federal] {PLACES[19]} Field Office HSI",
        "[Federal] Western Region Task Force",
        "Lakeshore State Highway Patrol",
        f"{PLACES[27]} Mall Security",
        f"{PLACES[33]} Estates HOA AZ",
    ]
    return names


AGENCY_NAMES: tuple[str, ...] = tuple(_agency_names())

SURNAMES: tuple[str, ...] = (
    "Doe", "Roe", "Smith", "Garcia", "Nguyen", "Johnson", "Lee", "Martinez", "Brown", "Patel",
    "Kim", "Lopez", "Wilson", "Chen", "Davis", "Rivera", "Moore", "Clark", "Lewis", "Young",
    "Hall", "Allen", "King", "Wright", "Scott", "Torres", "Hill", "Adams", "Baker", "Nelson",
)  # fmt: skip

# Reason weights. "@ALERT" and "@CASE" are placeholders filled per row in SQL.
REASONS: tuple[tuple[str, int], ...] = (
    ("investigation", 200), ("Investigation", 90), ("inv", 45), ("INVESTIGATION", 20),
    ("investigative", 15), ("Inv", 10), ("criminal investigation", 10),
    ("stolen vehicle", 60), ("Stolen Vehicle", 20), ("STOLEN VEHICLE", 5),
    ("missing person", 20), ("Missing Person", 10), ("hit and run", 20), ("Hit & Run", 5),
    ("suspect vehicle", 30), ("Suspicious Vehicle", 10), ("burglary", 15),
    ("robbery suspect", 10), ("felony warrant", 10), ("welfare check", 10),
    ("Property Crime", 15), ("Person Crime", 15), ("UUV", 8), ("narcotics", 8),
    ("assist other agency", 10), ("homicide", 4), ("shooting", 5), ("test", 3),
    ("training", 3), ("ICE+ERO", 5), ("Daytime search for best result", 40),
    ("@ALERT", 40), ("@CASE", 25), ("211", 4), ("459", 4), ("10851", 4), ("", 40),
    ("REDACTED", 15), ("[REDACTED]", 5), ("###", 3), ("* * *", 3), ("7923.600 GC", 3),
    ("***", 5),
)  # fmt: skip

FILTERS: tuple[tuple[str, int], ...] = (
    ("", 850), ("Make: Honda", 20), ("Color: white", 25), ("Make: Toyota, Color: silver", 15),
    ("Body Type: pickup", 15), ("Make: Ford, Body Type: pickup", 10), ("Color: black", 15),
    ("Model: Civic", 10), ("State: CA", 10), ("Make: Nissan, Color: red", 10),
    ("Body Type: suv, Color: gray", 20),
)  # fmt: skip

# Search types by log kind: network logs carry many automated alert lookups.
SEARCH_TYPES = {
    "network": (
        ("lookup", 300), ("search", 350), ("apiV2", 80), ("apiV1", 30), ("convoy", 30),
        ("visual", 60), ("freeform", 50), ("multiGeo", 40), ("searchSummary", 60),
    ),
    "org": (
        ("lookup", 150), ("search", 500), ("apiV2", 20), ("apiV1", 10), ("convoy", 40),
        ("visual", 90), ("freeform", 90), ("multiGeo", 50), ("searchSummary", 50),
    ),
}  # fmt: skip

TEXT_PROMPTS: tuple[str, ...] = (
    "white pickup truck", "red sedan with roof rack", "black suv no plate",
    "silver minivan damaged rear bumper", "motorcycle", "blue hatchback with bike rack",
    "box truck", "green jeep", "tan sedan temporary plate", "white van ladder rack",
)  # fmt: skip

MODERATION: tuple[tuple[str, int], ...] = (("", 960), ("flagged", 25), ("approved", 15))

OFFENSE_TYPES: tuple[tuple[str, int], ...] = (
    ("", 150), ("Property Crime", 250), ("Person Crime", 200), ("UUV", 120),
    ("Suspicious Vehicle", 80), ("Missing Person", 50), ("Welfare Check", 40),
    ("Warrant", 40), ("Other", 40), ("Administrative Test", 10),
)  # fmt: skip

# Transparency-portal reasons, shaped like the Eugene OR sample (including "+" artifacts).
PORTAL_REASONS: tuple[tuple[str, int], ...] = (
    ("UUV", 180), ("Property Crime", 180), ("Person Crime", 175), ("Suspicious Vehicle", 90),
    ("investigation", 75), ("Investigation", 45), ("Daytime search for best result", 40),
    ("investigative", 15), ("Person+Crime", 15), ("Administrative Test", 15),
    ("Welfare Check", 14), ("Missing Person", 13), ("INVESTIGATION", 12), ("Property+Crime", 11),
    ("inv", 8), ("invest", 7), ("Suspicious+Vehicle", 7), ("Warrant", 3), ("investigative+", 2),
    ("Camera Test", 2), ("", 2), ("REDACTED", 2),
)  # fmt: skip

#: Unparseable Search Time texts for rows a correct importer must reject.
BAD_SEARCH_TIMES: tuple[str, ...] = (
    "31/02/2025, 25:61:00 XM UTC", "not a time", "2025-13-45 99:99:99", "??/??/????, ??:?? UTC",
)  # fmt: skip
#: The same, for exports that split Search Date and Search Time.
BAD_SPLIT: tuple[tuple[str, str], ...] = (
    ("31/02/2025", "25:61:00 XM UTC"), ("not a date", "not a time"),
)


def sql_list(values: Sequence[str]) -> str:
    """A DuckDB list literal of strings."""
    return sql.array(values)


def expand(weighted: Sequence[tuple[str, int]]) -> list[str]:
    """Repeat each value by its weight, so a uniform index into the list is a weighted pick."""
    return [v for v, w in weighted for _ in range(w)]


def sql_pick(values: Sequence[str], hash_expr: str) -> str:
    """SQL choosing one of ``values`` uniformly by a UBIGINT hash expression."""
    return f"{sql_list(values)}[1 + ({hash_expr} % {len(values)})::INTEGER]"


def sql_pick_weighted(weighted: Sequence[tuple[str, int]], hash_expr: str) -> str:
    """SQL choosing one of ``weighted`` (value, weight) pairs by a UBIGINT hash expression."""
    return sql_pick(expand(weighted), hash_expr)


def _check_no_quotes() -> None:
    groups: list[Sequence[str]] = [
        REDACTION_MARKERS, AGENCY_NAMES, SURNAMES, TEXT_PROMPTS, BAD_SEARCH_TIMES,
        [v for v, _ in REASONS + FILTERS + MODERATION + OFFENSE_TYPES + PORTAL_REASONS],
    ]  # fmt: skip
    for group in groups:
        for v in group:
            if '"' in v:  # pragma: no cover - guards future edits
                raise ValueError(f"vocabulary value must not contain a double quote: {v!r}")


_check_no_quotes()
