"""Agency response workbooks: one XLSX answering the standard ALPR request item by item.

Sheets and the tables they fill (roles are recognised in ``response_items``):

* ``A1``…``A4`` → ``sharing``: A1 out/detections, A2 in/detections, A3 out/hotlist, A4
  in/hotlist (one ``ORGANIZATION NAME`` column, or the four items side by side on one sheet);
* ``B1&2`` → ``detection_counts``: one record per sheet, the period from its period line,
  B1 detections and B2 hits as the agency reported them, as separate items;
* ``Users`` → ``users``; ``Audit`` → ``searches`` (log kind ``response_workbook``);
* ``OtherAgencies`` → ``external_access_counts``: one record per month and year that holds
  a count. A ``-``/blank cell is "not applicable" (a month not yet over, or before the
  system): it holds no count and is not a record, like a blank row. A ``Total`` row is
  checked against the months' sum (``details``), not loaded: it would count them twice;
* ``Request`` → no table yet: the items and the agency's dispositions go to ``details``.

Audit ``DateTime`` cells are the agency's local wall time and the workbook never says which
zone. They are stored as written (the cell rules' naive reading), the text is kept in
``searched_at_raw`` on every row, and ``details['audit_time_zone']`` says the zone is unknown:
convert them when the agency's zone is known.

A sheet whose name names an item but whose header cannot be found is not skipped: its rows
are rejected with ``Sheet!row`` locators. Sheets that answer nothing known are named in the
plan's ``ignored_sheets`` (the ledger's details and the ingest message).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, ClassVar

import pyarrow as pa
from xlsxwriter.utility import xl_rowcol_to_cell

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.core.cells import cell_text, parse_int
from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.base import PUBLISHER, Plan, Probe, StageContext, StageResult, stage_name
from alpr_audit.ingest.formats.generic.response_items import (
    SHARING_ITEMS,
    SheetRole,
    cells,
    classify,
    count_row,
    day_end,
    find_as_of,
    find_dates,
    find_publisher,
    is_none_statement,
    item_id,
    join_date_time,
    kind_from_name,
    month_end,
    norm,
    parse_month,
    parse_month_year,
    title_rows,
)

Row = list[str | None]
LOG_KIND = "response_workbook"
_RESAVE = "open it in a spreadsheet program and save it again as .xlsx"
TIME_ZONE_NOTE = ("unknown: the workbook gives the agency's local wall time without a zone; "
                  "searched_at holds it as written (not converted to UTC), searched_at_raw "
                  "keeps the text")


class ResponseWorkbookImporter:
    """An agency's response workbook → sharing, detection_counts, users, searches, …"""

    format_id: ClassVar[str] = "response_workbook"
    label: ClassVar[str] = "Agency response workbook (answers to the standard ALPR request, by item)"
    table: ClassVar[str] = "sharing"

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan when the workbook answers request items: a Request sheet, an item-named
        sheet whose content fits, or two different items recognised by content."""
        if probe.kind != "xlsx":
            return None
        try:
            roles = [classify(sp.name or "", sp.rows) for sp in probe.sheets]
        except Exception:  # sniffing must never raise
            return None
        confirmed = [r for r in roles if r.confirmed]
        kinds = {r.kind for r in confirmed}
        named = any(kind_from_name(r.sheet)[1] in (*SHARING_ITEMS, "B1", "B2", "B1&2")
                    for r in confirmed)
        if not ("request" in kinds or len(kinds) >= 2 or named):
            return None
        ignored = tuple(r.sheet for r in roles if r.kind == "unknown")
        return Plan(self.format_id, LOG_KIND, ignored_sheets=ignored, details={"roles": roles})

    def stage(self, ctx: StageContext) -> StageResult:
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(ctx.path))
        except Exception as exc:
            raise IngestError(f"cannot read the workbook: {exc}", path=str(ctx.path),
                              hint=_RESAVE) from exc
        roles: list[SheetRole] = ctx.plan.details["roles"]
        book = _Book(ctx)
        sheets = {}
        for role in roles:
            if role.kind in ("unknown", "empty"):
                continue
            ctx.set_total(None)
            try:
                sheets[role.sheet] = [[cell_text(v) if v != "" else None for v in r]
                                      for r in wb.get_sheet_by_name(role.sheet).iter_rows()]
            except Exception as exc:  # calamine raises several unrelated types
                raise IngestError(f"cannot read sheet {role.sheet!r}: {exc}", path=str(ctx.path),
                                  locator=role.sheet, hint=_RESAVE) from exc
        # the request sheet first: it may name the agency and the response date
        for role in sorted((r for r in roles if r.sheet in sheets), key=lambda r: r.kind != "request"):
            book.read(role, sheets[role.sheet])
        return book.finish()


class _Book:
    """Rows gathered per target table while the sheets are read, then staged at once."""

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.details: dict[str, Any] = {"sheets": [], "request_items": [], "statements": []}
        self.publisher: str | None = None
        self.publisher_at: str | None = None
        self.response_date: dt.date | None = None
        self.order = [r.sheet for r in ctx.plan.details["roles"]]

    # --- reading ---------------------------------------------------------------------------

    def read(self, role: SheetRole, rows: list[Row]) -> None:
        titles = title_rows(rows, role)
        if self.publisher is None and (found := find_publisher(titles)):
            self.publisher, self.publisher_at = found, role.sheet
        table = TABLE_OF.get(role.kind)
        before = len(self.rows.get(table, [])) if table else 0
        if role.kind == "request":
            self._request(role, rows, titles)
        elif not role.confirmed:
            self._reject_sheet(role, rows, table)  # type: ignore[arg-type]
        elif role.kind == "sharing":
            self._sharing(role, rows, titles)
        elif role.kind == "counts":
            self._counts(role, rows)
        elif role.kind == "other_agencies":
            self._other(role, rows)
        else:  # users, audit: one record per row under the header
            self._plain(role, rows, table)  # type: ignore[arg-type]
        n = len(self.rows.get(table, [])) - before if table else 0
        self.details["sheets"].append({"sheet": role.sheet, "kind": role.kind, "item": role.item,
                                       "table": table, "records": n, "note": role.note})
        self.ctx.progress(n)

    def _add(self, table: str, sheet: str, row_no: int, values: dict[str, Any],
             raw: Any, reject: str | None = None, col: int | None = None) -> None:
        loc = f"{sheet}!{row_no + 1}" if col is None else f"{sheet}!{xl_rowcol_to_cell(row_no, col)}"
        rec = {"_locator": loc, "_reject": reject, "_raw": json.dumps(raw, ensure_ascii=False),
               "_order": (self.order.index(sheet), row_no, col or 0), **values}
        self.rows.setdefault(table, []).append(rec)

    def _data(self, role: SheetRole, rows: list[Row]) -> list[tuple[int, Row]]:
        start = 0 if role.header_row is None else role.header_row + 1
        return [(i, r) for i, r in enumerate(rows) if i >= start and cells(r)]

    def _reject_sheet(self, role: SheetRole, rows: list[Row], table: str) -> None:
        reason = f"sheet {role.sheet!r}: {role.note}; expected the layout docs/formats.md describes"
        for i, r in enumerate(rows):
            if cells(r):
                self._add(table, role.sheet, i, {}, r, reason)

    def _request(self, role: SheetRole, rows: list[Row], titles: list[str]) -> None:
        self.response_date = self.response_date or find_as_of(titles)
        cols = role.columns
        for i, r in self._data(role, rows):
            cs = cells(r)
            label = norm(cs[0])
            if label in ("agency", "agency name", "responding agency", "department") and len(cs) > 1:
                if self.publisher is None:
                    self.publisher, self.publisher_at = cs[1], f"{role.sheet}!{i + 1}"
                continue
            if label in ("date", "response date", "date of response", "as of") and len(cs) > 1:
                self.response_date = self.response_date or next(iter(find_dates(cs[1])), None)
                continue

            def at(f: str, r: Row = r) -> str | None:
                j = cols.get(f)
                return (r[j] or "").strip() if j is not None and j < len(r) and r[j] else None

            written = at("item")
            self.details["request_items"].append({
                "item": written,
                "item_id": item_id(written, whole=True),
                "text": at("text") if "text" in cols else None,
                "disposition": at("disposition"),
                "locator": f"{role.sheet}!{i + 1}",
            })

    def _sharing(self, role: SheetRole, rows: list[Row], titles: list[str]) -> None:
        observed = find_as_of(titles) or self.response_date
        combined: dict[str | None, int] = {
            k[5:]: j for k, j in role.columns.items() if k.startswith("item:")}
        targets = combined or {role.item: role.columns["org"]}
        for i, r in self._data(role, rows):
            for item, j in targets.items():
                text = (r[j] or "").strip() if j < len(r) and r[j] else None
                col = j if combined else None
                if text is None:
                    if not combined:  # other cells but no name: keep it visible
                        self._add("sharing", role.sheet, i, {}, r, "ORGANIZATION NAME is empty")
                    continue
                if is_none_statement(text):
                    self.details["statements"].append(
                        {"item": item, "locator": f"{role.sheet}!{i + 1}", "text": text})
                    continue
                direction, kind = SHARING_ITEMS[item]  # type: ignore[index]
                parsed = parse_agency_name(text)
                status = ("inactive" if text.lower().startswith("inactive") else "deactivated") \
                    if parsed.deactivated else "active"
                self._add("sharing", role.sheet, i, {
                    "name": text, "direction": direction, "data_kind": kind, "status": status,
                    "flags": ["federal"] if parsed.is_federal else [],
                    "observed_on": observed.isoformat() if observed else None,
                }, r if not combined else {item: text}, col=col)

    def _counts(self, role: SheetRole, rows: list[Row]) -> None:
        found: dict[str, tuple[int, str | None, Row]] = {}
        lines = []
        for i, r in enumerate(rows):
            got = count_row(r)
            if got and got[0] not in found:
                found[got[0]] = (i, got[1], r)
            elif not got and len(find_dates(" ".join(cells(r)))) >= 1:
                lines.append(" ".join(cells(r)))
        if not found:
            self.details["statements"].append(
                {"item": "B1&2", "locator": role.sheet, "text": " / ".join(
                    " ".join(cells(r)) for r in rows if cells(r))})
            return
        dates = [d for line in lines for d in find_dates(line)]
        first = min(i for i, _, _ in found.values())
        det, hits = found.get("detections"), found.get("hits")
        self.details["period"] = {"text": " / ".join(lines) or None,
                                  "end": "the stated end date is included (end of that day)"}
        self._add("detection_counts", role.sheet, first, {
            "period_start": dates[0].isoformat() if len(dates) >= 2 else None,
            "period_end": day_end(dates[1]) if len(dates) >= 2 else None,
            "period_text": " / ".join(lines) or None,
            "detections": det[1] if det else None, "hits": hits[1] if hits else None,
            "basis": "B1 detections and B2 hits as the agency reported them, as separate "
                     "request items; whether detections include hits is not stated",
        }, {k: v[2] for k, v in found.items()})

    def _other(self, role: SheetRole, rows: list[Row]) -> None:
        cols = role.columns
        years = {int(k[5:]): j for k, j in cols.items() if k.startswith("year:")}
        sums: dict[int, int] = {}
        for i, r in self._data(role, rows):
            label = (r[cols["month"]] or "").strip() if cols["month"] < len(r) else ""
            if years:
                month = parse_month(label)
                cells_at = [(y, j) for y, j in years.items()]
            else:
                ym = parse_month_year(label)
                month = ym[1] if ym else None
                cells_at = [(ym[0] if ym else 0, cols["count"])]
            if norm(label).startswith("total") and years:
                self._total(role, i, r, years, sums)
                continue
            for year, j in cells_at:
                text = (r[j] or "").strip() if j < len(r) and r[j] else ""
                if not text or is_none_statement(text):
                    continue  # not applicable: no count, so no record
                reject = None if month else f"Month: expected a month, found {label!r}"
                start = dt.datetime(year, month, 1) if month else None
                self._add("external_access_counts", role.sheet, i, {
                    "period_start": start.isoformat() if start else None,
                    "period_end": month_end(year, month) if month else None,
                    "accesses": text,
                }, {"Month": label, str(year or "count"): text}, reject, col=j)
                if month and (n := parse_int(text)) is not None:
                    sums[year] = sums.get(year, 0) + n

    def _total(self, role: SheetRole, i: int, r: Row, years: dict[int, int],
               sums: dict[int, int]) -> None:
        for year, j in years.items():
            stated = (r[j] or "").strip() if j < len(r) and r[j] else None
            self.details.setdefault("external_access_totals", []).append({
                "locator": f"{role.sheet}!{xl_rowcol_to_cell(i, j)}", "year": year,
                "stated": stated, "sum_of_months": sums.get(year, 0),
                "matches": parse_int(stated) == sums.get(year, 0),
            })

    def _plain(self, role: SheetRole, rows: list[Row], table: str) -> None:
        fields = role.columns
        heads = rows[role.header_row] if role.header_row is not None else []
        width = max((j + 1 for j, c in enumerate(heads) if c), default=1)
        for i, r in self._data(role, rows):
            values = {f: (r[j] if j < len(r) else None) for f, j in fields.items()}
            if table == "searches" and values.get("when") is None:
                values["when"] = join_date_time(values.get("date"), values.get("time"))
            raw = {(heads[j] if j < len(heads) and heads[j] else f"column {j + 1}"): r[j]
                   for j in range(len(r)) if r[j] is not None}
            extra = any((r[j] or "").strip() for j in range(width, len(r)))
            self._add(table, role.sheet, i, values, raw,
                      f"cells beyond the {width} header columns" if extra else None)

    # --- staging ---------------------------------------------------------------------------

    def finish(self) -> StageResult:
        ctx = self.ctx
        tables = []
        for table in ("sharing", "detection_counts", "users", "searches", "external_access_counts"):
            if table not in self.rows and not any(s["table"] == table for s in self.details["sheets"]):
                continue
            rows = sorted(self.rows.get(table, []), key=lambda r: r["_order"])
            _stage(ctx, table, rows)
            tables.append(table)
        publisher = ctx.publisher or self.publisher
        self.details["publisher_source"] = ("--agency" if ctx.publisher else self.publisher_at)
        if "searches" in tables:
            self.details["audit_time_zone"] = TIME_ZONE_NOTE
        unknown = [{"sheet": r.sheet, "item": r.item, "note": r.note}
                   for r in ctx.plan.details["roles"] if r.kind == "unknown"]
        if unknown:
            self.details["unknown_sheets"] = unknown
        return StageResult(0, LOG_KIND, publisher, self.details, tuple(tables),
                           constants={"searcher_agency_id": PUBLISHER})


def _stage(ctx: StageContext, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Create ``stage_<table>`` from gathered rows through the table's SELECT."""
    sql, columns = SQL[table]
    data: dict[str, pa.Array] = {}
    for c in ("_locator", "_reject", "_raw", *columns):
        typ = pa.list_(pa.string()) if c == "flags" else pa.string()
        data[c] = pa.array([r.get(c) for r in rows], type=typ)
    con = ctx.con
    con.register("_rw_rows", pa.table(data))
    try:
        con.execute(f"DROP TABLE IF EXISTS {stage_name(table)}")
        con.execute(f"CREATE TEMP TABLE {stage_name(table)} AS {sql.format(rel='_rw_rows')}")
    finally:
        con.unregister("_rw_rows")


TABLE_OF = {"sharing": "sharing", "counts": "detection_counts", "users": "users",
            "audit": "searches", "other_agencies": "external_access_counts"}

_EMPTY_LIST = "CAST([] AS VARCHAR[])"

#: table -> (SELECT over the gathered text rows {rel}, the value columns those rows carry).
#: Every SELECT keeps an earlier ``_reject`` and adds its own cell checks.
SQL: dict[str, tuple[str, tuple[str, ...]]] = {
    "sharing": ("""
SELECT _locator, _reject, _raw, hash(direction, data_kind, coalesce(_t, '')) AS _kb,
  false AS _has_id, CASE WHEN _red THEN NULL ELSE _t END AS partner_name_raw,
  direction, data_kind, CASE WHEN _red THEN NULL ELSE status END AS status,
  CAST(observed_on AS DATE) AS observed_on,
  CASE WHEN _red THEN ['redacted'] ELSE flags END AS flags
FROM (SELECT *, aa_trim(name) AS _t, aa_redacted_t(aa_trim(name)) AS _red FROM {rel})""",
                ("name", "direction", "data_kind", "status", "flags", "observed_on")),
    "detection_counts": ("""
SELECT _locator, coalesce(_reject, CASE
    WHEN aa_bad_t(_d, _dn) AND NOT aa_redacted_t(_d)
      THEN 'B1 (detections): expected a whole number, found "' || _d || '"'
    WHEN aa_bad_t(_h, _hn) AND NOT aa_redacted_t(_h)
      THEN 'B2 (hits): expected a whole number, found "' || _h || '"' END) AS _reject,
  _raw, hash(period_start, period_end, _dn, _hn) AS _kb, false AS _has_id,
  CAST(period_start AS TIMESTAMP) AS period_start, CAST(period_end AS TIMESTAMP) AS period_end,
  period_text, CAST(NULL AS VARCHAR) AS system, _dn AS detections, _hn AS hits,
  CAST(NULL AS BIGINT) AS total_records, basis
FROM (SELECT *, aa_trim(detections) AS _d, aa_int(detections) AS _dn, aa_trim(hits) AS _h,
        aa_int(hits) AS _hn FROM {rel})""",
                         ("period_start", "period_end", "period_text", "detections", "hits", "basis")),
    "users": (f"""
SELECT _locator, coalesce(_reject, CASE
    WHEN aa_empty_t(_u) THEN 'User Name is empty: an account needs a name'
    WHEN aa_bad_t(_ll, aa_ts_t(_ll)) THEN 'Last Login: expected a date and time, found "' || _ll || '"'
  END) AS _reject,
  _raw, hash(_u, _ti, _ro) AS _kb, false AS _has_id,
  CASE WHEN _ru THEN NULL ELSE _u END AS user_ref, aa_text_t(_ti) AS title,
  aa_text_t(_ro) AS role, aa_ts_t(_ll) AS last_login,
  CASE WHEN _ru THEN ['user_ref'] ELSE {_EMPTY_LIST} END AS redacted
FROM (SELECT *, aa_redacted_t(_u) AS _ru FROM (SELECT *, aa_trim("user") AS _u,
        aa_trim(title) AS _ti, aa_trim("role") AS _ro, aa_trim(last_login) AS _ll FROM {{rel}}))""",
              ("user", "title", "role", "last_login")),
    "searches": (f"""
SELECT _locator, coalesce(_reject, CASE WHEN searched_at IS NOT NULL THEN NULL
    WHEN aa_empty_t(_w) THEN 'DateTime is empty: a search record needs its time'
    WHEN aa_redacted_t(_w) THEN 'DateTime is redacted: a search record needs its time'
    ELSE 'DateTime: expected a date and time such as "3/5/2024 2:22:10 PM", found "' || _w || '"'
  END) AS _reject,
  _raw, hash(_r, _w, _u, _c) AS _kb, false AS _has_id,
  CASE WHEN _rr OR aa_empty_t(_r) THEN NULL ELSE _r END AS reason,
  searched_at, CASE WHEN aa_empty_t(_w) THEN NULL ELSE _w END AS searched_at_raw,
  CASE WHEN _ru OR aa_empty_t(_u) THEN NULL ELSE _u END AS user_ref,
  CASE WHEN _rc OR aa_empty_t(_c) THEN NULL ELSE _c END AS case_number,
  '{LOG_KIND}' AS log_kind,
  [x FOR x IN [CASE WHEN _rr THEN 'reason' END, CASE WHEN _ru THEN 'user_ref' END,
               CASE WHEN _rc THEN 'case_number' END] IF x IS NOT NULL] AS redacted
FROM (SELECT *, aa_ts_t(_w) AS searched_at, aa_redacted_t(_r) AS _rr, aa_redacted_t(_u) AS _ru,
        aa_redacted_t(_c) AS _rc
      FROM (SELECT *, aa_trim(reason) AS _r, aa_trim("when") AS _w, aa_trim("user") AS _u,
              aa_trim("case") AS _c FROM {{rel}}))""",
                 ("reason", "when", "user", "case")),
    "external_access_counts": ("""
SELECT _locator, coalesce(_reject, CASE WHEN _n IS NOT NULL THEN NULL
    WHEN aa_redacted_t(_a) THEN 'the count is redacted: the table holds numbers only'
    ELSE 'expected a whole number of accesses, found "' || _a || '"' END) AS _reject,
  _raw, hash(period_start, period_end, _n) AS _kb, false AS _has_id,
  CAST(period_start AS TIMESTAMP) AS period_start, CAST(period_end AS TIMESTAMP) AS period_end,
  _n AS accesses
FROM (SELECT *, aa_trim(accesses) AS _a, aa_int(accesses) AS _n FROM {rel})""",
                               ("period_start", "period_end", "accesses")),
}
