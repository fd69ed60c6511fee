"""Agency names as vendors write them → canonical name, state, level and flags.

Flock writes ``ALHAMBRA CA PD``, ``ALACHUA FL PD (FLEX)``, ``ALLEGAN COUNTY SO MI``,
``[Federal] … Veterans Affairs PD``; Vigilant ``Alameda County Sheriffs Office (CA)``,
``Arroyo Grande Police Department-CA``; others prefix the state (``AZ - Gilbert PD``) or mark a
partner ``(Deactivated)`` / ``Inactive …``. This module parses one name at a time; the registry
(``agencies.registry``) stores the results. Anything it cannot place stays ``unknown``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "Virgin Islands",
}
_STATE_BY_NAME = {v.upper(): k for k, v in STATES.items()}
# Two-letter tokens that are agency words far more often than states in these names.
_AMBIGUOUS_CODES = {"IN", "OR", "ME", "DE", "PA", "LA", "OK", "PR"}

_FEDERAL = re.compile(
    r"\[federal\]|\b(HSI|ICE|ERO|DEA|FBI|ATF|CBP|USMS|DHS|IRS|NCIS|USPIS|TSA|FEMA)\b|"
    r"homeland security|border patrol|customs and border|u\.?s\.? marshal|marshals service|"
    r"veterans affairs|department of justice|secret service|postal inspection|"
    r"bureau of alcohol|federal bureau|drug enforcement|immigration and customs|"
    r"national account|internal revenue|forest service|national park service|"
    r"bureau of land management|bureau of indian affairs|fish and wildlife service|"
    r"department of defense|\bU\.?S\.? (army|navy|air force|coast guard|attorney)|"
    r"united states (forest|park|army|navy|air force|coast guard|attorney|postal|department)|"
    r"\bU\.?S\.? park police",
    re.I,
)
_PRIVATE = re.compile(
    r"\b(inc|llc|l\.l\.c|corp|corporation|company|co\.|hoa|homeowners?|association|mall|"
    r"security|apartments?|properties|property management|retail|store|hospital|"
    r"health ?care|bank|casino|church)\b",
    re.I,
)
_UNIVERSITY = re.compile(r"\b(university|college|campus|school district|usd|isd)\b", re.I)
_TRIBAL = re.compile(r"\b(tribal|tribe|nation|reservation|rancheria|pueblo|band of)\b", re.I)
_STATE_LEVEL = re.compile(
    r"highway patrol|state police|state patrol|department of public safety|\bDPS\b|"
    r"\bCHP\b|cal ?fire|department of (corrections|justice|motor vehicles)|attorney general|"
    r"state parks|fish and wildlife|department of transportation",
    re.I,
)
_COUNTY = re.compile(r"\b(county|sheriff'?s?|SO|SD|parish)\b", re.I)
_LOCAL = re.compile(r"\b(PD|police|city|town|village|township|marshal'?s? office|DPS)\b", re.I)

_DEACTIVATED = re.compile(r"\(\s*deactivated\s*\)|\bdeactivated\b|^\s*inactive\s+", re.I)
_TAG = re.compile(r"\(\s*(flex|ocsd|lprd?|test)\s*\)", re.I)
_PREFIX_STATE = re.compile(r"^\s*([A-Z]{2})\s+-\s+(.+)$")
_SUFFIX_STATE = re.compile(r"^(.+?)\s*(?:\(([A-Z]{2})\)|-\s*([A-Z]{2}))\s*$")


#: Name prefixes that place an agency in a state (state university systems' police).
STATE_PREFIXES = {r"^(UC|University of California)\b": "CA",
                  r"^(CSU|Cal State|California State University)\b": "CA"}

#: State-level agencies whose names carry no state code.
STATE_AGENCIES = {
    "CALIFORNIA HIGHWAY PATROL": "CA", "CHP": "CA", "CAL FIRE": "CA", "CALFIRE": "CA",
    "CALIFORNIA DEPARTMENT OF JUSTICE": "CA", "CALIFORNIA STATE PARKS": "CA",
    "ARIZONA DEPARTMENT OF PUBLIC SAFETY": "AZ", "AZDPS": "AZ",
    "TEXAS DEPARTMENT OF PUBLIC SAFETY": "TX", "TXDPS": "TX",
    "NEVADA HIGHWAY PATROL": "NV", "OREGON STATE POLICE": "OR", "WASHINGTON STATE PATROL": "WA",
}

# Words that say what kind of agency it is, longest first, with the short form used in
# canonical names (the Flock style: PLACE ST PD).
_TYPES = [
    (r"sheriff'?s?'? (office|department|dept\.?)", "SO"), (r"sheriff'?s?", "SO"),
    (r"police department|police dept\.?|police dep\.?", "PD"), (r"department of police", "PD"),
    (r"district attorney'?s? office|district attorney", "DA"),
    (r"marshal'?s? office", "MO"), (r"\bSO\b", "SO"), (r"\bSD\b", "SO"),
    (r"\bPD\b", "PD"), (r"\bDA\b", "DA"), (r"\bpolice\b", "PD"),
]
_NOT_PLACE = re.compile(r"\b(city of|town of|village of|the)\b", re.I)


@dataclass(frozen=True)
class ParsedName:
    """What one written name says about an agency, with the evidence for each conclusion."""

    raw: str
    canonical: str
    state: str
    level: str
    is_federal: bool
    is_private: bool
    deactivated: bool
    agency_id: str = field(default="")
    evidence: tuple[str, ...] = ()


def slug(text: str) -> str:
    """Stable id from a canonical name: lower case, words joined by ``-``."""
    # an apostrophe joins its word ("Sheriff's" → "sheriffs"), it does not split it
    text = re.sub(r"['’]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "unnamed"


def _explicit_state(name: str) -> tuple[str | None, str, str]:
    """(state, evidence, name without the state marker) from codes and state names."""
    m = _PREFIX_STATE.match(name)
    if m and m.group(1) in STATES:
        return m.group(1), f"state prefix '{m.group(1)} - '", m.group(2)
    m = _SUFFIX_STATE.match(name)
    if m:
        code = m.group(2) or m.group(3)
        if code in STATES:
            return code, f"state suffix '{code}'", m.group(1)
    for pattern, code in STATE_PREFIXES.items():
        m = re.match(pattern, name, flags=re.I)
        if m:
            return code, f"name starts with '{m.group(1)}' (a {code} state system)", name
    upper = name.upper()
    for agency, code in STATE_AGENCIES.items():
        if re.search(rf"\b{re.escape(agency)}\b", upper):
            return code, f"known state agency '{agency.title()}'", name
    # Flock style: the code right before the agency word (EUGENE OR PD, LOS ANGELES COUNTY CA
    # SD). It wins over other tokens, so 'SD' (sheriff's department) is not South Dakota there,
    # and over state names inside place names (Nevada County CA SO is in California).
    m = re.search(r"\b([A-Z]{2})\s+(PD|SO|SD|DA|PR|DPS|(?i:police|sheriff|tribal))\b", name)
    if m and m.group(1) in STATES:
        return m.group(1), f"state code '{m.group(1)}' before '{m.group(2)}'", _drop_token(name, m.group(1))
    tokens = re.findall(r"\b[A-Z]{2}\b", name)
    # Otherwise the last unambiguous state token wins (ALLEGAN COUNTY SO MI).
    for tok in reversed(tokens):
        if tok in STATES and tok not in _AMBIGUOUS_CODES:
            return tok, f"state code '{tok}'", _drop_token(name, tok)
    for full, code in _STATE_BY_NAME.items():
        # 'Delaware County', 'Nevada City', 'Virginia Beach' name places, not the state
        if re.search(rf"\b{re.escape(full)}\b(?!\s+(COUNTY|PARISH|CITY|BEACH|TOWNSHIP)\b)", upper):
            return code, f"state name '{full.title()}'", name
    return None, "", name


def _drop_token(name: str, token: str) -> str:
    parts = name.split(" ")
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == token:
            return " ".join(parts[:i] + parts[i + 1:])
    return name


def _split_type(name: str) -> tuple[str, str | None]:
    """(place, type short form) — 'Alhambra Police Department' → ('Alhambra', 'PD')."""
    for pattern, short in _TYPES:
        m = re.search(pattern, name, flags=re.I)
        if m:
            place = (name[:m.start()] + " " + name[m.end():]).strip(" -,")
            return " ".join(place.split()), short
    return name, None


def _gazetteer_state(place: str) -> tuple[str | None, str]:
    """State of a place name when exactly one state has it (county first if named)."""
    from alpr_audit.agencies.gazetteer import states_of_city, states_of_county

    place = _NOT_PLACE.sub(" ", place).strip()
    m = re.match(r"^county of\s+(.+)$", place, flags=re.I)
    if m:  # "County of San Mateo"
        place = f"{m.group(1)} County"
    # "<X> County …" anywhere (task forces, DA offices) names the county
    m = re.match(r"^(.*?)\s+(county|parish)\b", place, flags=re.I)
    if m:
        place = f"{m.group(1)} {m.group(2)}"
        found, kind = states_of_county(m.group(1)), "county"
    else:
        found, kind = states_of_city(place), "city"
    if len(found) == 1:
        (state,) = found
        return state, f"gazetteer: the only {kind} named '{place}' is in {state}"
    if found:
        return None, f"gazetteer: {kind} '{place}' exists in {', '.join(sorted(found))} (ambiguous)"
    return None, f"gazetteer: no {kind} named '{place}'" if place else ""


def _level(name: str, federal: bool, private: bool) -> str:
    if federal:
        return "federal"
    if _TRIBAL.search(name):
        return "tribal"
    if _UNIVERSITY.search(name):
        return "university"
    if _STATE_LEVEL.search(name) or name.upper() in STATE_AGENCIES:
        return "state"
    if _COUNTY.search(name):
        return "county"
    if _LOCAL.search(name):
        return "local"
    if private:
        return "private"
    return "unknown"


def _title(place: str) -> str:
    return place.title() if place.isupper() else place


# Cached: a pile of portal captures repeats the same few thousand partner names in every file.
@lru_cache(maxsize=65536)
def parse_agency_name(raw: str, state_hint: str | None = None) -> ParsedName:
    """Parse one written agency name. Never raises; unknown parts are ``unknown``.

    Vendor spellings of one agency meet in one canonical name, ``<Place> <ST> <type>``
    (``ALHAMBRA CA PD``, ``Alhambra Police Department (CA)`` and ``CA - Alhambra PD`` are all
    ``Alhambra CA PD``) when the state and the kind of agency are known; otherwise the
    cleaned name as written.
    """
    text = " ".join(raw.split())
    evidence: list[str] = []
    deactivated = bool(_DEACTIVATED.search(text))
    if deactivated:
        evidence.append("marked deactivated/inactive")
    federal = bool(_FEDERAL.search(text))
    if federal:
        evidence.append("federal marker or agency")
    core = _DEACTIVATED.sub(" ", text)
    core = re.sub(r"\[\s*federal\s*\]", " ", core, flags=re.I)
    core = _TAG.sub(" ", core)
    core = " ".join(core.split()).strip(" -,")
    state, why, rest = _explicit_state(core)
    place, kind = _split_type(rest)
    if state:
        evidence.append(why)
        if state_hint and state_hint != state:
            evidence.append(f"the source's state column says {state_hint}; the name wins")
    elif state_hint in STATES:
        state = state_hint
        evidence.append(f"the source gives the state in its own column: {state_hint}")
    elif not federal:
        state, why = _gazetteer_state(place)
        if why:
            evidence.append(why)
    private = bool(_PRIVATE.search(core)) and not _LOCAL.search(core) and not federal
    level = _level(core, federal, private)
    evidence.append(f"level {level}")
    if state is None and level == "federal":
        state = "US"
    if state and kind and place and not federal and level in ("local", "county"):
        canonical = f"{_title(place)} {state} {kind}"
    else:
        canonical = core or text
    return ParsedName(
        raw=raw,
        canonical=canonical,
        state=state or "unknown",
        level=level,
        is_federal=federal,
        is_private=private or level == "private",
        deactivated=deactivated,
        agency_id=slug(canonical),
        evidence=tuple(evidence),
    )
