"""The searches injected into an agency's network audit: misuse and deliberate near-misses.

Each :class:`Injected` row says who searched, when (local day and minute) and the cells that
matter; cells left ``None`` are drawn like the background's. ``tag`` names the rule (and for
``access_record.incomplete`` the field) the row must trigger, ``near`` the rule it must *not*
trigger although it comes close. Volume injections also block the account's background
searches around their days, so e.g. a burst of 24 is exactly those 24 searches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from alpr_audit.synth import world_vocab as W
from alpr_audit.synth.world_people import DST_DAYS, N_DAYS, SHIFTS, Account, AgencyWorld


@dataclass
class Injected:
    """One injected search."""

    uid: int
    org: str
    name: str  # the Name cell
    day: int  # local day index
    minute: float  # local minutes after the day's midnight (may pass 1440)
    reason: str | None = None
    tag: str = ""
    near: str = ""
    nets: int | None = None
    plate: str | None = None
    filters: str | None = None
    prompt: str | None = None
    stype: str | None = None


@dataclass
class Injection:
    """Everything injected into one agency's searches."""

    rows: list[Injected]
    blocked: set[tuple[int, int]]  # (uid, local day) without background searches


class _Picker:
    """Days and searchers for injected rows, never two injected rows on one (user, day)."""

    def __init__(self, aw: AgencyWorld, rng: random.Random) -> None:
        self.aw, self.rng = aw, rng
        self.used: set[tuple[int, int]] = set()
        self.plain = [a for a in aw.accounts if a.kind == "own" and not a.special]
        self.partners = [a for a in aw.accounts if a.kind in ("partner", "pseudo")]
        self.pseudo = {a.org: a for a in aw.accounts if a.kind == "pseudo"}

    def day(self, lo: int = 12, hi: int = N_DAYS - 12) -> int:
        while True:
            d = self.rng.randrange(lo, hi)
            if not any(abs(d - x) <= 1 for x in DST_DAYS):
                return d

    def at(self, acc: Account) -> tuple[int, float]:
        """A free day of ``acc`` and a minute inside its shift (daytime for partner orgs)."""
        start, length = SHIFTS[acc.shift] if acc.shift != "any" else (540, 480)
        lo, hi = acc.d_from + 1, acc.d_to
        while True:
            d = self.day(max(12, lo), min(N_DAYS - 12, hi))
            if (acc.uid, d) not in self.used:
                self.used.add((acc.uid, d))
                return d, start + self.rng.uniform(5, length - 5)

    def searcher(self, partner_share: float) -> Account:
        """A regular officer of the agency, or (with ``partner_share``) a partner's searcher."""
        pool = self.partners if self.rng.random() < partner_share else self.plain
        return self.rng.choice(pool)

    def row(self, acc: Account, **cells: object) -> Injected:
        d, m = self.at(acc)
        return Injected(acc.uid, acc.org, acc.name, d, m, **cells)  # type: ignore[arg-type]


def _purpose_rows(p: _Picker, aw: AgencyWorld) -> list[Injected]:
    rows: list[Injected] = []
    plan = (("purpose.immigration", W.IMMIGRATION_REASONS, 18),
            ("purpose.protest", W.PROTEST_REASONS, 12),
            ("purpose.reproductive", W.REPRODUCTIVE_REASONS, 10),
            ("purpose.personal", W.PERSONAL_REASONS, 10),
            ("purpose.vague", W.VAGUE_REASONS, 24),
            ("access_record.incomplete:purpose", W.MISSING_REASONS, 14))
    off = aw.index * 3
    for tag, reasons, n in plan:
        for k in range(n):
            acc = p.searcher(0.35)
            rows.append(p.row(acc, reason=reasons[(k + off) % len(reasons)], tag=tag))
    # A federal task force searching for immigration purposes (its officers' names redacted).
    fed = p.pseudo[aw.federal_org]
    for k in range(3):
        rows.append(p.row(fed, reason=W.IMMIGRATION_REASONS[(5 * k + off) % len(W.IMMIGRATION_REASONS)],
                          tag="purpose.immigration"))
    for reason in W.NEAR_MISS_REASONS:
        rows.append(p.row(p.searcher(0.2), reason=reason, near="purpose.*"))
    return rows


def _record_rows(p: _Picker, aw: AgencyWorld) -> list[Injected]:
    """Incomplete access records (user, query) and many-network searches."""
    rows: list[Injected] = []
    partner_orgs = list(p.pseudo.values())
    for k in range(10):  # a partner's officer name left blank (not redacted)
        acc = partner_orgs[(3 * k) % len(partner_orgs)]
        r = p.row(acc, tag="access_record.incomplete:user")
        r.name = ""
        rows.append(r)
    for _ in range(10):  # no plate, no filters, no prompt: what was searched is not recorded
        rows.append(p.row(p.rng.choice(p.plain), plate="", filters="", prompt="", stype="search",
                          tag="access_record.incomplete:query"))
    nets = (1000, 1001, 1204, 1530, 2048, 2931, 3377, 4410, 1000, 1750, 2600, 5120, 1111, 1899)
    for n in nets:
        rows.append(p.row(p.searcher(0.5), nets=n, tag="scope.many_networks"))
    rows.append(p.row(p.searcher(1.0), nets=999, near="scope.many_networks"))
    rows.append(p.row(p.rng.choice(p.plain), nets=998, near="scope.many_networks"))
    return rows


def _block(inj: Injection, acc: Account, day: int) -> None:
    for d in (day - 1, day, day + 1):
        inj.blocked.add((acc.uid, d))


def _run(acc: Account, day: int, start_min: float, n: int, step_s: float, **cells: object) -> list[Injected]:
    """``n`` searches of ``acc`` on ``day`` from ``start_min``, ``step_s`` seconds apart."""
    return [Injected(acc.uid, acc.org, acc.name, day, start_min + k * step_s / 60.0,
                     **cells)  # type: ignore[arg-type]
            for k in range(n)]


def _volume_rows(p: _Picker, aw: AgencyWorld, inj: Injection) -> list[Injected]:
    rows: list[Injected] = []
    taken: set[int] = set()

    def free_day(lo: int = 30, hi: int = N_DAYS - 30) -> int:
        while True:
            d = p.day(lo, hi)
            if all(abs(d - t) > 3 for t in taken):
                taken.add(d)
                return d

    burst = aw.account("burst")
    for start, n, step in ((600.0, 24, 20.0), (840.0, 21, 25.0)):
        d = free_day()
        _block(inj, burst, d)
        rows += _run(burst, d, start, n, step, tag="volume.burst")
    near = aw.account("burst_near")
    d = free_day()
    _block(inj, near, d)
    rows += _run(near, d, 570.0, 19, 28.0, near="volume.burst")  # 19 in 8.4 minutes

    spike = aw.account("spike")
    d = free_day()
    _block(inj, spike, d)
    rows += _run(spike, d, 480.0, 60, 420.0, tag="volume.user_spike")  # 60 in 7 h, 7 min apart
    near = aw.account("spike_near")
    d = free_day()
    _block(inj, near, d)
    rows += _run(near, d, 480.0, 39, 600.0, near="volume.user_spike")  # 39: one short of 40
    few = aw.account("spike_few")  # 45 on one day, but only 9 active days: no baseline
    first = free_day(few.d_from, few.d_from + 40)
    for k in range(8):
        rows += _run(few, first + 20 * k + 5, 600.0, 2, 3600.0, near="volume.user_spike")
    rows += _run(few, first, 480.0, 45, 540.0, near="volume.user_spike")

    off = aw.account("off")  # a day-shift officer's rare searches in the small hours
    for k, minute in enumerate((130.0, 220.0, 90.0, 260.0)):
        d, _ = p.at(off)
        rows.append(Injected(off.uid, off.org, off.name, d, minute + k, tag="volume.off_shift"))

    near = aw.account("gap_near")  # searches just before and after its 350-day pause
    assert near.gap is not None
    rows.append(Injected(near.uid, near.org, near.name, near.gap[0] - 1, 960.0,
                         near="accounts.search_after_inactivity"))
    rows.append(Injected(near.uid, near.org, near.name, near.gap[1] + 1, 450.0,
                         near="accounts.search_after_inactivity"))

    shared = aw.account("shared")  # the same login searching as a neighbouring agency
    other = aw.named_orgs[2]
    for _ in range(6):
        d, m = p.at(shared)
        rows.append(Injected(shared.uid, other, shared.name, d, m, tag="accounts.shared_account"))

    for special, n in (("unknown_1", 6), ("unknown_2", 5)):
        acc = aw.account(special)
        for _ in range(n):
            d, m = p.at(acc)
            rows.append(Injected(acc.uid, acc.org, acc.name, d, m, tag="accounts.unknown_searcher"))
    return rows


def inject(aw: AgencyWorld, rng: random.Random) -> Injection:
    """The injected searches of one agency (deterministic for ``rng``'s seed)."""
    p = _Picker(aw, rng)
    inj = Injection([], set())
    inj.rows += _volume_rows(p, aw, inj)
    inj.rows += _purpose_rows(p, aw)
    inj.rows += _record_rows(p, aw)
    for r in inj.rows:
        if r.reason is not None and '"' in r.reason:  # pragma: no cover - vocabulary guard
            raise ValueError(f"reason must not contain a double quote: {r.reason!r}")
    return inj
