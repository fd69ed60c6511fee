"""The portal's charts: Altair specs rendered offline to SVG by vl-convert.

Each chart is a standalone SVG file the pages show with ``<img alt=…>`` (an image's SVG is
outside the page's Content-Security-Policy, and a static host serves it as a file), always
next to a table with the same figures for screen readers. Two charts per agency — the monthly
trend and the purpose labels — because each vl-convert call costs tens of milliseconds and a
portal of 200 agencies must build in well under a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_WIDTH = 520
#: Colours with at least 4.5:1 contrast on white (labels and marks stay legible).
_BLUE, _GREEN, _RED = "#1f4e8c", "#2b6a3f", "#a4262c"


def _svg(spec: Any) -> str:
    """The SVG of an Altair chart. The spec is built here from known fields, so Altair's
    JSON-schema validation (a third of the time of a small chart) is skipped."""
    import vl_convert as vlc  # late: only a build with charts pays for the JS engine

    return vlc.vegalite_to_svg(spec.to_dict(validate=False))


@dataclass
class Chart:
    """One chart: its file name, the alt text, its SVG (None: no data) and its table."""

    key: str
    title: str
    alt: str
    svg: str | None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)


def _months(page: dict[str, Any]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for r in page["searches_by_month"]:
        merged.setdefault(r["month"], {"month": r["month"]})["searches"] = r["searches"]
    for r in page["reads_by_month"]:
        m = merged.setdefault(r["month"], {"month": r["month"]})
        m["reads"], m["hits"] = r["reads"], r["hits"]
    return [merged[k] for k in sorted(merged)]


def trend_table(page: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The trend chart's figures: month, searches, plate reads, hits."""
    rows = _months(page)
    return (["Month", "Searches", "Plate reads", "Hot-list hits"],
            [[r["month"], r.get("searches"), r.get("reads"), r.get("hits")] for r in rows])


def trend(page: dict[str, Any], render: bool = True) -> Chart:
    """Searches, plate reads and hot-list hits per month, one panel each (own scales)."""
    columns, rows = trend_table(page)
    name = page["name"]
    title = "Searches, plate reads and hits by month"
    alt_text = (f"Bar charts of {name}'s searches, plate reads and hot-list hits per month; "
                "the table below gives the same figures.")
    if not rows or not render:
        return Chart("trend", title, alt_text, None, columns, rows)
    import altair as alt

    values = [{"month": r[0], "searches": r[1], "reads": r[2], "hits": r[3]} for r in rows]
    base = alt.Chart(alt.Data(values=values)).properties(width=_WIDTH, height=90)
    x = alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-60))
    panels = []
    for col, label, colour in (("searches", "Searches", _BLUE), ("reads", "Plate reads", _GREEN),
                               ("hits", "Hot-list hits", _RED)):
        if any(v[col] is not None for v in values):
            panels.append(base.mark_bar(color=colour).encode(
                x=x, y=alt.Y(f"{col}:Q", title=label)))
    return Chart("trend", title, alt_text, _svg(alt.vconcat(*panels)), columns, rows)


def purposes(page: dict[str, Any], render: bool = True) -> Chart:
    """Searches per purpose label, as horizontal bars."""
    rows = [[r["label"], r["searches"], r["percent"]] for r in page["purposes"]]
    title = "What searches were for"
    alt_text = (f"Bar chart of {page['name']}'s searches by the purpose their stated reason "
                "gives; the table below gives the same figures.")
    if not rows or not render:
        return Chart("purposes", title, alt_text, None, ["Purpose", "Searches", "%"], rows)
    import altair as alt

    from alpr_audit.outputs.portal.data import ALARM_LABELS, VAGUE_LABELS
    from alpr_audit.outputs.portal.render import PURPOSE_LABELS

    def kind(label: str) -> str:
        return ("forbidden or sensitive" if label in ALARM_LABELS else
                "no specific purpose" if label in VAGUE_LABELS else "specific")

    values = [{"label": PURPOSE_LABELS.get(r[0], r[0]), "searches": r[1], "kind": kind(r[0])}
              for r in rows]
    chart = alt.Chart(alt.Data(values=values)).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300, labelFontSize=12)),
        x=alt.X("searches:Q", title="Searches"),
        color=alt.Color("kind:N", title="Purpose", legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["specific", "no specific purpose",
                                                "forbidden or sensitive"],
                                        range=[_BLUE, "#8a4b00", _RED])),
    ).properties(width=_WIDTH - 120, height=max(40, 22 * len(rows)))
    return Chart("purposes", title, alt_text, _svg(chart), ["Purpose", "Searches", "%"], rows)


def agency_charts(page: dict[str, Any], render: bool = True) -> list[Chart]:
    """The charts of one agency page (``render=False``: tables only, no SVG work)."""
    return [trend(page, render), purposes(page, render)]
