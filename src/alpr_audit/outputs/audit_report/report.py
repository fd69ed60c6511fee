"""The audit report of one run: findings.csv, findings.xlsx and audit-report.pdf.

* ``findings.csv`` — one row per finding (formula-safe).
* ``findings.xlsx`` — a Summary sheet (run, pack, as_of, settings with their origin, counts by
  severity and rule, rules without findings), a Findings sheet, and one sheet per rule (per
  rule and table when a rule's evidence spans tables) with every evidence row joined back to
  its normalised row, up to :data:`SHEET_CAP` rows a sheet (each sheet states the cap and
  its total). Evidence sheets stream from DuckDB (``publish.xlsx`` query sheets).
* ``audit-report.pdf`` — Typst: title page, summary, charts with their tables, and the
  findings in detail (see ``report_pdf`` for which).

Personal values are pseudonymised unless ``raw`` (see ``report_data``). The files are
written in a hidden sibling folder and moved into ``out_dir`` at the end, so a failed run
leaves no half-written report under the requested name.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpr_audit.core import sql
from alpr_audit.core.errors import UsageError
from alpr_audit.core.privacy_sql import clear_pseudo_state
from alpr_audit.core.records import Finding
from alpr_audit.core.timing import Laps
from alpr_audit.outputs import atomic
from alpr_audit.outputs.audit_report import data as rd
from alpr_audit.outputs.audit_report.charts import Chart, build_charts
from alpr_audit.outputs.audit_report.evidence import (
    evidence_groups,
    evidence_sql,
    safe_sql,
    top_evidence,
)
from alpr_audit.outputs.audit_report.pdf import (
    MAX_DETAILED,
    MAX_OTHER,
    build_data,
    pick_detailed,
    write_pdf,
)
from alpr_audit.outputs.safe import safe_cell, sql_safe
from alpr_audit.outputs.xlsx import Sheet, SheetResult, sheet_name, write_workbook
from alpr_audit.store import Store

#: Evidence rows one sheet of findings.xlsx holds at most (the evidence table holds all).
SHEET_CAP = 100_000
CSV_NAME, XLSX_NAME, PDF_NAME = "findings.csv", "findings.xlsx", "audit-report.pdf"
REPORT_KIND = "audit-report"
FILES = (CSV_NAME, XLSX_NAME, PDF_NAME)
CSV_COLUMNS = ("finding_id", "rule_id", "severity", "agency", "subject", "evidence_count",
               "first_at", "last_at", "citation", "title", "message", "run_id")


@dataclass
class ReportResult:
    """Where the report's files are and what they hold."""

    dir: Path
    run_id: str
    csv_path: Path
    xlsx_path: Path
    pdf_path: Path
    findings: int
    findings_in_pdf: int
    evidence_rows: int
    raw: bool
    sheets: list[SheetResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def files(self) -> list[Path]:
        return [self.csv_path, self.xlsx_path, self.pdf_path]

    def to_json(self) -> dict[str, Any]:
        """The ``report`` object of ``audit --out DIR --json``."""
        return {
            "dir": str(self.dir), "run_id": self.run_id, "raw": self.raw,
            "files": {"csv": str(self.csv_path), "xlsx": str(self.xlsx_path),
                      "pdf": str(self.pdf_path)},
            "findings": self.findings, "findings_in_pdf": self.findings_in_pdf,
            "evidence_rows": self.evidence_rows,
            "sheets": [{"name": s.name, "rows_written": s.rows_written,
                        "rows_total": s.rows_total} for s in self.sheets],
            "timings": self.timings,
        }


def write_audit_report(
    store: Store,
    out_dir: Path,
    *,
    run_id: str | None = None,
    raw: bool = False,
    top: int = 20,
    overwrite: bool = False,
    sheet_cap: int = SHEET_CAP,
    max_detailed: int = MAX_DETAILED,
    max_other: int = MAX_OTHER,
) -> ReportResult:
    """Write the report of audit run ``run_id`` (None: the latest) into ``out_dir``.

    ``raw`` prints user ids, names, e-mails, plates and case numbers as recorded (the
    operator's opt-in; default: the store's pseudonyms, as packets print them). ``top`` evidence rows are printed per finding in the
    PDF; ``sheet_cap`` caps each evidence sheet.

    ``out_dir`` is written whole and swapped in atomically (:mod:`alpr_audit.outputs.atomic`),
    replacing an earlier report there; its ``manifest.json`` marks it as a report. A non-empty
    folder alpr-audit did not write is refused unless ``overwrite``, which writes the
    report's own three files into it, one atomic rename each, and leaves its other files alone.
    """
    run = rd.load_run(store, run_id)
    out_dir = Path(out_dir).expanduser().resolve()
    into_foreign = check_out_dir(out_dir, overwrite)
    laps = Laps()
    timings, lap = laps.timings, laps.lap

    privacy = rd.Privacy(store, raw)
    writer = (atomic.files_into(out_dir) if into_foreign
              else atomic.atomic_dir(out_dir, REPORT_KIND, legacy=_old_report))
    try:
        with writer as work:
            findings, detailed, n_ev, sheets = _fill(store, run, work, privacy, raw, top,
                                                     sheet_cap, max_detailed, max_other, lap)
            if not into_foreign:
                atomic.write_marker(work, REPORT_KIND, run_id=run.run_id)
    finally:
        rd.close(store)
        clear_pseudo_state(store.con)
    return ReportResult(out_dir, run.run_id, out_dir / CSV_NAME, out_dir / XLSX_NAME,
                        out_dir / PDF_NAME, len(findings), len(detailed), n_ev, raw, sheets,
                        timings)


def _fill(store: Store, run: rd.RunInfo, work: Path, privacy: rd.Privacy, raw: bool, top: int,
          sheet_cap: int, max_detailed: int, max_other: int, lap: Callable[[str], None],
          ) -> tuple[list[Finding], list[Finding], int, list[SheetResult]]:
    """Write the report's three files into ``work``."""
    findings = rd.load_findings(store, run, privacy)
    n_ev = rd.open_evidence(store, run, privacy)
    lap("findings")
    _write_csv(work / CSV_NAME, findings)
    lap("csv")
    quiet = _quiet_rules(store, run, findings)
    pack_title = _pack_title(run.pack)
    cover = rd.coverage(store)
    sheets = write_workbook(work / XLSX_NAME, _sheets(store, run, pack_title, findings,
                                                      quiet, cover, n_ev, privacy,
                                                      sheet_cap, raw))
    lap("xlsx")
    charts = _charts(store, run)
    lap("charts")
    detailed = pick_detailed(findings, max_detailed, max_other)
    evidence = top_evidence(store, [f.finding_id for f in detailed], top, privacy)
    data = build_data(run, pack_title, findings, detailed, evidence, charts, cover,
                      raw=raw, top=top, evidence_rows=n_ev, files=list(FILES),
                      quiet=quiet, max_detailed=max_detailed, max_other=max_other)
    write_pdf(data, work / PDF_NAME)
    lap("pdf")
    return findings, detailed, n_ev, sheets


def check_out_dir(out_dir: Path, overwrite: bool) -> bool:
    """Refuse a file, or a non-empty folder alpr-audit did not write (unless ``overwrite``),
    as the report's folder; True when the report is to be written into such a folder.

    A folder holding an earlier report (its marker, or only report files, as versions
    before the marker wrote) is replaced whole. :func:`write_audit_report` checks this
    itself; a caller that runs the audit first can check before, so a refused folder does
    not cost a run.
    """
    out_dir = Path(out_dir).expanduser().absolute()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} is a file, not a folder", path=str(out_dir),
                         hint="give --out a folder for findings.csv, findings.xlsx and "
                              "audit-report.pdf")
    if not out_dir.exists() or atomic.output_kind(out_dir) == REPORT_KIND:
        return False
    if _old_report(out_dir):
        return False
    if atomic.output_kind(out_dir) is not None:
        atomic.check_target(out_dir, REPORT_KIND)  # another kind of output: refused
    if overwrite:
        return True
    raise UsageError(f"{out_dir} already exists and is not empty", path=str(out_dir),
                     hint="choose a new or empty --out folder (an earlier report there is "
                          "replaced), or pass --overwrite to write the report files into "
                          "this one (its other files are left alone)")


def _old_report(folder: Path) -> bool:
    """A folder holding only report files: a report written before the marker existed."""
    return {p.name for p in folder.iterdir()} <= set(FILES)


def _pack_title(pack: str) -> str:
    from alpr_audit.audit.packs import load_pack

    try:
        return load_pack(pack).title
    except UsageError:  # a pack renamed since the run: the report still prints
        return pack


def _quiet_rules(store: Store, run: rd.RunInfo,
                 findings: list[Finding]) -> list[tuple[str, str]]:
    """Rules the run ran that found nothing, and whether their data was there at all
    (as the run recorded it in ``audit_runs.not_applicable``)."""
    row = store.query("SELECT not_applicable FROM audit_runs WHERE run_id = ?", [run.run_id])
    recorded = json.loads(row[0]["not_applicable"] or "{}") if row else {}
    found = {f.rule_id for f in findings}
    return [(rule_id, f"not applicable: {recorded[rule_id]}" if rule_id in recorded
             else "no findings") for rule_id in run.rules if rule_id not in found]


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return safe_cell(value)


def _write_csv(path: Path, findings: list[Finding]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        w.writerows([_text(getattr(f, c)) for c in CSV_COLUMNS] for f in findings)


def _charts(store: Store, run: rd.RunInfo) -> list[Chart]:
    try:
        return build_charts(store, run)
    except Exception as exc:  # noqa: BLE001 - a chart is not worth losing the report over
        return [Chart("charts", "Figures", None,
                      note=f"The charts could not be drawn ({type(exc).__name__}: {exc}).")]


def _sheets(store: Store, run: rd.RunInfo, pack_title: str, findings: list[Finding],
            quiet: list[tuple[str, str]], cover: dict[str, Any], n_ev: int,
            privacy: rd.Privacy, cap: int, raw: bool) -> Iterator[Sheet]:
    order = {r: i for i, r in enumerate(run.rules)}
    groups = sorted(evidence_groups(store),
                    key=lambda g: (order.get(g["rule_id"], len(order)), g["first"]))
    taken = {"Summary", "Findings"}
    multi = {g["rule_id"] for g in groups if sum(h["rule_id"] == g["rule_id"] for h in groups) > 1}
    names = [sheet_name(f"{g['rule_id']} {g['table_name']}" if g["rule_id"] in multi
                        else g["rule_id"], taken) for g in groups]
    yield Sheet("Summary", ["section", "name", "value", "detail"],
                _summary_rows(run, pack_title, findings, quiet, cover, n_ev, groups, names,
                              cap, raw),
                title=f"ALPR audit {run.run_id} — pack {run.pack}",
                note="times are UTC; " + (
                    "RAW: user ids, names, e-mails, plates and case numbers as recorded — do "
                    "not publish" if raw else "user ids, names, e-mails, plates and case "
                    "numbers are the store's pseudonyms (user-…, person-…, plate-…)"),
                widths=[12, 34, 40, 70])
    yield Sheet("Findings", list(CSV_COLUMNS),
                [[getattr(f, c) for c in CSV_COLUMNS] for f in findings],
                title=f"Findings of run {run.run_id}",
                note=f"{len(findings):,} findings; evidence of each rule on its own sheet",
                widths=[18, 26, 9, 30, 30, 10, 19, 19, 50, 40, 90, 24])
    titles = {f.rule_id: f.title for f in findings}
    for i, (g, name) in enumerate(zip(groups, names, strict=False)):
        rule, table, total = g["rule_id"], g["table_name"], int(g["n"])
        cols, query = evidence_sql(table, f"rule_id = {sql.string(rule)} AND table_name = "
                                           f"{sql.string(table)}", privacy)
        # Materialised once: the XLSX writer refers to each column several times per cell,
        # and DuckDB would recompute the pseudonym HMACs for every reference.
        rows = rd.materialise(store, f"{rd.SHEET_PREFIX}{i}",
                              safe_sql(store, query, sql_safe), cap)
        where = (f"SELECT * FROM evidence WHERE run_id = {sql.string(run.run_id)} AND rule_id = {sql.string(rule)}")
        yield Sheet(
            name, cols, [], title=f"{rule}: {titles.get(rule, '')} — evidence in {table}",
            note=f"all {total:,} evidence rows (a sheet holds at most {cap:,})",
            overflow_note=(f"only the first {{shown:,}} of {{total:,}} evidence rows: a sheet "
                           f"holds at most {cap:,} rows; all of them: alpr-audit sql \"{where}\""),
            max_rows=cap, total=total, query=rows, con=store.con)


def _summary_rows(run: rd.RunInfo, pack_title: str, findings: list[Finding],
                  quiet: list[tuple[str, str]], cover: dict[str, Any], n_ev: int,
                  groups: list[dict[str, Any]], names: list[str], cap: int,
                  raw: bool) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["run", "run id", run.run_id, "latest run" if run.latest else "not the latest run"],
        ["run", "pack", run.pack, pack_title],
        ["run", "as of", run.as_of, "UTC; retention and inactivity measured against it"],
        ["run", "started", run.started_at, "UTC"],
        ["run", "finished", run.finished_at, "UTC"],
        ["run", "engine", run.engine, ""],
        ["run", "rules run", len(run.rules), ", ".join(run.rules)],
        ["run", "findings", len(findings), ""],
        ["run", "evidence rows", n_ev, f"each evidence sheet holds at most {cap:,} rows"],
        ["report", "personal values", "raw" if raw else "pseudonymised",
         "operator opt-in: do not publish" if raw else "keyed pseudonyms of this store"],
        ["data", "first record", cover["first"], "UTC"],
        ["data", "last record", cover["last"], "UTC"],
        ["data", "agencies", len(cover["agencies"]), "; ".join(cover["agencies"])],
    ]
    for k, v in sorted(run.settings.items()):
        value, origin = (v.get("value"), v.get("from", "")) if isinstance(v, dict) else (v, "")
        rows.append(["setting", k, value if isinstance(value, (int, float, str)) else str(value),
                     f"from {origin}" if origin else ""])
    from alpr_audit.audit.rules.base import SEVERITIES

    for s in SEVERITIES:
        sel = [f for f in findings if f.severity == s]
        rows.append(["severity", s, len(sel),
                     f"{sum(f.evidence_count for f in sel):,} evidence rows"])
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    for rule, sel in by_rule.items():
        rows.append(["rule", rule, len(sel), (f"{sel[0]['severity']}; {sel[0]['title']}; "
                                              f"{sum(f.evidence_count for f in sel):,} "
                                              "evidence rows")])
    rows += [["rule", rule, 0, status] for rule, status in quiet]
    rows += [["sheet", name, int(g["n"]), f"evidence of {g['rule_id']} in {g['table_name']}"
              + (f" (first {cap:,} rows)" if g["n"] > cap else "")]
             for g, name in zip(groups, names, strict=False)]
    return rows
