"""The sharing network of one agency as an SVG drawing, laid out here (no JS library).

The agency sits in the middle; its partners sit on a circle around it, flagged partners
(out of state, federal, private) first and drawn in red with a text mark, so the eye finds
them without relying on colour alone. A line with an arrow away from the middle means the
agency's data goes to the partner; a dashed line towards it means the partner's data comes in.
Only presentation attributes are used (no ``style``), so the live app's strict
Content-Security-Policy allows it inline.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

#: Partners drawn by name; the rest are counted in a note (every one is in the table).
MAX_NODES = 36
_FLAG_MARK = {"out of state": "OUT OF STATE", "federal": "FEDERAL", "private": "PRIVATE"}


def _partners(share: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for direction in ("out", "in"):
        for p in share.get(direction, []):
            m = merged.setdefault(p["partner"] or "(unnamed)", {
                "name": p["partner"] or "(unnamed)", "out": False, "in": False, "flags": set()})
            m[direction] = m[direction] or p["active"]
            m["flags"] |= {f for f in p["flags"] if f in _FLAG_MARK}
    return sorted(merged.values(), key=lambda m: (not m["flags"], m["name"].lower()))


def sharing_svg(name: str, share: dict[str, list[dict[str, Any]]]) -> Markup | None:
    """The drawing (safe markup, every text escaped), or None when there are no partners."""
    partners = _partners(share)
    if not partners:
        return None
    shown = partners[:MAX_NODES]
    n = len(shown)
    radius = 150 + 4 * n
    width, pad = 2 * radius + 760, 40
    height = 2 * radius + 2 * pad
    cx, cy = width / 2, height / 2
    flagged = sum(1 for p in partners if p["flags"])
    title = (f"Sharing network of {name}: {len(partners)} partners, {flagged} of them out of "
             "state, federal or private")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-labelledby="sg-title" class="sharing-graph">',
        f'<title id="sg-title">{escape(title)}</title>',
        '<defs><marker id="sg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#444"/></marker></defs>',
    ]
    for i, p in enumerate(shown):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        colour = "#a4262c" if p["flags"] else "#1f4e8c"
        # the line stops short of both circles so the arrow heads stay visible
        dx, dy = x - cx, y - cy
        d = math.hypot(dx, dy) or 1
        x1, y1 = cx + dx / d * 34, cy + dy / d * 34
        x2, y2 = x - dx / d * 9, y - dy / d * 9
        marker = []
        if p["out"]:
            marker.append('marker-end="url(#sg-arrow)"')
        if p["in"]:
            marker.append('marker-start="url(#sg-arrow)"')
        dash = '' if p["out"] else ' stroke-dasharray="5 4"'
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke="{colour}" stroke-width="1.4"{dash} {" ".join(marker)}/>')
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}"/>')
        anchor = "start" if math.cos(angle) >= -1e-9 else "end"
        tx = x + (12 if anchor == "start" else -12)
        label = p["name"] if len(p["name"]) <= 38 else p["name"][:37] + "…"
        marks = " · ".join(_FLAG_MARK[f] for f in sorted(p["flags"]))
        weight = ' font-weight="bold"' if p["flags"] else ""
        parts.append(f'<text x="{tx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="13" '
                     f'fill="{"#7a1b1f" if p["flags"] else "#1a1a1a"}"{weight}>'
                     f'{escape(label)}{(" — " + marks) if marks else ""}</text>')
    parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="30" fill="#1a1a1a"/>')
    box = 8.5 * len(name) + 16  # approximate text width: the label must not sit on lines
    parts.append(f'<rect x="{cx - box / 2:.1f}" y="{cy + 36:.1f}" width="{box:.1f}" height="22" '
                 'fill="#ffffff" stroke="#1a1a1a" rx="3"/>')
    parts.append(f'<text x="{cx:.1f}" y="{cy + 52:.1f}" text-anchor="middle" font-size="14" '
                 f'font-weight="bold" fill="#1a1a1a">{escape(name)}</text>')
    if len(partners) > n:
        parts.append(f'<text x="{pad}" y="{height - 10:.0f}" font-size="12" fill="#333">'
                     f'{len(partners) - n} more partners are listed in the table.</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
