"""``detection_counts`` rows from Vigilant dashboard reports, and their staging.

* **Hit Ratio report** → one row: ``detections``, ``hits`` and ``total_records`` with the
  period. Detections and hits are disjoint record types, so ``total_records = detections +
  hits``; a report whose numbers do not add up is rejected with the sums in the reason.
* **Detection report** → one row per camera system (or per agency, in the ``Contributor |
  Agency | Detections`` form), system name as written — flags such as ``(Deleted)`` stay in
  the name, zero counts are loaded — plus the report's ``Total Detections`` as a row with
  ``system`` NULL. The report's "Detections" include hits (the systems sum to Total
  Detections, which equals the Hit Ratio report's Total Records), so these counts are stored
  as ``total_records`` — ``detections`` means "plate reads that were not hits" in the schema
  and stays NULL here; ``basis`` says so on every row. When the systems do not sum to the
  total, or the table has fewer rows than the header's ``System Count``, the total row's
  basis records it.

Scanned pages are read tolerantly (``pdftext.read_count``). A number that needed OCR fixes
(or that tesseract read with low confidence) is only loaded when the report's own arithmetic
confirms it — the hit-ratio identity, or the systems summing to the total; otherwise its row
is rejected with the reason. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pyarrow as pa

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.base import StageContext, StageResult, stage_name
from alpr_audit.ingest.formats.vigilant.dashboard import (
    HIT_RATIO,
    Report,
    TableRow,
    like,
    parse_date,
    resolve_period,
    split_reports,
)
from alpr_audit.ingest.pdftext import Reading, read_count, read_pages

#: tesseract confidence below which a number counts as uncertain (needs a cross-check)
MIN_CONF = 60.0

BASIS_HIT_RATIO = "detections and hits disjoint; total_records = detections + hits"
BASIS_SYSTEM = ("Detection report, one camera system: its Detections (all plate reads, hits "
                "included) as total_records")
BASIS_AGENCY = ("Detection report, one agency: its Detections (all plate reads, hits included) "
                "as total_records")
BASIS_TOTAL = ("Detection report Total Detections: all plate reads, hits included "
               "(= the Hit Ratio report's Total Records) as total_records")


@dataclass
class Row:
    """One ``detection_counts`` stage row."""

    kind: str  # hit_ratio, detection_system, detection_agency, detection_total
    locator: str
    raw: dict[str, str | None]
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    period_text: str | None = None
    system: str | None = None
    detections: int | None = None
    hits: int | None = None
    total_records: int | None = None
    basis: str | None = None
    created: dt.date | None = None
    reject: str | None = None


@dataclass
class _Header:
    start: dt.datetime | None
    end: dt.datetime | None
    text: str | None
    created: dt.date | None
    problem: str | None


def _header(rep: Report) -> _Header:
    created = parse_date(rep.created.text, rep.scanned) if rep.created else None
    if rep.time_frame is None:
        return _Header(None, None, None, created,
                       f"no readable 'Time Frame' in the report on {rep.locator}")
    start, end, problem = resolve_period(rep.time_frame.text, created, rep.scanned)
    return _Header(start, end, rep.time_frame.text, created, problem)


def _uncertain(reading: Reading, row: TableRow | None = None) -> bool:
    low = row is not None and row.min_conf is not None and row.min_conf < MIN_CONF
    return reading.corrected or low


def hit_ratio_rows(rep: Report) -> list[Row]:
    """The one row of a Hit Ratio report (rejected when unreadable or not adding up)."""
    h = _header(rep)
    found: dict[str, TableRow] = {}
    problems: list[str] = []
    others: list[str] = []  # lines that are no record type: told only when the report fails
    for r in rep.rows:
        kind = "Detections" if like(r.label, "detections") else "Hits" if like(r.label, "hits") else None
        if kind is None:
            others.append(f"{r.locator}: record type {r.label!r} is neither Detections nor Hits")
        elif kind in found:
            problems.append(f"{r.locator}: a second {kind} row")
        else:
            found[kind] = r
    others += [f"page {p}, line {n}: {t!r} is not a table row" for p, n, t in rep.stray]
    raw: dict[str, str | None] = {
        "Time Frame": h.text, "Total Records": rep.total.text if rep.total else None,
        "Detections": found["Detections"].count if "Detections" in found else None,
        "Hits": found["Hits"].count if "Hits" in found else None,
    }
    row = Row("hit_ratio", rep.locator, raw, h.start, h.end, h.text, basis=BASIS_HIT_RATIO,
              created=h.created)
    values: dict[str, int] = {}
    for name, text in (("Detections", raw["Detections"]), ("Hits", raw["Hits"]),
                       ("Total Records", raw["Total Records"])):
        if text is None:
            problems.append(f"no {name} value")
            continue
        reading = read_count(text, tolerant=rep.scanned)
        if reading.value is None:
            problems.append(f"cannot read {name}: {reading.problem}")
        else:
            values[name] = reading.value
    if h.problem:
        problems.insert(0, h.problem)
    if not problems:
        # The identity is also what confirms numbers read from OCR text with fixes.
        det, hits, total = values["Detections"], values["Hits"], values["Total Records"]
        if det + hits == total:
            row.detections, row.hits, row.total_records = det, hits, total
            return [row]
        problems.append(f"the numbers do not add up: Detections {det:,} + Hits {hits:,} = "
                        f"{det + hits:,}, but Total Records is {total:,}")
    row.reject = "; ".join(problems + others)
    return [row]


def detection_rows(rep: Report) -> list[Row]:
    """The total row and one row per system (or agency) of a Detection report."""
    h = _header(rep)
    label = rep.label_name or "System"
    count_name = rep.count_name or "Detections"
    per_agency = like(label, "agency")
    kind, basis = (("detection_agency", BASIS_AGENCY) if per_agency
                   else ("detection_system", BASIS_SYSTEM))
    readings = [(r, read_count(r.count, tolerant=rep.scanned)) for r in rep.rows]
    total_text = rep.total.text if rep.total else None
    total = read_count(total_text, tolerant=rep.scanned) if total_text is not None else None
    all_read = all(rd.value is not None for _, rd in readings)
    summed = sum(rd.value or 0 for _, rd in readings)
    confirmed = bool(readings) and all_read and total is not None and total.value == summed
    read_total = f"{total.value:,}" if total and total.value is not None else "unreadable"
    unconfirmed = (f"the {label.lower()} rows sum to {summed:,} and Total Detections reads "
                   f"{read_total}, so the reading cannot be confirmed")

    trow = Row("detection_total", rep.total.locator if rep.total else rep.locator,
               {"Time Frame": h.text, "Total Detections": total_text}, h.start, h.end, h.text,
               basis=BASIS_TOTAL, created=h.created)
    if h.problem:
        trow.reject = h.problem
    elif total is None:
        trow.reject = f"no 'Total Detections' in the report on {rep.locator}"
    elif total.value is None:
        trow.reject = f"cannot read Total Detections: {total.problem}"
    elif _uncertain(total) and not confirmed:
        trow.reject = (f"Total Detections read from OCR text {total_text!r} as {total.value:,}, "
                       f"but {unconfirmed}")
    else:
        trow.total_records = total.value
        trow.basis = trow.basis or ""  # set above (BASIS_TOTAL); for the type checker
        if all_read and readings and summed != total.value:
            trow.basis += (f"; the {len(readings)} rows of the report sum to {summed:,}, "
                           "not to this total")
        stated = read_count(rep.count.text, tolerant=rep.scanned).value if rep.count else None
        if stated is not None and stated != len(readings):
            trow.basis += f"; {label} Count says {stated}, the table lists {len(readings)}"
    rows = [trow]
    ordered: list[tuple[int, int, Row]] = []
    for r, rd in readings:
        row = Row(kind, r.locator, r.raw(label, count_name), h.start, h.end, h.text,
                  system=r.label, basis=basis, created=h.created)
        if h.problem:
            row.reject = h.problem
        elif rd.value is None:
            row.reject = f"cannot read the {count_name} of {r.label!r}: {rd.problem}"
        elif _uncertain(rd, r) and not confirmed:
            row.reject = (f"{count_name} read from OCR text {r.count!r} as {rd.value:,}, "
                          f"but {unconfirmed}")
        else:
            row.total_records = rd.value
        ordered.append((r.page, r.line, row))
    for page, line, text in rep.stray:
        ordered.append((page, line, Row(kind, f"page {page}, line {line}", {"line": text}, reject=(
            f"a line in the {label} table without both a {label.lower()} and a count: {text!r}"))))
    return rows + [row for _, _, row in sorted(ordered, key=lambda o: (o[0], o[1]))]


def _publisher(rows: list[Row]) -> str | None:
    """The agency a per-agency Detection report names, when it names exactly one."""
    names = {r.system for r in rows if r.kind == "detection_agency" and r.reject is None and r.system}
    return names.pop() if len(names) == 1 else None


_SCHEMA = pa.schema([
    ("ord", pa.int64()), ("kind", pa.string()),
    ("period_start", pa.timestamp("us")), ("period_end", pa.timestamp("us")),
    ("period_text", pa.string()), ("system", pa.string()), ("detections", pa.int64()),
    ("hits", pa.int64()), ("total_records", pa.int64()), ("basis", pa.string()),
    ("report_created_on", pa.date32()), ("_locator", pa.string()), ("_reject", pa.string()),
    ("_raw", pa.string()),
])


def _stage(ctx: StageContext, rows: list[Row]) -> None:
    data = {
        "ord": list(range(len(rows))), "kind": [r.kind for r in rows],
        "period_start": [r.period_start for r in rows], "period_end": [r.period_end for r in rows],
        "period_text": [r.period_text for r in rows], "system": [r.system for r in rows],
        "detections": [r.detections for r in rows], "hits": [r.hits for r in rows],
        "total_records": [r.total_records for r in rows], "basis": [r.basis for r in rows],
        "report_created_on": [r.created for r in rows], "_locator": [r.locator for r in rows],
        "_reject": [r.reject for r in rows],
        "_raw": [json.dumps(r.raw, ensure_ascii=False) for r in rows],
    }
    ctx.con.register("_vigilant_rows", pa.table(data, schema=_SCHEMA))
    try:
        # The key: what was counted, over which period. The period text and creation date are
        # left out, so the same report re-released (or re-printed) is recognised.
        ctx.con.execute(f"""CREATE OR REPLACE TEMP TABLE {stage_name("detection_counts")} AS
            SELECT period_start, period_end, period_text, system, detections, hits,
                   total_records, basis, report_created_on, _locator, _reject, _raw,
                   hash(kind, period_start, period_end, system, detections, hits,
                        total_records) AS _kb,
                   false AS _has_id
            FROM _vigilant_rows ORDER BY ord""")
    finally:
        ctx.con.unregister("_vigilant_rows")


def stage_dashboard(ctx: StageContext) -> StageResult:
    """Stage every dashboard report in the PDF, of either kind, into ``detection_counts``."""
    pages = read_pages(ctx.path)
    reports, orphans = split_reports(pages)
    if not reports:
        raise IngestError(
            "no Vigilant dashboard report (Hit Ratio or Detection) found in the PDF",
            path=str(ctx.path), locator="page 1",
            hint="the pages must show 'Dashboard Hit Ratio Report' or 'Dashboard Detection "
                 "Report' with a Time Frame and a Contributor table")
    ctx.set_total(None)
    rows: list[Row] = []
    for rep in reports:
        rows += hit_ratio_rows(rep) if rep.kind == HIT_RATIO else detection_rows(rep)
    _stage(ctx, rows)
    ctx.progress(len(rows))
    details = {
        "reports": [{"page": r.page, "kind": r.kind, "scanned": r.scanned} for r in reports],
        "ocr_pages": [p.number for p in pages if p.ocr],
    }
    if orphans:
        details["pages_not_read"] = [loc for loc, _ in orphans]
    return StageResult(0, None, _publisher(rows) or ctx.publisher, details=details,
                       tables=("detection_counts",))


__all__ = ["HIT_RATIO", "detection_rows", "hit_ratio_rows", "stage_dashboard"]
