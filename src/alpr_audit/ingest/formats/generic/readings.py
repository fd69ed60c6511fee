"""Row-level exports an agency keeps of its own system (CSV/XLSX): the shared base, and hits.

No vendor publishes a standard layout for these; agencies answering a records request export
something like ``Agency,Read ID,Camera,Plate,Plate State,Read Time,Latitude,Longitude``
(plate reads, :mod:`.detections`), ``Agency,Alert ID,Read ID,Hotlist,Alert Time,Disposition``
(hot-list hits, here) or a list of sharing agreements (:mod:`.agreements`). Columns are found
by name, case- and space-insensitively, through synonym tables; the CSV path is DuckDB's
vectorised reader (files of 10^8 reads), never a Python loop per row.

The shared rules (:class:`AgencyRowsImporter`):

* **Publisher.** An ``Agency`` column names the agency whose records these are; the
  pipeline stores one publisher per file, so every row must name the same agency (empty
  cells mean that agency). A file mixing agencies is refused with a hint to split it, not
  mis-attributed. Without the column, the publisher is ``--agency``.
* **Telling formats apart.** Each importer declares header names that belong to another
  format (a ``Reason`` column makes a search log, a ``Hotlist`` column a hits list); a sheet
  holding one is not claimed.
* **Personal data.** A plate cell never reaches the store, not even a reject's raw text: the
  importers mask it in ``_raw`` (detections write the plate's pseudonym there).

Hits (``hits``): ``hit_id`` is the alert id, ``detection_id`` the read that matched,
``hit_at`` the alert time by the shared timestamp rules (naive text is UTC). A row without a
parseable alert time is rejected. Natural key: the alert id when the row has one; else
(read id, hot list, alert time) — not the disposition, which officers update after the fact,
so a re-export with a changed disposition is recognised as the same hit.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

import pyarrow as pa

from alpr_audit.core import sql
from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.base import Plan, PlanPart, Probe, StageContext, StageResult, stage_name
from alpr_audit.ingest.tabular import HeaderMap, norm_header
from alpr_audit.ingest.tabular_importer import TabularImporter

_NULL = "CAST(NULL AS VARCHAR)"
#: Seen times outside these years are misreadings (a two-digit year read as year 24).
YEAR_MIN, YEAR_MAX = 1990, 2099


def variants(*names: str) -> list[str]:
    """Header spellings of ``names``: as written, run together, with ``_`` or ``-``."""
    out: list[str] = []
    for name in names:
        for v in (name, name.replace(" ", ""), name.replace(" ", "_"), name.replace(" ", "-")):
            if v not in out:
                out.append(v)
    return out


def syn(field: str, *names: str) -> dict[str, str]:
    """Synonym entries mapping every spelling of ``names`` to ``field``."""
    return dict.fromkeys(variants(*names), field)


def raw_json(hm: HeaderMap, override: dict[int, str] | None = None) -> str:
    """SQL for a reject's raw text: a JSON object header -> cell (``override``: index -> SQL)."""
    override = override or {}
    pairs = ", ".join(f'{sql.string(h)}, {override.get(i, f"c{i}")}' for i, h in enumerate(hm.headers))
    return f"json_object({pairs})::VARCHAR"


#: The forms machine exports write (``2025-03-01T17:04:05Z``, ``2025-03-01 17:04:05``). For any
#: text one of them reads, it is also the first form of ``cells.TIMESTAMP_FORMATS`` that
#: matches (the forms before it need a ``/``, a ``.`` or a ``T``), so trying them first gives
#: the same value as ``aa_ts_t`` alone — 4x faster on 10^8 cells, where the whole list is tried
#: form by form.
FAST_TIMESTAMP_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S")


def ts_sql(t: str) -> str:
    """SQL for the shared timestamp rule on trimmed text ``t`` (naive UTC), fast forms first."""
    forms = ", ".join(sql.string(f) for f in FAST_TIMESTAMP_FORMATS)
    # the digit test keeps out the words strptime reads whatever the form ('epoch', 'infinity')
    return (f"CASE WHEN ascii({t}) BETWEEN 48 AND 57 THEN "
            f"coalesce(try_strptime({t}, [{forms}]), aa_ts_t({t})) END")


def bad_time_reason(label: str, t: str, parsed: str) -> list[str]:
    """CASE branches rejecting a required timestamp cell that is empty, withheld or unreadable."""
    found = f"'\"' || {t} || '\"'"
    return [
        f"WHEN aa_empty_t({t}) THEN {sql.string(label + ' empty: a record needs its time')}",
        (f"WHEN {parsed} IS NULL AND aa_redacted_t({t}) THEN "
        f"{sql.string(label + ' redacted: a record needs its time')}"),
        (f"WHEN {parsed} IS NULL THEN {sql.string(label + ': expected a timestamp such as ')}"
        f" || '\"2025-03-01T17:04:05Z\" or \"3/1/2025 9:04:05 AM\", found ' || {found}"),
        (f"WHEN year({parsed}) NOT BETWEEN {YEAR_MIN} AND {YEAR_MAX} THEN "
        f"{sql.string(label + f': year outside {YEAR_MIN}..{YEAR_MAX} (a two-digit year?), found ')}"
        f" || {found}"),
    ]


def mask_cells(cells: list[str | None], index: int, width: int,
               mask: Callable[[str], str]) -> list[str | None]:
    """``cells`` with the cell at ``index`` masked, and its neighbours within ``width`` (a
    ragged row may have shifted the plate by as many cells as it has too many or too few)."""
    out = list(cells)
    for i in range(max(0, index - width), min(len(out), index + width + 1)):
        if out[i] not in (None, ""):
            out[i] = mask(out[i])  # type: ignore[arg-type]
    return out


class AgencyRowsImporter(TabularImporter):
    """Shared sniff/stage rules of row-level exports with an optional ``Agency`` column."""

    #: normalised header names that mean the sheet is another format
    foreign: ClassVar[frozenset[str]] = frozenset()
    #: field holding a plate (masked in rejects' raw text), if the format may carry one
    plate_field: ClassVar[str | None] = None

    def sniff(self, probe: Probe) -> Plan | None:
        try:
            plan = super().sniff(probe)
        except Exception:  # noqa: BLE001 - a sniffer must never raise; what it cannot read is not its format
            return None
        if plan is None:
            return None
        keep: list[PlanPart] = []
        dropped: list[PlanPart] = []
        for part in plan.parts:
            names = {norm_header(h) for h in part.header.headers}
            (dropped if names & self.foreign else keep).append(part)
        if not keep:
            return None
        return replace(plan, parts=tuple(keep), ignored_sheets=(
            *plan.ignored_sheets, *(p.sheet or "" for p in dropped)))

    def stage(self, ctx: StageContext) -> StageResult:
        try:
            return super().stage(ctx)
        except BaseException:
            ctx.con.execute(f"DROP TABLE IF EXISTS {stage_name(self.table)}")
            raise

    # --- after the rows are staged ---------------------------------------------------------

    def publisher(self, ctx: StageContext) -> tuple[str | None, dict[str, Any]]:
        """The agency the file's ``Agency`` column names (``_agency``), else ``--agency``.

        IngestError when loaded rows name several agencies: the store keeps one publisher per
        file, and guessing would attribute records to the wrong agency.
        """
        stage = stage_name(self.table)
        cols = {r[0] for r in ctx.con.execute(f"DESCRIBE {stage}").fetchall()}
        if "_agency" not in cols:
            return ctx.publisher, {"publisher_source": "--agency" if ctx.publisher else None}
        rows = ctx.con.execute(f"""
            SELECT first(_agency ORDER BY n DESC, _agency) AS name, sum(n) AS rows FROM (
              SELECT _agency, lower(regexp_replace(_agency, '\\s+', ' ', 'g')) AS k, count(*) AS n
              FROM {stage} WHERE _reject IS NULL AND _agency IS NOT NULL GROUP BY ALL)
            GROUP BY k ORDER BY rows DESC, name LIMIT 6""").fetchall()
        if not rows:
            return ctx.publisher, {"publisher_source": "--agency" if ctx.publisher else None}
        if len(rows) > 1:
            listed = "; ".join(f"{name} ({n:,} rows)" for name, n in rows[:5])
            more = " …" if len(rows) > 5 else ""
            column = _agency_header(ctx)
            raise IngestError(
                f"the {column} column names several agencies: {listed}{more}",
                path=str(ctx.path),
                hint="alpr-audit keeps one agency's records per file: split the file by its "
                     f"{column} column and ingest each part",
            )
        name = rows[0][0]
        details: dict[str, Any] = {"publisher_source": "Agency column"}
        if ctx.publisher and norm_header(ctx.publisher) != norm_header(name):
            details["agency_option_differs"] = ctx.publisher  # the file's own column wins
        return name, details

    def mask_reader_rejects(self, ctx: StageContext, mask: Callable[[str], str]) -> int:
        """Mask the plate in raw text of rows the reader rejected before the SELECT saw them
        (ragged CSV lines, workbook rows wider than the header); returns how many."""
        if self.plate_field is None:
            return 0
        stage = stage_name(self.table)
        todo = ctx.con.execute(
            f"SELECT rowid, _raw, _reject, _pidx, _ncols FROM {stage} WHERE _rawmask "
            "AND _pidx IS NOT NULL AND _raw IS NOT NULL").fetchall()
        if not todo:
            return 0
        ids, texts = [], []
        for rowid, text, reason, pidx, ncols in todo:
            ids.append(rowid)
            texts.append(_mask_raw(text, reason, pidx, ncols, mask))
        ctx.con.register("_masked", pa.table({"rid": pa.array(ids, pa.int64()),
                                              "raw": pa.array(texts, pa.string())}))
        try:
            ctx.con.execute(f"UPDATE {stage} SET _raw = m.raw FROM _masked m "
                            f"WHERE {stage}.rowid = m.rid")
        finally:
            ctx.con.unregister("_masked")
        return len(ids)


def _agency_header(ctx: StageContext) -> str:
    """The header of the agency column as the file writes it (for messages)."""
    for part in ctx.plan.parts:
        hm = part.header
        if "agency" in hm.fields:
            return hm.headers[hm.fields.index("agency")]
    return "Agency"


def _mask_raw(text: str, reason: str, pidx: int, ncols: int, mask: Callable[[str], str]) -> str:
    """Mask the plate in a reader reject's raw text.

    Two shapes keep the plate's place: a workbook row wider than the header (a JSON list whose
    cells stay in their columns, ``tabular.sheet_batches``) and a ragged CSV line (the plate
    shifted by at most as many cells as the line has too many or too few). Any other reader
    reject — a record cut off inside a quoted cell, which may have swallowed the lines after
    it — has every cell masked.
    """
    if reason.startswith("cells beyond"):
        try:
            cells = json.loads(text)
        except ValueError:
            cells = None
        if isinstance(cells, list):
            return json.dumps(mask_cells(cells, pidx, 0, mask), ensure_ascii=False)
        return mask(text)
    try:
        cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    except csv.Error:
        return mask(text)
    if reason.startswith("expected "):
        masked = mask_cells(cells, pidx, abs(len(cells) - ncols), mask)
    else:
        masked = mask_cells(cells, 0, len(cells), mask)
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(masked)
    return out.getvalue()


def meta_columns(hm: HeaderMap, plate_field: str | None) -> str:
    """Select-list items telling :meth:`AgencyRowsImporter.mask_reader_rejects` what to mask."""
    pidx = hm.fields.index(plate_field) if plate_field in hm.fields else None
    return (f"_reject IS NOT NULL AS _rawmask, CAST({'NULL' if pidx is None else pidx} AS INTEGER)"
            f" AS _pidx, CAST({len(hm.fields)} AS INTEGER) AS _ncols")


def trimmed(hm: HeaderMap) -> str:
    """``aa_trim`` of every mapped column, named ``t_<field>``."""
    cols = [f'aa_trim("c{i}") AS t_{f}' for i, f in enumerate(hm.fields) if f]
    return ", ".join(cols) or "1 AS _none"


def t_or_null(hm: HeaderMap, field: str) -> str:
    return f"t_{field}" if field in hm.fields else _NULL


# --- hits ---------------------------------------------------------------------------------

AGENCY_SYNONYMS: dict[str, str] = syn("agency", "agency", "agency name", "organization",
                                      "organisation", "org name", "department")
PLATE_SYNONYMS: dict[str, str] = syn("plate", "plate", "license plate", "licence plate",
                                     "plate number", "license plate number", "lpn",
                                     "plate text", "tag", "plate read")

HIT_SYNONYMS: dict[str, str] = {
    **AGENCY_SYNONYMS,
    # not a bare "ID": a plate-read export has one too
    **syn("hit_id", "alert id", "hit id", "alert number", "hit number", "alert no"),
    **syn("detection_id", "read id", "detection id", "read number", "detection number"),
    **syn("hotlist", "hotlist", "hot list", "hot-list", "list", "hotlist name", "hot list name",
          "list name", "alert list"),
    **syn("hit_at", "alert time", "hit time", "timestamp", "alert date", "hit date",
          "date time", "datetime", "date/time", "alert time (utc)", "hit time (utc)",
          "alerted at", "time"),
    **syn("disposition", "disposition", "status", "outcome", "result", "alert disposition"),
    **PLATE_SYNONYMS,
}

#: Headers of search logs and event logs: a sheet with one of them is not a hits list.
HIT_FOREIGN = frozenset(variants("reason", "search reason", "purpose", "case number",
                                 "searched at", "event type", "entity type", "partner",
                                 "signed on", "date signed"))


def build_hits(hm: HeaderMap, relation: str) -> str:
    """The SELECT turning text columns ``c0…cN`` of a hits list into ``hits`` stage rows."""
    f = hm.fields
    label = {field: hm.headers[i] for i, field in enumerate(f) if field}
    rejects = bad_time_reason(label["hit_at"], "t_hit_at", "hit_at")
    agency = "aa_text_t(t_agency)" if "agency" in f else _NULL
    override: dict[int, str] = {}
    if "plate" in f:  # a plate never reaches the store, not even a reject's raw text
        i = f.index("plate")
        override[i] = f"CASE WHEN aa_text_t(t_plate) IS NULL THEN c{i} ELSE '[plate withheld]' END"
    return f"""
SELECT _locator, _rj AS _reject,
  CASE WHEN _rj IS NOT NULL THEN coalesce(_raw, {raw_json(hm, override)}) END AS _raw,
  CASE WHEN hit_id IS NOT NULL THEN hash(hit_id) ELSE hash(detection_id, hotlist, hit_at) END
    AS _kb,
  hit_id IS NOT NULL AS _has_id,
  hit_id, detection_id, hotlist, hit_at, disposition, _agency,
  {meta_columns(hm, "plate")}
FROM (SELECT *, CASE WHEN _reject IS NOT NULL THEN _reject {" ".join(rejects)} END AS _rj
  FROM (SELECT *,
      aa_text_t({t_or_null(hm, 'hit_id')}) AS hit_id,
      aa_text_t({t_or_null(hm, 'detection_id')}) AS detection_id,
      aa_text_t({t_or_null(hm, 'hotlist')}) AS hotlist,
      {ts_sql('t_hit_at')} AS hit_at,
      aa_text_t({t_or_null(hm, 'disposition')}) AS disposition,
      {agency} AS _agency
    FROM (SELECT *, {trimmed(hm)} FROM {relation})))"""


def _withheld(_: str) -> str:
    return "[plate withheld]"


class HitsImporter(AgencyRowsImporter):
    """Row-level hot-list hits (CSV/XLSX) → ``hits``."""

    format_id: ClassVar[str] = "hits_csv"
    label: ClassVar[str] = ("Row-level hot-list hits "
                            "(CSV/XLSX: Alert ID, Read ID, Hotlist, Alert Time)")
    table: ClassVar[str] = "hits"
    synonyms = HIT_SYNONYMS
    # an alert time plus what only a hit has: its alert id or the hot list it matched
    required_any = ({"hit_at", "hotlist"}, {"hit_at", "hit_id"})
    min_fields = 3
    foreign = HIT_FOREIGN
    plate_field = "plate"

    def build(self, hm: HeaderMap, relation: str) -> str:
        return build_hits(hm, relation)

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        masked = self.mask_reader_rejects(ctx, _withheld)
        publisher, details = self.publisher(ctx)
        if masked:
            details["plates_masked_in_rejects"] = masked
        return StageResult(locator_base, None, publisher, details=details, tables=(self.table,))
