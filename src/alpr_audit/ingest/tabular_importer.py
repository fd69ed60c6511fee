"""A base for importers of tabular formats (CSV, or workbooks with one table per sheet).

A subclass declares its header synonyms, which fields make the format recognisable, the
vendor's default column orders (for sheets exported without a header row) and the SELECT that
parses the cells. Sniffing, sheet selection and staging are shared here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.base import Plan, PlanPart, Probe, StageContext, StageResult, stage_name
from alpr_audit.ingest.staging import CsvPart, SheetPart, stage_csv, stage_sheets
from alpr_audit.ingest.tabular import HeaderMap, find_header

#: A content check for one column of a header-less sheet: cell text -> looks right?
ColumnCheck = Callable[[str], bool]


class TabularImporter:
    """Shared sniff/stage logic; subclasses set the class attributes and ``build``."""

    format_id: ClassVar[str]
    label: ClassVar[str]
    table: ClassVar[str] = "searches"
    synonyms: ClassVar[dict[str, str]]
    required_any: ClassVar[tuple[set[str], ...]]  # one of these field sets must be present
    min_fields: ClassVar[int] = 3
    default_orders: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: Orders of known releases, preferred (in this order) when several orders fit the content.
    release_orders: ClassVar[tuple[tuple[str, ...], ...]] = ()
    column_checks: ClassVar[dict[str, ColumnCheck]] = {}

    # --- sniffing --------------------------------------------------------------------------

    def _header(self, rows: Sequence[Sequence[str | None]]) -> HeaderMap | None:
        for required in self.required_any:
            hm = find_header(rows, self.synonyms, required, self.min_fields)
            if hm:
                return hm
        return None

    def _headerless(self, rows: Sequence[Sequence[str | None]]) -> HeaderMap | None:
        """Match a header-less sheet against the vendor's default orders by content."""
        data = [r for r in rows if any(c not in (None, "") for c in r)][:10]
        if not data or not self.default_orders:
            return None
        width = max(len(r) for r in data)
        # Title rows above the records ("Audit log May 2025") have few cells: judge the
        # content on rows that fill most of the width.
        data = [r for r in data if sum(c not in (None, "") for c in r) >= width // 2]
        matches = [o for o in self.default_orders if len(o) == width and self._content_fits(o, data)]
        if len(matches) > 1:
            # Orders that differ only in an optional column left empty fit equally well;
            # take the known release among them.
            known = [o for o in self.release_orders if o in matches]
            matches = known[:1]
        if len(matches) != 1:
            return None
        order = matches[0]
        return HeaderMap(None, list(order), [f"{f} (default order)" for f in order])

    def first_record(self, rows: Sequence[Sequence[str | None]], hm: HeaderMap) -> int:
        """Index of the first row of a header-less sheet that is a record (not a title)."""
        for i, r in enumerate(rows):
            if sum(c not in (None, "") for c in r) >= len(hm.fields) // 2:
                return i
        return 0

    def _content_fits(self, order: Sequence[str], data: Sequence[Sequence[str | None]]) -> bool:
        checked = 0
        for idx, field in enumerate(order):
            check = self.column_checks.get(field)
            if check is None:
                continue
            values = [v for r in data if idx < len(r) for v in [r[idx]] if v]
            if not values or sum(1 for v in values if check(v)) < 0.8 * len(values):
                return False
            checked += 1
        return checked >= 2

    def sniff(self, probe: Probe) -> Plan | None:
        if probe.kind not in ("csv", "xlsx"):
            return None
        sheets: list[PlanPart] = []
        ignored: list[str] = []
        for sp in probe.sheets:
            if not any(any(c not in (None, "") for c in r) for r in sp.rows):
                continue  # an empty sheet has nothing to lose
            hm = self._header(sp.rows)
            if hm is not None:
                skip = (hm.header_row or 0) + 1
            else:
                hm = self._headerless(sp.rows)
                if hm is None:
                    ignored.append(sp.name or "")
                    continue
                # rows above the first record (blank or titles) are not data
                skip = self.first_record(sp.rows, hm)
            sheets.append(PlanPart(sp.name, hm, skip))
        if not sheets:
            return None
        return Plan(self.format_id, None, parts=tuple(sheets), ignored_sheets=tuple(ignored))

    # --- staging ---------------------------------------------------------------------------

    def build(self, hm: HeaderMap, relation: str) -> str:
        raise NotImplementedError

    def stage(self, ctx: StageContext) -> StageResult:
        parts = ctx.plan.parts
        if ctx.probe.kind == "csv":
            part = parts[0]
            base = stage_csv(ctx, CsvPart(part.header, part.skip), self.build,
                             stage_name(self.table))
        else:
            from python_calamine import CalamineWorkbook

            try:
                wb = CalamineWorkbook.from_path(str(ctx.path))
            except Exception as exc:
                raise IngestError(
                    f"cannot read the workbook: {exc}", path=str(ctx.path),
                    hint="open it in a spreadsheet program and save it again as .xlsx",
                ) from exc
            sheet_parts = [SheetPart(p.sheet or "", p.header, p.skip) for p in parts]
            stage_sheets(ctx, wb, sheet_parts, self.build, stage_name(self.table))
            base = 0  # every sheet row carries its own Sheet!row locator
        return self.finish(ctx, base)

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        """Decide the log kind and publisher once the rows are staged."""
        raise NotImplementedError

