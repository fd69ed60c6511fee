"""Flock SharedNetworks export (XLSX/CSV) → ``sharing``.

Layout (docs/formats.md): ``Organization Name | Networks Shared With Me | Networks I'm Sharing``,
one row per organisation, each network cell a comma-joined list of Flock network names; older
exports have only the first two columns.

How the cells read (checked on OCSD's December 2025 export, 391 organisations): the export
is the *publisher's* view of its own sharing, and every row is one partner organisation.

* ``Networks Shared With Me`` lists the partner's networks whose detections the publisher may
  search — direction ``in``. The Kings County row lists ``Kings County Sheriff's Office CA``;
  the Riverside County SO row lists its contract-city networks (``City of Norco CA - RCSD`` …).
* ``Networks I'm Sharing`` lists the publisher's own networks the partner may search —
  direction ``out``. In the OCSD file these are only OCSD's 13 networks
  (``City of Dana Point CA (OCSD)``, ``John Wayne Airport (CA)`` …), whoever the partner is.

One ``sharing`` row per (organisation, network, direction): ``partner_name_raw`` is the
organisation (trimmed, markers kept as written) in both directions, because the organisation
is the agency the relationship is with; the network is staged as ``network_name`` and the
source column's label as ``relationship``. An organisation listed with no network either way
is loaded once with ``direction`` NULL. ``data_kind`` is ``detections`` (network sharing
shares plate reads; hot lists are shared elsewhere).

Separator: Flock joins names with a bare ``,``; a comma followed by a space belongs to the name
(``University of California, Berkeley``, ``Danville, CA PD Ravens`` in the OCSD file).

Markers: ``status`` is ``deactivated`` or ``inactive`` when the organisation or network name
says so (``Contra Costa County CA SO - Marsh Creek - Inactive``); an item that is only such a
word marks the other names of its cell. ``flags`` holds ``federal`` for a ``[Federal]`` prefix
and ``redacted`` where a redaction marker stands for a name.

``observed_on`` is the export date Flock writes into its file name
(``SharedNetworks_2025_December_30``, kept as the sheet name when the CSV became a workbook),
else an ISO date in the file name; a month alone (``2025-12``) is not a date and gives NULL.

Natural key: (organisation, network, direction, observed_on) as written — there is no
record id, so a later export showing the same relationship is a new observation.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.base import Plan, PlanPart, Probe, StageContext, StageResult, stage_name
from alpr_audit.ingest.tabular import (
    MAX_CELL_CHARS,
    decode_errors,
    ends_in_open_quote,
    find_header,
    open_quote_reason,
)

_APOSTROPHES = ("'", "\u2019", "\u2018", "")
SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["organization name", "organisation name", "organization", "organisation",
                     "org name"], "org"),
    **dict.fromkeys(["networks shared with me", "network shared with me", "shared with me"], "in"),
    **{f"networks i{a}m sharing": "out" for a in _APOSTROPHES},
    **{f"network i{a}m sharing": "out" for a in _APOSTROPHES},
    **dict.fromkeys(["networks i am sharing", "networks shared by me"], "out"),
}
#: Canonical fields of the network columns are the directions they stand for.
DIRECTIONS = ("in", "out")

_TRIM = " \t\n\r\xa0\u200b\ufeff"  # the characters aa_trim strips
_SEPARATOR = re.compile(r",(?![ \t\xa0])")
_STATUS_ONLY = re.compile(r"[\s(\[-]*(deactivated|inactive)[\s)\]-]*", re.I)
_DEACTIVATED = re.compile(r"\bdeactivated\b", re.I)
_INACTIVE = re.compile(r"\binactive\b", re.I)
_FEDERAL = re.compile(r"\[\s*federal\s*\]", re.I)
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_FLOCK_DATE = re.compile(r"(\d{4})[_ -]([A-Za-z]+)[_ -](\d{1,2})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

#: Stage columns built in Python, in order, and their Arrow types.
_COLUMNS = {
    "_ord": pa.int64(), "_locator": pa.string(), "_reject": pa.string(), "_raw": pa.string(),
    "_org_t": pa.string(), "partner_name_raw": pa.string(), "network_name": pa.string(),
    "direction": pa.string(), "status": pa.string(), "relationship": pa.string(),
    "flags": pa.list_(pa.string()),
}


def split_networks(cell: str | None) -> list[str]:
    """The network names of one cell, untrimmed, blanks dropped.

    Flock joins names with a bare comma; a comma followed by whitespace is part of a name.
    """
    if cell is None:
        return []
    return [part for part in _SEPARATOR.split(cell) if part.strip(_TRIM)]


def observed_date(*names: str | None) -> dt.date | None:
    """The first export date found in ``names`` (sheet name, then file name), else None."""
    for name in names:
        if not name:
            continue
        m = _FLOCK_DATE.search(name)
        if m and m.group(2).lower() in _MONTHS:
            try:
                return dt.date(int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3)))
            except ValueError:
                pass
        m = _ISO_DATE.search(name)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    return None


def _status(text: str) -> str:
    """The relationship status a name's markers give."""
    if _DEACTIVATED.search(text):
        return "deactivated"
    return "inactive" if _INACTIVE.search(text) else "active"


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _states(ctx: StageContext, texts: set[str]) -> dict[str, tuple[str, str]]:
    """text -> (trimmed text, 'empty'|'redacted'|'value') by the shared cell macros, at once."""
    if not texts:
        return {}
    ordered = sorted(texts)
    ctx.con.register("_sn_texts", pa.table({"t": pa.array(ordered, pa.string())}))
    try:
        rows = ctx.con.execute(
            "SELECT t, aa_trim(t), aa_is_empty(t), aa_is_redacted(t) FROM _sn_texts").fetchall()
    finally:
        ctx.con.unregister("_sn_texts")
    return {t: (trim or "", "empty" if empty else "redacted" if red else "value")
            for t, trim, empty, red in rows}


class FlockSharedNetworksImporter:
    """Flock SharedNetworks export → ``sharing`` (one row per organisation, network, direction)."""

    format_id: ClassVar[str] = "flock_shared_networks"
    label: ClassVar[str] = "Flock SharedNetworks export (CSV/XLSX)"
    table: ClassVar[str] = "sharing"

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan when some sheet has the organisation column and a shared-networks column."""
        try:
            if probe.kind not in ("csv", "xlsx"):
                return None
            parts: list[PlanPart] = []
            ignored: list[str] = []
            for sp in probe.sheets:
                if not any(any(c not in (None, "") for c in r) for r in sp.rows):
                    continue
                hm = (find_header(sp.rows, SYNONYMS, {"org", "in"}, 2)
                      or find_header(sp.rows, SYNONYMS, {"org", "out"}, 2))
                if hm is None:
                    ignored.append(sp.name or "")
                    continue
                header = sp.rows[hm.header_row or 0]
                # cells right of the last named header column belong to no column
                width = max(i for i, c in enumerate(header) if c is not None and c.strip()) + 1
                parts.append(PlanPart(sp.name, hm, (hm.header_row or 0) + 1, width))
            if not parts:
                return None
            return Plan(self.format_id, None, parts=tuple(parts), ignored_sheets=tuple(ignored))
        except Exception:  # sniffing must never raise
            return None

    # --- reading -------------------------------------------------------------------------

    def _rows(self, ctx: StageContext, part: PlanPart
              ) -> Iterator[tuple[int, list[str | None], str | None]]:
        """(row number, cells as text, why the row is unusable or None) of the part's data
        rows; row 1 = the first record."""
        skip = part.skip
        if ctx.probe.kind == "xlsx":
            from python_calamine import CalamineWorkbook

            from alpr_audit.core.cells import cell_text
            try:
                book = CalamineWorkbook.from_path(str(ctx.path))
                sheet = book.get_sheet_by_name(part.sheet or "")
                rows = sheet.iter_rows()
                for index, row in enumerate(rows):
                    if index >= skip:
                        yield index + 1, [cell_text(v) if v != "" else None for v in row], None
            except Exception as exc:  # calamine raises several unrelated types
                raise IngestError(f"cannot read the workbook: {exc}", path=str(ctx.path),
                                  hint="open it in a spreadsheet program and save it again as .xlsx"
                                  ) from exc
            return
        encoding = ctx.probe.encoding or "utf-8"
        try:
            yield from self._csv_rows(ctx.path, encoding, skip)
        except UnicodeDecodeError:
            if not encoding.startswith("utf-8"):
                raise IngestError(f"cannot decode the file as {encoding}", path=str(ctx.path),
                                  hint="save it again as UTF-8 CSV") from None
            # valid UTF-8 at the start only: Windows exports mix code pages this way
            yield from self._csv_rows(ctx.path, "cp1252", skip)
        except csv.Error as exc:
            raise IngestError(f"malformed CSV: {exc}", path=str(ctx.path),
                              hint="check the file's quoting, or save it again from Excel") from exc

    @staticmethod
    def _csv_rows(path: Path, encoding: str, skip: int
                  ) -> Iterator[tuple[int, list[str | None], str | None]]:
        # read whole so a decoding error surfaces before any row is yielded (no half reads)
        with path.open("r", encoding=encoding, errors=decode_errors(encoding), newline="") as fh:
            text = fh.read()
        csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
        reader = csv.reader(io.StringIO(text, newline=""))
        records, ends = [], []
        for row in reader:
            records.append(row)
            ends.append(reader.line_num)
        cut = None  # a last record cut off inside a quoted cell is rejected, not half-read
        if records and '"' in text:
            first = ends[-2] if len(ends) > 1 else 0
            lines = io.StringIO(text, newline="").readlines()[first:ends[-1]]
            if ends_in_open_quote("".join(lines)):
                cut = open_quote_reason(first + 1, ends[-1])
        for index, row in enumerate(records):
            if index >= skip:
                yield index + 1, list(row), cut if index == len(records) - 1 else None

    # --- staging -------------------------------------------------------------------------

    def stage(self, ctx: StageContext) -> StageResult:
        """Explode each organisation row into one stage row per network and direction."""
        sheet_rows = []
        texts: set[str] = set()
        for part in ctx.plan.parts:
            hm = part.header
            for rowno, cells, problem in self._rows(ctx, part):
                if all(c is None or not c.strip(_TRIM) for c in cells):
                    continue  # blank rows are not records
                sheet_rows.append((part, rowno, cells, problem))
                for i, field in enumerate(hm.fields):
                    cell = cells[i] if i < len(cells) else None
                    if field == "org" and cell is not None:
                        texts.add(cell)
                    elif field in DIRECTIONS and cell is not None:
                        texts.add(cell)
                        texts.update(split_networks(cell))
        states = _states(ctx, texts)
        out: dict[str, list[Any]] = {c: [] for c in _COLUMNS}
        for part, rowno, cells, problem in sheet_rows:
            for rec in self._records(part, rowno, cells, states, ctx.probe.kind == "xlsx",
                                     problem):
                rec["_ord"] = len(out["_ord"])  # file order
                for c in _COLUMNS:
                    out[c].append(rec.get(c))
        ctx.progress(len(sheet_rows))
        first = ctx.plan.parts[0].sheet
        observed = observed_date(first, ctx.path.name)
        self._create_stage(ctx, pa.table({c: pa.array(v, t) for (c, t), v in
                                          zip(_COLUMNS.items(), out.values(), strict=False)}), observed)
        source = None if observed is None else (
            "sheet name" if observed_date(first) == observed else "file name")
        return StageResult(0, None, ctx.publisher, tables=(self.table,),
                           details={"organisations": len(sheet_rows),
                                    "observed_on": observed and observed.isoformat(),
                                    "observed_on_from": source},
                           constants={"data_kind": "detections"})

    def _records(self, part: PlanPart, rowno: int, cells: list[str | None],
                 states: dict[str, tuple[str, str]], workbook: bool,
                 problem: str | None = None) -> Iterator[dict[str, Any]]:
        """Stage records of one organisation row (one reject when the row is unusable)."""
        hm = part.header
        ncols = part.width if part.width is not None else len(hm.fields)
        sheet = part.sheet

        def where(col: int | None, item: int | None = None) -> str:
            cell = "" if col is None else _col_letter(col)
            loc = f"{sheet}!{cell}{rowno}" if workbook else (
                f"row {rowno}" + (f" col {cell}" if cell else ""))
            return loc if item is None else f"{loc} #{item}"

        raw = json.dumps(dict(zip(hm.headers[:ncols], cells[:ncols], strict=False)) | (
            {"beyond header": cells[ncols:]} if len(cells) > ncols else {}), ensure_ascii=False)
        if problem:
            yield {"_locator": where(None), "_raw": raw, "_reject": problem}
            return
        if any(c is not None and c.strip(_TRIM) for c in cells[ncols:]):
            yield {"_locator": where(None), "_raw": raw,
                   "_reject": f"cells beyond the {ncols} header columns"}
            return
        org_col = hm.fields.index("org")
        org = cells[org_col] if org_col < len(cells) else None
        org_t, org_state = states.get(org, ("", "empty")) if org is not None else ("", "empty")
        if org_state == "empty":
            yield {"_locator": where(org_col), "_raw": raw,
                   "_reject": f"{hm.headers[org_col]} is empty: a sharing row needs the partner"}
            return
        base_flags = ["federal"] if _FEDERAL.search(org_t) else []
        base = {"_org_t": org_t, "partner_name_raw": org_t if org_state == "value" else None}
        if org_state == "redacted":
            base_flags.append("redacted")
        emitted = False
        for col, field in enumerate(hm.fields):
            cell = cells[col] if col < len(cells) else None
            if field not in DIRECTIONS or cell is None:
                continue
            if states.get(cell, ("", "empty"))[1] == "empty":
                continue
            items = [(k, states[i]) for k, i in enumerate(split_networks(cell), start=1)]
            markers = [t for _, (t, s) in items if s == "value" and _STATUS_ONLY.fullmatch(t)]
            names: list[tuple[int | None, str | None, str]] = [(k, t, s) for k, (t, s) in items
                     if s != "empty" and not (s == "value" and _STATUS_ONLY.fullmatch(t))]
            if not names:  # only a marker: the direction is there, its networks unnamed
                names = [(None, None, "value")]
            for k, text, state in names:
                flags = list(base_flags)
                if text and _FEDERAL.search(text) and "federal" not in flags:
                    flags.append("federal")
                if state == "redacted" and "redacted" not in flags:
                    flags.append("redacted")
                yield base | {
                    "_locator": where(col, k),
                    "network_name": text if state == "value" else None,
                    "direction": field,
                    "status": _status(" ".join([org_t, text or "", *markers])),
                    "relationship": hm.headers[col],
                    "flags": flags,
                }
                emitted = True
        if not emitted:  # listed, but no network named either way
            yield base | {"_locator": where(org_col), "status": _status(org_t), "flags": base_flags}

    def _create_stage(self, ctx: StageContext, tbl: pa.Table, observed: dt.date | None) -> None:
        stage = stage_name(self.table)
        ctx.con.execute(f"DROP TABLE IF EXISTS {stage}")
        ctx.con.register("_sn_rows", tbl)
        day = "NULL" if observed is None else f"DATE '{observed.isoformat()}'"
        try:
            # No record id: identical keys inside one file stay distinct (occurrence number).
            ctx.con.execute(f"""CREATE TEMP TABLE {stage} AS
                SELECT _locator, _reject, CASE WHEN _reject IS NOT NULL THEN _raw END AS _raw,
                  hash(_org_t, network_name, direction, {day}) AS _kb, false AS _has_id,
                  partner_name_raw, network_name, direction, status, relationship, flags,
                  CAST({day} AS DATE) AS observed_on
                FROM _sn_rows ORDER BY _ord""")
        finally:
            ctx.con.unregister("_sn_rows")
