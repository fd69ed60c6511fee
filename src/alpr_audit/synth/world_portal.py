"""The agency's saved Flock transparency-portal page (HTML), in the layout the portal uses.

Cards are a bold label followed by a value (what ``ingest.flock.portal_page`` reads): retention,
counts of the last 30 days, hot lists, the policy texts and both sharing lists, one partner per
line. The capture date is in the file name. No search-audit download is embedded: the
agency's searches come from its network audit.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from alpr_audit.synth import world_vocab as W
from alpr_audit.synth.world_people import AgencyWorld

PORTAL_FILE = "flock-portal_{folder}_2025-10-31.html"
#: Card label per policy field, as Flock portals title them.
POLICY_LABELS = {
    "what_detected": "What's Detected", "what_not_detected": "What's Not Detected",
    "acceptable_use": "Acceptable Use Policy", "prohibited_uses": "Prohibited Uses",
    "access_policy": "Access Policy", "hotlist_policy": "Hotlist Policy",
}


def _card(label: str, value: str) -> str:
    return ('<div style="display:flex;flex-direction:row;gap:16px"><div><img alt=""></div>'
            '<div style="flex:1;display:flex;flex-direction:column">'
            f'<p style="font-weight:700;margin:0">{html.escape(label)}</p>'
            f'<div style="font-weight:400;white-space:pre-line">{value}</div></div></div>')


def _names(names: list[str]) -> str:
    return "<br>".join(html.escape(n) for n in names)


def write_portal(aw: AgencyWorld, out: Path, counts: dict[str, int]) -> dict[str, Any]:
    """Write the page; ``counts`` holds cameras, vehicles_30d, hits_30d and searches_30d."""
    name = html.escape(aw.name)
    outbound = [p.name for p in aw.partners if p.outbound]
    inbound = [p.name for p in aw.partners if p.inbound]
    usage = [
        _card("Data Retention (days)", f"{aw.profile.retention_days} days"),
        _card("Number of Owned cameras", f"{counts['cameras']:,}"),
        _card("Unique vehicles detected in the last 30 days", f"{counts['vehicles_30d']:,}"),
        _card("Hotlist hits in the last 30 days", f"{counts['hits_30d']:,}"),
        _card("Searches in the last 30 days", f"{counts['searches_30d']:,}"),
        _card("Hotlists Alerted On", ", ".join(W.STATE_HOTLISTS)),
    ]
    policies = [_card(POLICY_LABELS[k], html.escape(v)) for k, v in aw.profile.policy.items()]
    usage += [
        _card(f"Organizations granted access to {aw.name} data", _names(outbound)),
        _card(f"Organizations sharing their data with {aw.name}", _names(inbound)),
    ]
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Flock Safety - {name} Transparency Portal</title></head><body><div>"
        '<header><a href="https://www.flocksafety.com/?utm_medium=transparency_portal">'
        f'<img alt="Flock"></a><div><h1>{name}</h1><h2>Transparency Portal</h2>'
        "<p>Last Updated: <span>Thu Oct 30 2025</span></p></div></header>"
        '<div id="reportContent">'
        f'<div id="policies"><h3>Policies</h3><div>{"".join(policies)}</div></div>'
        f'<div id="usage"><h3>Usage</h3><div>{"".join(usage)}</div></div>'
        "</div>"
        '<footer><p>Provided by <a href="https://www.flocksafety.com/?utm_medium=transparency_portal">'
        "Flock Safety</a></p></footer></div></body></html>\n")
    fname = PORTAL_FILE.format(folder=aw.folder)
    (out / fname).write_text(page, encoding="utf-8")
    return {"file": f"{aw.folder}/{fname}", "retention_days": aw.profile.retention_days,
            "outbound": len(outbound), "inbound": len(inbound),
            "policy_missing": list(aw.profile.policy_missing)}
