"""Small files of an agency: users export, agreements, SharedNetworks export, hot-list event log.

Each writer returns the facts the truth needs (row locators as the ingest stores them: CSV
``row N`` with the header as row 1, XLSX ``Sheet!N``).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from alpr_audit.synth import world_vocab as W
from alpr_audit.synth.world_people import AS_OF, N_DAYS, START, AgencyWorld, Partner
from alpr_audit.synth.world_searches import UID_STRIDE

USERS_FILE = "flock_users_2025-10-31.csv"
AGREEMENTS_FILE = "sharing_agreements.csv"
SHARED_NETWORKS_FILE = "SharedNetworks_2025_October_30.csv"
EVENT_LOG_FILE = "flock_event-log_2024-01_2025-10.xlsx"
EVENT_SHEET = "Event Log"
USER_HEADER = ("First Name", "Last Name", "Email", "Phone", "Title", "Role", "Identity Provider",
               "User Mgmt", "Search", "Hotlist Tool", "Last Login")
AGREEMENT_HEADER = ("Agency", "Partner", "Kind", "Signed On", "Expires On", "Document")
_CREATED = datetime(2025, 11, 1)  # fixed workbook metadata: same seed, same bytes


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def write_users(con: duckdb.DuckDBPyConnection, aw: AgencyWorld, out: Path) -> list[dict[str, Any]]:
    """The Flock user list: every listed account, its last login after its last search.

    E-mail and phone are redacted (as agencies release them), so an account's ``user_ref``
    is its name, the same text as the searches' ``Name``.
    """
    base = aw.index * UID_STRIDE
    last = dict(con.execute("SELECT uid, max(ts) FROM srch WHERE agency_index = ? GROUP BY uid",
                            [aw.index]).fetchall())
    rng = random.Random(aw.seed * 7919 + aw.index)
    rows = []
    for a in aw.accounts:
        if not a.in_list:
            continue
        login = a.last_login
        if login is None:
            seen = last.get(base + a.uid)
            login = (seen + timedelta(minutes=rng.randint(1, 600)) if seen
                     else AS_OF - timedelta(days=rng.randint(2, 40)))
            login = min(login, AS_OF - timedelta(seconds=1))
        admin = a.role in ("Admin", "Supervisor")
        rows.append((a.last, a.first, [
            a.first, a.last, "REDACTED", "REDACTED", a.title, a.role,
            "Flock" if aw.profile.kind == "city" else "Microsoft Entra ID",
            "Enabled" if admin else "Disabled", "Enabled",
            "Enabled" if a.uid % 3 == 0 or admin else "Disabled",
            login.strftime("%Y-%m-%d %H:%M:%S"),
        ], a))
    rows.sort(key=lambda r: (r[0], r[1]))
    _write_csv(out / USERS_FILE, USER_HEADER, [r[2] for r in rows])
    return [{"user_ref": a.name, "locator": f"row {i + 2}", "last_login": cells[-1],
             "special": a.special} for i, (_, _, cells, a) in enumerate(rows)]


def agreement_rows(aw: AgencyWorld) -> list[dict[str, Any]]:
    """The agreements on file for the agency's outbound partners (its profile permitting)."""
    rows: list[dict[str, Any]] = []
    for k, p in enumerate(p for p in aw.partners if p.outbound):
        if p.agreement is None:
            continue
        name, signed, expires = p.name, date(2023, 1 + k % 12, 1 + (7 * k) % 28), None
        if k % 3 == 1:
            expires = date(2026 + k % 2, 6, 30)
        if p.agreement == "respelled":  # "Cedarview CA PD" on the list, spelled out here
            name = p.name.replace(" CA PD", " Police Department (CA)")
        elif p.agreement == "expired":
            expires = date(2025, 6, 30)
        elif p.agreement == "future":
            signed, expires = date(2025, 12, 1), date(2027, 12, 1)
        elif k == 8:
            expires = date(2025, 11, 30)  # near-miss: still valid on as_of
        kind = ("MOU", "Data sharing agreement", "SB 34 certification")[k % 3]
        rows.append({"partner": p.name, "written": name, "kind": kind, "signed_on": signed,
                     "expires_on": expires, "agreement": p.agreement})
    return rows


def write_agreements(aw: AgencyWorld, out: Path) -> list[dict[str, Any]]:
    """``Agency,Partner,Kind,Signed On,Expires On,Document``; nothing for agencies without."""
    if not aw.profile.has_agreements:
        return []
    rows = agreement_rows(aw)
    _write_csv(out / AGREEMENTS_FILE, AGREEMENT_HEADER, [
        [aw.name, r["written"], r["kind"], r["signed_on"].isoformat(),
         r["expires_on"].isoformat() if r["expires_on"] else "",
         f"{aw.folder}_agreement_{r['signed_on'].year}_{i + 1:02d}.pdf"]
        for i, r in enumerate(rows)])
    return rows


def _networks(name: str) -> list[str]:
    """The Flock networks of an organisation (a county has a patrol-area network too)."""
    return [name, f"{name} - Patrol"] if " County " in f" {name} " else [name]


def write_shared_networks(aw: AgencyWorld, out: Path) -> bool:
    """The SharedNetworks export (county profile): one row per partner organisation."""
    if not aw.profile.shared_networks_export:
        return False
    mine = ",".join(_networks(aw.name))
    rows = [[p.name, ",".join(_networks(p.name)) if p.inbound else "", mine if p.outbound else ""]
            for p in sorted(aw.partners, key=lambda p: p.name.lower())]
    _write_csv(out / SHARED_NETWORKS_FILE, ("Organization Name", "Networks Shared With Me",
                                            "Networks I'm Sharing"), rows)
    return True


@dataclass
class Event:
    at: datetime
    user: str
    event_type: str
    entity_type: str
    details: dict[str, str]
    tag: str = ""
    near: str = ""


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _events(aw: AgencyWorld, rng: random.Random) -> list[Event]:
    people = [a for a in aw.accounts if a.kind == "own" and not a.special][:12]
    boss = aw.account("admin")

    def when(lo: int = 1, hi: int = N_DAYS - 2) -> datetime:
        day = datetime(START.year, START.month, START.day) + timedelta(days=rng.randrange(lo, hi))
        return day + timedelta(seconds=rng.randrange(15 * 3600, 30 * 3600), milliseconds=rng.randrange(1000))

    def plate() -> str:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return f"{rng.randint(1, 9)}{letters}{rng.randint(0, 999):03d}"

    def entry(lst: str, at: datetime, *, reason: str | None = None, case: str | None = "auto",
              expiry: str | None = "auto", user: str | None = None, **kw: str) -> Event:
        d = {"Hotlist Name": lst, "License": plate(), "State": "california",
             "Reason": reason or rng.choice(W.SPECIFIC_REASONS)}
        if case is not None:
            d["Case"] = f"{at:%y}-{rng.randint(1, 99999):05d}" if case == "auto" else case
        if expiry is not None:
            d["Expiry"] = _iso(at + timedelta(days=30)) if expiry == "auto" else expiry
        d["Consolidated"] = "false"
        who = user or rng.choice(people).name
        return Event(at, ", ".join(reversed(who.rsplit(" ", 1))), "create", "Custom Hotlist Entry", d, **kw)

    ev: list[Event] = []
    normal = list(aw.hotlists)
    for lst in [*normal, aw.intel_hotlist, aw.personal_hotlist]:
        # a list's own creation has no expiry: not an entry, so never a finding
        ev.append(Event(datetime(2024, 1, 2, 17) + timedelta(hours=len(ev)), "Admin, System",
                        "create", "customHotlist", {"Name": lst, "Organization Hotlist": "No"},
                        near="hotlist.no_expiry" if not ev else ""))
    for _ in range(300 * aw.scale):  # background entries: list, plate, reason, case, 30-day expiry
        e = entry(rng.choice(normal), when())
        ev.append(e)
        if rng.random() < 0.25:  # later updated (renewed) or deleted: not creations
            at = e.at + timedelta(days=rng.randint(1, 25))
            if rng.random() < 0.5:
                ev.append(Event(at, e.user, "update", "Custom Hotlist Entry",
                                {"Hotlist Name": e.details["Hotlist Name"], "License": "",
                                 "Reason": e.details["Reason"], "Case": ""},
                                near="hotlist.no_case_number"))
            else:
                ev.append(Event(at, e.user, "delete", "Custom Hotlist Entry",
                                {"Hotlist Name": e.details["Hotlist Name"]}, near="hotlist.no_expiry"))
    for _ in range(10):  # intelligence entries that never expire
        ev.append(entry(aw.intel_hotlist, when(), expiry=None, tag="hotlist.no_expiry"))
    for k in range(3):
        ev.append(entry(normal[k], when(), expiry="never", tag="hotlist.no_expiry"))
    for k in range(12):
        ev.append(entry(normal[k % 3], when(), case="", tag="hotlist.no_case_number"))
    for _ in range(6):  # an officer's own list
        ev.append(entry(aw.personal_hotlist, when(200), user=boss.name, tag="hotlist.personal_owner"))
    ev.append(entry(normal[1], when(), reason="my ex-wife's new car", tag="hotlist.personal_owner"))
    ev.append(entry(normal[0], when(), expiry="2099-12-31T00:00:00.000Z", near="hotlist.no_expiry"))
    ev.append(entry(normal[2], when(), reason="personnel office burglary",
                    near="hotlist.personal_owner"))
    ev = [e for e in ev if e.at <= AS_OF]
    ev.sort(key=lambda e: e.at, reverse=True)  # Flock lists the newest first
    return ev


def write_event_log(aw: AgencyWorld, out: Path) -> list[dict[str, Any]]:
    """The hot-list event log workbook; returns each event's locator and tags."""
    rng = random.Random(aw.seed * 104729 + aw.index)
    events = _events(aw, rng)
    wb = xlsxwriter.Workbook(str(out / EVENT_LOG_FILE), {"strings_to_numbers": False})
    wb.set_properties({"created": _CREATED, "author": "alpr-audit synth"})
    ws = wb.add_worksheet(EVENT_SHEET)
    for c, h in enumerate(("Timestamp", "User", "Event Type", "Entity Type", "Entity Details")):
        ws.write_string(0, c, h)
    facts = []
    for r, e in enumerate(events, start=1):
        text = "".join(f"{k}: {v}\n" for k, v in e.details.items())
        for c, v in enumerate((_iso(e.at), e.user, e.event_type, e.entity_type, text)):
            ws.write_string(r, c, v)
        facts.append({"locator": f"{EVENT_SHEET}!{r + 1}", "event_type": e.event_type,
                      "entity_type": e.entity_type, "hotlist": e.details.get("Hotlist Name"),
                      "reason": e.details.get("Reason"), "case": e.details.get("Case"),
                      "expiry": e.details.get("Expiry"), "tag": e.tag, "near": e.near})
    wb.close()
    return facts


def partner_table(partners: list[Partner]) -> list[dict[str, Any]]:
    """Partners as plain data for the truth file."""
    return [{"name": p.name, "direction": p.direction, "expect": list(p.expect),
             "agreement": p.agreement, "note": p.note} for p in partners]
