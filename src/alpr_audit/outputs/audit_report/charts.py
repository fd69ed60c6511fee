"""The audit report's charts: Altair specs rendered offline to SVG by vl-convert.

Every chart comes with its figures as a small table (a reader who cannot see the chart, or
prints the report in black and white, gets the same numbers), and a chart whose data is
absent is replaced by a sentence saying so. No chart shows a personal value: months, purpose
labels, agencies and periods only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alpr_audit.outputs.audit_report import data as rd
from alpr_audit.store import Store

#: Rows a chart's table shows in the PDF (the rest is counted in a note).
TABLE_ROWS = 60
#: Agencies a hit-ratio chart draws (those with the most reads).
CHART_AGENCIES = 10
_WIDTH = 440


@dataclass
class Chart:
    """One chart: its SVG (None when skipped), its table, and sentences about it."""

    key: str
    title: str
    svg: str | None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""

    def to_data(self) -> dict[str, Any]:
        shown = self.rows[:TABLE_ROWS]
        more = len(self.rows) - len(shown)
        note = self.note + (f" The table shows the first {len(shown):,} of {len(self.rows):,} "
                            "rows." if more > 0 else "")
        return {"key": self.key, "title": self.title, "svg": self.svg, "columns": self.columns,
                "rows": [[_cell(v) for v in r] for r in shown], "note": note.strip()}


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.3f}".rstrip("0").rstrip(".")
    return str(v)


def _svg(spec: Any) -> str:
    import vl_convert as vlc  # late: only a report with charts pays for the JS engine

    return vlc.vegalite_to_svg(spec.to_dict())


def searches_by_month(store: Store) -> Chart:
    rows = rd.searches_by_month(store)
    title = "Searches by month (UTC)"
    if not rows:
        return Chart("month", title, None, note="No search with a recorded time is in the "
                     "store, so there is nothing to chart.")
    import altair as alt

    kinds = sorted({r["log_kind"] for r in rows})
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=-60)),
        y=alt.Y("searches:Q", title="Searches"),
    ).properties(width=_WIDTH, height=170)
    if len(kinds) > 1:
        chart = chart.encode(color=alt.Color("log_kind:N", title="Log",
                                             legend=alt.Legend(orient="bottom")),
                             xOffset=alt.XOffset("log_kind:N"))
    note = ("Counted per log: one search can appear in an agency's organisation audit, its "
            "network audit and its portal log, so the logs are drawn side by side, not added."
            if len(kinds) > 1 else "")
    return Chart("month", title, _svg(chart), ["Month", "Log", "Searches"],
                 [[r["month"], r["log_kind"], r["searches"]] for r in rows], note)


def searches_by_purpose(store: Store, run: rd.RunInfo) -> Chart:
    title = "Searches by purpose label"
    rows = rd.searches_by_purpose(store, run.run_id)
    if not rows:
        if not rd.table_count(store, "searches"):
            why = "The store holds no searches, so there is nothing to chart."
        elif not run.latest:
            why = (f"Purpose labels are kept for the latest audit run only; run "
                   f"{run.run_id} is not the latest, so its labels are no longer stored.")
        else:
            why = f"No purpose label of run {run.run_id} is stored, so there is nothing to chart."
        return Chart("purpose", title, None, note=why)
    import altair as alt

    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("label:N", title="Purpose label", sort="-x"),
        x=alt.X("searches:Q", title="Searches"),
    ).properties(width=_WIDTH, height=max(60, 18 * len(rows)))
    return Chart("purpose", title, _svg(chart), ["Label", "Searches", "%"],
                 [[r["label"], r["searches"], r["percent"]] for r in rows],
                 "Labels from the stated reasons (docs/purposes.md); every log kind counted.")


def hit_ratio(store: Store) -> Chart:
    title = "Hit ratio by period"
    rows = rd.hit_ratios(store)
    if not rows:
        return Chart("hit_ratio", title, None, note="The store holds no detection counts and "
                     "no row-level reads, so no hit ratio can be computed.")
    import altair as alt

    reads: dict[str, int] = {}
    for r in rows:
        reads[r["agency"]] = reads.get(r["agency"], 0) + int(r["reads"] or 0)
    drawn = sorted(reads, key=lambda a: (-reads[a], a))[:CHART_AGENCIES]
    values = [{"agency": r["agency"], "period": r["period"], "hit_percent": r["hit_percent"],
               "start": r["start"].isoformat() if r["start"] else None, "basis": r["basis"]}
              for r in rows if r["agency"] in drawn]
    chart = alt.Chart(alt.Data(values=values)).mark_line(point=True).encode(
        x=alt.X("period:N", title="Period", sort=alt.SortField("start"),
              axis=alt.Axis(labelAngle=-60, labelLimit=160)),
        y=alt.Y("hit_percent:Q", title="Hits per 100 reads"),
        color=alt.Color("agency:N", title="Agency", legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("basis:N", title="Basis"),
    ).properties(width=_WIDTH, height=170)
    note = ("Hits per 100 reads. Dashboard reports: hits / (detections + hits), or the total "
            "the report states, for each period exactly as the report states it. Row-level "
            "data: hits / reads (each hit is one of the reads) per calendar month (UTC).")
    if len(reads) > len(drawn):
        note += f" The chart draws the {len(drawn)} agencies with the most reads of {len(reads)}."
    return Chart("hit_ratio", title, _svg(chart),
                 ["Agency", "Period", "Basis", "Hits", "Reads", "Hits per 100 reads"],
                 [[r["agency"], r["period"], r["basis"], r["hits"], r["reads"], r["hit_percent"]]
                  for r in rows], note)


def build_charts(store: Store, run: rd.RunInfo) -> list[Chart]:
    """The report's charts in order."""
    return [searches_by_month(store), searches_by_purpose(store, run), hit_ratio(store)]
