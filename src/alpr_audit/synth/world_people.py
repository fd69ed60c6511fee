"""Who is in the synthetic world: agencies and their profiles, sharing partners and accounts.

Everything here is a plain description (dataclasses); the writers turn it into files and
``world_truth`` derives what the audit rules must find from it. An agency's *profile* decides
which subject-level misuse it carries: city agencies (even index) share out of state, keep
an agreements list, publish a complete policy and a 730-day retention they keep; county
agencies (odd index) share with federal, private and unknown bodies, publish a policy lacking
elements C, E and F, state a 365-day retention and keep 22 months of reads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from alpr_audit.agencies.names import parse_agency_name, slug
from alpr_audit.synth import vocab as V
from alpr_audit.synth import world_vocab as W
from alpr_audit.synth._duck import mix

START = date(2024, 1, 1)
END = date(2025, 10, 31)
N_DAYS = (END - START).days + 1  # 670 local days
#: The latest instant anything in the world carries (the audit's default as_of).
AS_OF = datetime(2025, 10, 31, 23, 59, 59)
TZ = "America/Los_Angeles"
#: Local days (as indices) where the clocks change: injected times keep away from them.
DST_DAYS = frozenset((d - START).days for d in (date(2024, 3, 10), date(2024, 11, 3),
                                                  date(2025, 3, 9)))

#: Shift name -> (start, length) in local minutes after midnight. None of day, evening and
#: partner reaches 01:00-04:59 local (the off-shift window); night spends 40 % of its hours
#: there, swing 20 %.
SHIFTS: dict[str, tuple[int, int]] = {
    "day": (420, 600), "evening": (900, 600), "night": (1260, 600), "swing": (1020, 600),
    "partner": (480, 600), "any": (0, 1440),
}


@dataclass(frozen=True)
class Profile:
    """The subject-level misuse an agency carries."""

    kind: str  # city | county
    retention_days: int  # what its portal page states
    has_agreements: bool
    policy: dict[str, str]
    policy_missing: tuple[str, ...]
    shared_networks_export: bool


CITY = Profile("city", 730, True, W.POLICY_COMPLETE, (), False)
COUNTY = Profile("county", 365, False, W.POLICY_PARTIAL, W.POLICY_PARTIAL_MISSING, True)


@dataclass(frozen=True)
class Partner:
    """One organisation on an agency's sharing lists."""

    name: str  # as written on the portal page (and SharedNetworks export)
    direction: str  # out | in | both
    expect: tuple[str, ...] = ()  # sharing rules its outbound listing must trigger
    agreement: str | None = "valid"  # valid | respelled | expired | future | None (no row)
    note: str = ""

    @property
    def outbound(self) -> bool:
        return self.direction in ("out", "both")

    @property
    def inbound(self) -> bool:
        return self.direction in ("in", "both")


@dataclass
class Account:
    """A searcher: a person (own or partner agency), or a partner org's redacted searches."""

    uid: int
    name: str  # the Name cell: "First Last", "***" (pseudo-user), never blank
    first: str
    last: str
    org: str  # the Org Name cell
    kind: str  # own | partner | pseudo | unknown (own, not listed) | listed (list only)
    shift: str
    p_active: float  # chance of searching on a given local day
    kmax: int  # searches on an active day: 1..kmax (<= 19, so no background burst or spike)
    d_from: int = 0
    d_to: int = N_DAYS - 1
    gap: tuple[int, int] | None = None  # local days without searches (inclusive)
    in_list: bool = False
    title: str = ""
    role: str = "User"
    last_login: datetime | None = None  # fixed; else one after the last search
    special: str = ""


@dataclass
class AgencyWorld:
    """One agency of the world and everything generated for it."""

    index: int
    name: str
    folder: str
    profile: Profile
    seed: int
    scale: int
    partners: list[Partner] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)  # partner orgs searching its cameras
    named_orgs: list[str] = field(default_factory=list)  # ... whose officers' names show
    federal_org: str = ""  # a federal searcher (gets immigration-purpose searches)
    hotlists: tuple[str, ...] = ()
    personal_hotlist: str = ""
    intel_hotlist: str = ""

    def account(self, special: str) -> Account:
        return next(a for a in self.accounts if a.special == special)


def person_name(i: int) -> tuple[str, str]:
    """(first, last) of the i-th person: unique for i < 60*60*27 (then repeats)."""
    r, q = i % 60, (i // 60) % 60
    block = (i // 3600) % 27
    first = W.FIRST_NAMES[r] + (f" {chr(64 + block)}." if block else "")
    return first, W.LAST_NAMES[(q + 7 * r) % 60]


def accounts_per_agency(scale: int) -> int:
    """People per agency (names are allotted in blocks of this size, so none repeats)."""
    return 52 * scale + 24


def _neighbours(index: int) -> list[str]:
    places = [W.CA_PLACES[(index * 5 + i) % len(W.CA_PLACES)] for i in range(12)]
    return [f"{p} County CA SO" if i % 3 == 2 else f"{p} CA PD" for i, p in enumerate(places)]


def _partners(index: int, n_agencies: int, profile: Profile) -> list[Partner]:
    j = index // 2  # variant of the profile's special partners
    place = V.PLACES[40 + index]  # an invented place per agency for its special partners
    nb = _neighbours(index)
    out: list[Partner] = []
    agreement = {0: "respelled", 4: None, 5: None, 6: "expired", 7: "future"}
    for i, name in enumerate(nb):
        direction = "both" if i < 9 else "in"
        out.append(Partner(name, direction, agreement=agreement.get(i, "valid")))
    out += [Partner(a, "both") for k, a in enumerate(W.WORLD_AGENCIES[:n_agencies]) if k != index]
    if profile.kind == "city":
        oos = (("Portland OR PD", "Elkhorn County SO AZ", "Stonebrook NV PD") if j == 0 else
               (f"{place} OR PD", f"{place} County SO AZ"))
        out += [Partner(n, "out", ("sharing.out_of_state",)) for n in oos]
        fed = "Loma Verde" if j == 0 else place
        out.append(Partner(f"[Federal] {fed} Veterans Affairs PD CA", "out", ("sharing.federal",)))
        mall = "Harborview" if j == 0 else place
        out.append(Partner(f"{mall} Mall Security", "out", ("sharing.private",)))
        out.append(Partner(f"{W.DEACTIVATED_PLACES[index]} CA PD (deactivated)", "out",
                           ("sharing.deactivated_partner",)))
        tricky = ("CA - Harbor Springs PD", "Oak Creek Police Department (CA)",
                  "California Highway Patrol", "Orland CA PD", "Homeland CA PD")
    else:
        sector = "San Ysidro" if j == 0 else place
        out.append(Partner(f"[Federal] {sector} Sector Border Patrol (CA)", "out",
                           ("sharing.federal",)))
        out.append(Partner("US Marshals Service Pacific Region", "out", ("sharing.federal",)))
        hoa = "Cedar" if j == 0 else place
        out.append(Partner(f"{hoa} Estates HOA", "out", ("sharing.private",)))
        out.append(Partner("Pacific Retail Loss Prevention LLC", "out", ("sharing.private",)))
        out.append(Partner(f"Inactive {W.DEACTIVATED_PLACES[index]} County CA SO", "out",
                           ("sharing.deactivated_partner",)))
        out.append(Partner("Regional Auto Theft Task Force", "out", ("sharing.unknown_partner",)))
        out.append(Partner("Reno NV PD", "in", note="out of state, but only shares INTO the agency"))
        tricky = ("Arroyo Verde Police Department-CA", "Indio CA PD", "Nevada County CA SO",
                  "Bayside Community College CA PD", "California Highway Patrol")
    out += [Partner(n, "out", note="California agency with a tricky name") for n in tricky]
    if not profile.has_agreements:
        out = [Partner(p.name, p.direction, p.expect, None, p.note) for p in out]
    return out


def _searcher_orgs(rng: random.Random, own_ids: set[str]) -> tuple[list[str], str]:
    """Other orgs searching the agency's cameras (as Flock writes them) and a federal one."""
    pool = [n for n in V.AGENCY_NAMES if parse_agency_name(n).agency_id not in own_ids
            and not n.startswith("[Federal]")]
    picked = rng.sample(pool, 22)
    federal = "[Federal] Stone Valley Field Office HSI"
    return [*picked, federal], federal


def _titles(kind: str) -> tuple[str, ...]:
    if kind == "city":
        return ("Officer", "Officer", "Officer", "Sergeant", "Detective", "Corporal",
                "Crime Analyst", "Dispatcher")
    return ("Deputy", "Deputy", "Deputy", "Sergeant", "Detective", "Crime Analyst")


def build_agency(index: int, *, seed: int, scale: int, n_agencies: int) -> AgencyWorld:
    """The description of agency ``index`` of a world of ``n_agencies``."""
    if not 0 <= index < len(W.WORLD_AGENCIES):
        raise ValueError(f"agencies must be between 1 and {len(W.WORLD_AGENCIES)}")
    name = W.WORLD_AGENCIES[index]
    profile = CITY if index % 2 == 0 else COUNTY
    rng = random.Random(agency_seed(seed, index, 1))
    aw = AgencyWorld(index, name, slug(name), profile, seed, scale)
    aw.partners = _partners(index, n_agencies, profile)
    own_ids = {parse_agency_name(n).agency_id for n in W.WORLD_AGENCIES}
    own_ids |= {parse_agency_name(p.name).agency_id for p in aw.partners}
    others, aw.federal_org = _searcher_orgs(rng, own_ids)
    aw.named_orgs = [n.upper() for n in _neighbours(index)[:6]]
    aw.orgs = aw.named_orgs + others
    aw.hotlists = W.CUSTOM_HOTLISTS_CITY if profile.kind == "city" else W.CUSTOM_HOTLISTS_COUNTY
    aw.intel_hotlist = "Gang Intel" if profile.kind == "city" else "Intel - Long Term"
    aw.accounts = _accounts(aw, rng)
    boss = aw.account("admin").last  # the lieutenant keeps a hot list of their own
    aw.personal_hotlist = f"Lt {boss} personal" if profile.kind == "city" else f"{boss} - personal"
    return aw


def agency_seed(seed: int, index: int, salt: int) -> int:
    """A per-agency seed for Python-side choices."""
    return mix(seed * 1000 + index, salt)


def _accounts(aw: AgencyWorld, rng: random.Random) -> list[Account]:
    base = aw.index * accounts_per_agency(aw.scale)
    next_name = iter(range(base, base + accounts_per_agency(aw.scale)))
    titles = _titles(aw.profile.kind)
    out: list[Account] = []

    def person(org: str, kind: str, shift: str, p: float, kmax: int, *, special: str = "",
               in_list: bool = False, title: str = "", role: str = "User",
               last_login: datetime | None = None, d_from: int = 0, d_to: int = N_DAYS - 1,
               gap: tuple[int, int] | None = None) -> Account:
        first, last = person_name(next(next_name))
        uid = len(out)
        acc = Account(uid, f"{first} {last}", first, last, org, kind, shift, p, kmax, d_from, d_to,
                      gap, in_list, title or titles[uid % len(titles)], role, last_login, special)
        out.append(acc)
        return acc

    # Special accounts first: their names stay the same whatever the scale.
    me = aw.name
    person(me, "own", "day", 0.3, 4, special="burst", in_list=True)
    person(me, "own", "day", 0.25, 3, special="burst_near", in_list=True)
    person(me, "own", "day", 0.3, 3, special="spike", in_list=True)
    person(me, "own", "day", 0.3, 3, special="spike_near", in_list=True)
    # only injected searches, all between days 400 and 600
    person(me, "own", "day", 0.0, 1, special="spike_few", in_list=True, d_from=400, d_to=600)
    person(me, "own", "day", 0.3, 3, special="off", in_list=True)
    person(me, "own", "swing", 0.3, 3, special="swing", in_list=True)
    person(me, "own", "day", 0.25, 3, special="shared", in_list=True)
    person(me, "own", "day", 0.3, 3, special="gap", in_list=True, gap=(76, 475))
    person(me, "own", "day", 0.3, 3, special="gap_near", in_list=True, gap=(151, 500))
    person(me, "own", "day", 0.3, 3, special="left", in_list=True, d_to=70)
    person(me, "own", "day", 0.3, 3, special="left_near", in_list=True, d_to=300,
           last_login=datetime(2024, 11, 1, 23, 59, 59))  # as_of - 364 days
    for special, login in (("inactive_a", datetime(2024, 5, 14, 9, 12, 44)),
                           ("inactive_b", datetime(2023, 11, 2, 16, 40, 5)),
                           ("admin", AS_OF), ("records", datetime(2025, 10, 20, 17, 3, 11))):
        person(me, "listed", "day", 0.0, 1, special=special, in_list=True, last_login=login,
               role="Admin" if special == "admin" else "User",
               title={"admin": "Lieutenant", "records": "Records Specialist"}.get(special, ""))
    for k in (1, 2):  # searching for a few months only (no pause of a year between searches)
        person(me, "unknown", "day", 0.0, 1, special=f"unknown_{k}", d_from=300 + 150 * k,
               d_to=420 + 150 * k)
    # Regular officers: shifts day 60 %, evening 30 %, night 10 %.
    for k in range(40 * aw.scale):
        u = rng.random()
        shift = "day" if u < 0.6 else "evening" if u < 0.9 else "night"
        person(aw.name, "own", shift, rng.uniform(0.15, 0.5), rng.randint(2, 5), in_list=True,
               role="Supervisor" if k % 9 == 0 else "User")
    for k in range(12 * aw.scale):
        person(aw.named_orgs[k % len(aw.named_orgs)], "partner", "partner",
               rng.uniform(0.06, 0.15), 3)
    # One pseudo-user per partner org and scale: its officers' names are redacted ('***').
    for k in range(len(aw.orgs) * aw.scale):
        org = aw.orgs[k % len(aw.orgs)]
        p = 0.55 if k % len(aw.orgs) < 6 else rng.uniform(0.15, 0.4)
        out.append(Account(len(out), "***", "", "", org, "pseudo", "any", p, 2))
    return out
