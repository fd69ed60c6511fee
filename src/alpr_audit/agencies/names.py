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
_AMBIGUOUS_CODES = {"IN", "OR", "ME", "DE", "PA", "LA", "OK"}

_FEDERAL = re.compile(
    r"\[federal\]|\b(HSI|ICE|ERO|DEA|FBI|ATF|CBP|USMS|DHS|IRS|NCIS|USPIS|TSA|FEMA)\b|"
    r"homeland security|border patrol|customs and border|u\.?s\.? marshal|marshals service|"
    r"veterans affairs|department of justice|secret service|postal inspection|"
    r"bureau of alcohol|federal bureau|drug enforcement|immigration and customs|"
    r"national account|internal revenue",
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


@dataclass(frozen=True)
class ParsedName:
    """What one written name says about an agency."""

    raw: str
    canonical: str
    state: str
    level: str
    is_federal: bool
    is_private: bool
    deactivated: bool
    agency_id: str = field(default="")


def slug(text: str) -> str:
    """Stable id from a canonical name: lower case, words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def _find_state(name: str) -> str | None:
    m = _PREFIX_STATE.match(name)
    if m and m.group(1) in STATES:
        return m.group(1)
    m = _SUFFIX_STATE.match(name)
    if m:
        code = m.group(2) or m.group(3)
        if code in STATES:
            return code
    upper = name.upper()
    for full, code in _STATE_BY_NAME.items():
        if re.search(rf"\b{re.escape(full)}\b", upper):
            return code
    tokens = re.findall(r"\b[A-Z]{2}\b", name)
    # Flock style puts the state after the place: the last unambiguous state token wins.
    for tok in reversed(tokens):
        if tok in STATES and tok not in _AMBIGUOUS_CODES:
            return tok
    for tok in reversed(tokens):
        if tok in STATES and name.isupper() is False:
            return tok
    # In all-caps Flock names ambiguous codes (OR, IN …) sit right before the agency word.
    m = re.search(r"\b([A-Z]{2})\s+(PD|SO|SD|DPS|POLICE|SHERIFF)\b", name)
    if m and m.group(1) in STATES:
        return m.group(1)
    return None


def _level(name: str, federal: bool, private: bool) -> str:
    if federal:
        return "federal"
    if _TRIBAL.search(name):
        return "tribal"
    if _UNIVERSITY.search(name):
        return "university"
    if _STATE_LEVEL.search(name):
        return "state"
    if _COUNTY.search(name):
        return "county"
    if _LOCAL.search(name):
        return "local"
    if private:
        return "private"
    return "unknown"


def parse_agency_name(raw: str) -> ParsedName:
    """Parse one written agency name. Never raises; unknown parts are ``unknown``."""
    text = " ".join(raw.split())
    deactivated = bool(_DEACTIVATED.search(text))
    federal = bool(_FEDERAL.search(text))
    core = _DEACTIVATED.sub(" ", text)
    core = re.sub(r"\[\s*federal\s*\]", " ", core, flags=re.I)
    core = _TAG.sub(" ", core)
    core = " ".join(core.split()).strip(" -,")
    state = _find_state(core)
    private = bool(_PRIVATE.search(core)) and not _LOCAL.search(core) and not federal
    level = _level(core, federal, private)
    if state is None and level == "federal":
        state = "US"
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
    )
