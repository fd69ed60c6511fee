"""The portal's Jinja2 environment (autoescape everywhere) and the links its pages use.

The same templates serve the static site and the live app; only :class:`Links` differs: the
static site links relatively (``../agencies/x.html``) so it works from ``file://`` and any
folder of any host, the app links to its routes.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from alpr_audit.core.records import SEVERITIES

SEVERITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low", "review": "Needs review",
                   "info": "Information"}
PURPOSE_LABELS = {
    "missing": "No reason recorded", "generic": "Vague reason (e.g. \"investigation\")",
    "test": "Test or training", "case_number": "Case number only",
    "specific": "Specific offense or purpose", "immigration": "Immigration enforcement",
    "protest": "Protest or First Amendment activity", "reproductive": "Reproductive care",
    "personal": "Personal use",
}
FIELD_LABELS = {"retention_days": "Retention (days)", "camera_count": "Cameras",
                "vehicles_30d": "Vehicles detected, 30 days", "hits_30d": "Hits, 30 days",
                "searches_30d": "Searches, 30 days"}


class Links:
    """URLs of the pages: relative files for the static site, routes for the live app."""

    def __init__(self, live: bool, depth: int = 0) -> None:
        self.live = live
        self.up = "" if live else "../" * depth

    def _p(self, path: str) -> str:
        return "/" + path if self.live else self.up + path

    def index(self) -> str:
        return "/" if self.live else self.up + "index.html"

    def agency(self, agency_id: str) -> str:
        a = quote(agency_id, safe="")
        return self._p(f"agencies/{a}" if self.live else f"agencies/{a}.html")

    def chart(self, agency_id: str, key: str) -> str:
        return self._p(f"charts/{quote(agency_id, safe='')}-{key}.svg")

    def findings(self) -> str:
        return self._p("findings" if self.live else "findings.html")

    def finding(self, finding_id: str) -> str | None:
        return self._p(f"findings/{quote(finding_id, safe='')}") if self.live else None

    def requests(self) -> str | None:
        return self._p("requests") if self.live else None

    def request(self, request_id: str) -> str | None:
        return self._p(f"requests/{quote(request_id, safe='')}") if self.live else None

    def static(self, name: str) -> str:
        return self._p(f"static/{name}")


def _num(v: Any, unit: str = "") -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, float):
        text = f"{v:,.1f}" if abs(v) >= 1 or v == 0 else f"{v:,.3f}"
    elif isinstance(v, int):
        text = f"{v:,}"
    else:
        text = str(v)
    return f"{text} {unit}".strip() if unit else text


def _date(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d")
    return v.isoformat() if isinstance(v, dt.date) else str(v)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The environment: packaged templates, autoescape ON for every template."""
    env = Environment(loader=PackageLoader("alpr_audit.outputs.portal", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.do"])
    env.filters.update(num=_num, date=_date,
                       severity=lambda s: SEVERITY_LABELS.get(s, s),
                       purpose=lambda s: PURPOSE_LABELS.get(s, s),
                       field=lambda s: FIELD_LABELS.get(s, s))
    env.globals.update(SEVERITIES=SEVERITIES)
    return env


def render(template: str, links: Links, **context: Any) -> str:
    """``template`` rendered with ``links`` and ``context``."""
    return environment().get_template(template).render(links=links, **context)
