"""The generic mapped import: any CSV/XLSX plus a TOML mapping (``ingest.mapping``).

For vendors alpr-audit has no samples of (Genetec AutoVu, Rekor Scout, PIPS/Federal Signal
BOSS, ELSAG EOC), the operator writes a mapping: which column feeds which column of one
normalised table, the timestamp forms and zone, constants, the de-duplication key. The file
then goes through the same readers (DuckDB's CSV reader, calamine for workbooks), cell rules,
row accounting, rejects and provenance as the built-in importers.

Cells convert by the target column's type in ``schema.py``; a cell that holds something (not
empty, not a redaction marker) that does not convert rejects the row with a reason naming
the column and the expected form. Redaction markers are a state, listed in ``redacted``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from alpr_audit.core import sql
from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.base import PUBLISHER, Plan, Probe, StageContext, StageResult
from alpr_audit.ingest.formats.generic.mapping import (
    PUBLISHER_CONSTANT,
    ColumnRef,
    FieldSpec,
    Mapping,
    explicit_utc,
    has_offset,
)
from alpr_audit.ingest.tabular import HeaderMap, norm_header
from alpr_audit.ingest.tabular_importer import TabularImporter

#: Text forms ``cells.cell_text`` gives workbook date-times and dates; always accepted, so an
#: XLSX whose dates are real Excel dates reads with the same mapping as its CSV twin. A bare
#: date is not a timestamp (its time is unknown, not midnight), so only DATE fields take it.
WORKBOOK_TIMESTAMPS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
WORKBOOK_DATES = WORKBOOK_TIMESTAMPS + ("%Y-%m-%d",)

_NULL = "CAST(NULL AS VARCHAR)"


class MappedImporter(TabularImporter):
    """A CSV/XLSX export read through a mapping file; format id ``mapped:<name>``."""

    min_fields = 1
    default_orders = ()

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        # Instance attributes on purpose: each mapping is its own format.
        self.format_id = f"mapped:{mapping.name}"  # type: ignore[misc]
        self.label = mapping.label  # type: ignore[misc]
        self.table = mapping.table  # type: ignore[misc]
        # Every file column the mapping reads, with a readable name for the header map (the
        # ledger shows it: "Event timestamp" -> searched_at) and the SQL alias t_u<k>.
        self._refs: list[ColumnRef] = []
        roles: list[list[str]] = []
        required: set[int] = set()

        def use(ref: ColumnRef, role: str, needed: bool) -> None:
            k = self._index(ref)
            if k < 0:
                self._refs.append(ref)
                roles.append([])
                k = len(self._refs) - 1
            roles[k].append(role)
            if needed:
                required.add(k)

        for f in mapping.fields:
            for i, ref in enumerate(f.columns):
                use(ref, f"{f.field}[{i + 1}]" if f.joined else f.field, not f.optional)
        for k in mapping.key or ():
            if isinstance(k, ColumnRef):
                use(k, "key", True)
        if isinstance(mapping.id, ColumnRef):
            use(mapping.id, "id", True)
        if mapping.filter is not None:
            use(mapping.filter.column, "filter", True)
        self._names = []
        for ref, rs in zip(self._refs, roles, strict=False):
            fields = [r for r in rs if r not in ("key", "id", "filter")]
            self._names.append("+".join(fields) if fields else f"{rs[0]}:{ref.label}")
        self._required = {self._names[k] for k in required}
        self.synonyms = {key: self._names[k] for k, r in enumerate(self._refs)  # type: ignore[misc]
                         for key in r.keys}
        self.required_any = (set(self._required),)  # type: ignore[misc]

    # --- columns ------------------------------------------------------------------------

    def _index(self, ref: ColumnRef) -> int:
        """Index of the column in use that ``ref`` names (by any header name), or -1."""
        for k, known in enumerate(self._refs):
            if set(ref.keys) & set(known.keys):
                return k
        return -1

    def _name(self, ref: ColumnRef) -> str:
        """The column's name in the header map."""
        return self._names[self._index(ref)]

    def _alias(self, ref: ColumnRef) -> str:
        """The column's trimmed text in the staging SQL."""
        return f"t_u{self._index(ref)}"

    # --- sniffing -----------------------------------------------------------------------

    def sniff(self, probe: Probe) -> Plan | None:
        try:
            plan = super().sniff(probe)
            return plan if plan is not None else self._partial(probe)
        except Exception:  # sniff must never raise
            return None

    def _partial(self, probe: Probe) -> Plan | None:
        """A header with half or more of the mapped columns: say which are missing.

        The stage then fails with a message naming them, which helps far more than "not a
        format alpr-audit reads" when the operator chose this mapping for the file.
        """
        if probe.kind not in ("csv", "xlsx"):
            return None
        best: tuple[int, str | None, int, list[str | None]] | None = None
        for sp in probe.sheets:
            for i, row in enumerate(sp.rows[:10]):
                found = {self.synonyms[norm_header(c)] for c in row if norm_header(c) in self.synonyms}
                hits = len(found & self._required)
                if hits and (best is None or hits > best[0]):
                    best = (hits, sp.name, i, list(row))
        if best is None or best[0] * 2 < len(self._required):
            return None
        hits, sheet, index, row = best
        present = {self.synonyms.get(norm_header(c)) for c in row}
        missing = [r.label for r in self._refs
                   if self._name(r) in self._required and self._name(r) not in present]
        locator = f"{sheet}!{index + 1}" if sheet is not None else f"line {index + 1}"
        header = [c for c in row if c not in (None, "")]
        return Plan(self.format_id, None, details={"missing": missing,
                                                   "header_locator": locator, "header": header})

    # --- staging ------------------------------------------------------------------------

    def stage(self, ctx: StageContext) -> StageResult:
        missing = ctx.plan.details.get("missing")
        if missing:
            m = self.mapping
            raise IngestError(
                f"{ctx.path.name} lacks column(s) the mapping {m.path.name} needs: "
                + ", ".join(repr(x) for x in missing)
                + f" (its header has: {', '.join(repr(h) for h in ctx.plan.details['header'])})",
                path=str(ctx.path), locator=ctx.plan.details["header_locator"],
                hint=f"edit the column names under [fields] in {m.path}, mark a field "
                     "optional = true, or check that this file is the export the mapping describes",
            )
        return super().stage(ctx)

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        m = self.mapping
        log_kind = ctx.plan.log_kind or m.log_kind
        constants: dict[str, Any] = {c: PUBLISHER for c, v in m.constants.items()
                                     if v == PUBLISHER_CONSTANT}
        if "log_kind" in m.target.column_names:
            constants["log_kind"] = log_kind
        return StageResult(locator_base, log_kind, ctx.publisher or m.publisher,
                           details={"mapping": str(m.path)}, tables=(m.table,),
                           constants=constants)

    def build(self, hm: HeaderMap, relation: str) -> str:
        """The SELECT turning text columns ``c0…cN`` into ``stage_<table>`` rows."""
        return _Select(self, hm).sql(relation)


class _Select:
    """Writes the staging SELECT for one header map, in layers so no cell is parsed twice:
    trim (``t_uK``) → field text and redaction flag (``x_j``, ``r_j``) → value text (``v_j``)
    → converted value (``p_j``) → reject reason → stage columns."""

    def __init__(self, imp: MappedImporter, hm: HeaderMap) -> None:
        self.imp, self.m, self.hm = imp, imp.mapping, hm
        self.index = {f: i for i, f in enumerate(hm.fields) if f}
        self.types = {c.name: c.type for c in self.m.target.columns}

    def t(self, ref: ColumnRef) -> str:
        return self.imp._alias(ref)

    def header(self, ref: ColumnRef) -> str:
        i = self.index.get(self.imp._name(ref))
        return self.hm.headers[i] if i is not None else ref.label

    def label(self, f: FieldSpec) -> str:
        return " + ".join(self.header(r) for r in f.columns)

    # --- layers -------------------------------------------------------------------------

    def sql(self, relation: str) -> str:
        fields = list(enumerate(self.m.fields))
        trimmed = ", ".join(
            f'aa_trim("c{self.index[name]}") AS {self.t(ref)}' if name in self.index
            else f"{_NULL} AS {self.t(ref)}"
            for ref, name in zip(self.imp._refs, self.imp._names, strict=False))
        texts = ", ".join(f"{self.text(f)} AS x_{j}, {self.redacted(f)} AS r_{j}" for j, f in fields)
        values = ", ".join(f"CASE WHEN r_{j} OR aa_empty_t(x_{j}) THEN NULL ELSE x_{j} END AS v_{j}"
                           for j, _ in fields)
        parsed = ", ".join(f"{self.convert(f, f'v_{j}')} AS p_{j}" for j, f in fields)
        inner = (f"SELECT *, {parsed} FROM (SELECT *, {values} FROM (SELECT *, {texts} FROM "
                 f"(SELECT *, {trimmed} FROM {relation})))")
        raw_json = "json_object(" + ", ".join(
            f'{sql.string(h)}, "c{i}"' for i, h in enumerate(self.hm.headers)) + ")::VARCHAR"
        out = [
            "_locator", "_rj AS _reject",
            f"CASE WHEN _rj IS NOT NULL THEN coalesce(_raw, {raw_json}) END AS _raw",
            f"{self.key()} AS _kb", f"{self.has_id()} AS _has_id",
        ]
        out += [f'CAST(p_{j} AS {f.type}) AS {sql.identifier(f.field)}' for j, f in fields]
        out += self.companions()
        out += [f'{self.constant(c, v)} AS {sql.identifier(c)}' for c, v in self.m.constants.items()
                if v != PUBLISHER_CONSTANT]
        if "redacted" in self.types:
            flags = ", ".join(f"CASE WHEN r_{j} THEN {sql.string(f.field)} END" for j, f in fields)
            out.append(f"[x FOR x IN [{flags}] IF x IS NOT NULL] AS redacted")
        return f"SELECT {', '.join(out)} FROM (SELECT *, {self.reject()} AS _rj FROM ({inner}))"

    def text(self, f: FieldSpec) -> str:
        if not f.joined:
            return self.t(f.columns[0])
        # Joined cells (a date column and a time column): the non-empty parts, space-separated.
        parts = ", ".join(f"CASE WHEN aa_empty_t({self.t(r)}) THEN NULL ELSE {self.t(r)} END"
                          for r in f.columns)
        return f"nullif(concat_ws(' ', {parts}), '')"

    def redacted(self, f: FieldSpec) -> str:
        return "(" + " OR ".join(f"aa_redacted_t({self.t(r)})" for r in f.columns) + ")"

    def convert(self, f: FieldSpec, v: str) -> str:
        if f.type == "VARCHAR":
            return v
        if f.type == "BIGINT":
            return f"aa_int_t({v})"
        if f.type == "INTEGER":
            return f"TRY_CAST(aa_int_t({v}) AS INTEGER)"
        if f.type == "BOOLEAN":
            return (f"CASE WHEN lower({v}) IN ({', '.join(map(sql.string, f.true_values))}) THEN true "
                    f"WHEN lower({v}) IN ({', '.join(map(sql.string, f.false_values))}) THEN false END")
        if f.type == "VARCHAR[]":
            return (f"CASE WHEN {v} IS NOT NULL THEN [aa_trim(s) FOR s IN string_split({v}, "
                    f"{sql.string(f.separator)}) IF NOT aa_empty_t(aa_trim(s))] END")
        # DuckDB's strptime turns words like 'epoch' or 'infinity' into dates whatever the
        # format; no date or time is written in letters alone.
        guard = f"CASE WHEN regexp_full_match({v}, '[-+]?[A-Za-z]+') THEN NULL ELSE "
        if f.type == "DATE":
            forms = list(f.formats) + [w for w in WORKBOOK_DATES if w not in f.formats]
            return f"{guard}CAST(try_strptime({v}, {sql.array(forms)}) AS DATE) END"
        return f"{guard}{self.timestamp(f, v)} END"

    def timestamp(self, f: FieldSpec, v: str) -> str:
        """UTC from three groups of forms: explicitly UTC, with an offset, local to ``zone``."""
        utc = [x for x in f.formats if explicit_utc(x)]
        offset = [x for x in f.formats if has_offset(x) and x not in utc]
        local = [x for x in f.formats if x not in utc and x not in offset]
        local += [w for w in WORKBOOK_TIMESTAMPS if w not in local]
        parts = []
        if utc:
            parts.append(f"try_strptime({v}, {sql.array(utc)})")
        if offset:
            parts.append(f"timezone('UTC', try_strptime({v}, {sql.array(offset)}))")
        naive = f"try_strptime({v}, {sql.array(local)})"
        if self.m.zone != "UTC":
            # a naive wall time in the zone → UTC, with the zone's DST rules of that date
            naive = f"timezone('UTC', timezone({sql.string(self.m.zone)}, {naive}))"
        parts.append(naive)
        return f"coalesce({', '.join(parts)})"

    def expected(self, f: FieldSpec) -> str:
        if f.type in ("TIMESTAMP", "DATE"):
            what = "a timestamp" if f.type == "TIMESTAMP" else "a date"
            shown = " or ".join(f.formats[:3]) + (" …" if len(f.formats) > 3 else "")
            return f"{what} in the form {shown}"
        if f.type == "BOOLEAN":
            return "one of " + ", ".join(f.true_values + f.false_values)
        if f.type == "INTEGER":
            return "a whole number below 2,147,483,648"
        return "a whole number"

    def reject(self) -> str:
        """Why a row cannot load: every field that fails, so one pass fixes a mapping."""
        whens = ["WHEN _reject IS NOT NULL THEN _reject"]
        flt = self.m.filter
        if flt is not None:
            t = self.t(flt.column)
            reads = ", ".join(flt.values)
            whens.append(
                f"WHEN coalesce(lower({t}) NOT IN ({', '.join(sql.string(x.lower()) for x in flt.values)}), true) "
                f"THEN {sql.string(self.header(flt.column) + ' ')} || coalesce('\"' || {t} || '\"', 'empty') "
                f"|| {sql.string(f': not a record the mapping {self.m.name} reads (it reads {reads})')}")
        problems = []
        for j, f in enumerate(self.m.fields):
            label = self.label(f)
            cases = []
            if f.required:
                needs = f": the mapping {self.m.name} requires it"
                cases.append(f"WHEN v_{j} IS NULL AND r_{j} THEN {sql.string(label + ' is redacted' + needs)}")
                cases.append(f"WHEN v_{j} IS NULL THEN {sql.string(label + ' is empty' + needs)}")
            if f.type not in ("VARCHAR", "VARCHAR[]"):
                cases.append(f"WHEN v_{j} IS NOT NULL AND p_{j} IS NULL THEN "
                             f"{sql.string(label + ': expected ' + self.expected(f) + ', found ')} "
                             f"|| '\"' || v_{j} || '\"'")
            if cases:
                problems.append("CASE " + " ".join(cases) + " END")
        if problems:
            whens.append(f"ELSE nullif(concat_ws('; ', {', '.join(problems)}), '')")
        return "CASE " + " ".join(whens) + " END"

    # --- keys, companions, constants ----------------------------------------------------

    def key(self) -> str:
        """Hash of the de-duplication key: converted field values (so a CSV and an XLSX of
        the same records match) or trimmed cells for key columns no field reads."""
        idx = {f.field: j for j, f in enumerate(self.m.fields)}
        if self.m.key is None:
            parts = [f"p_{j}" for j in idx.values()]
            parts.append("[" + ", ".join(f"r_{j}" for j in idx.values()) + "]")
            if isinstance(self.m.id, ColumnRef):
                parts.append(self.t(self.m.id))
        else:
            parts = []
            for k in self.m.key:
                if isinstance(k, str):
                    parts += [f"p_{idx[k]}", f"r_{idx[k]}"]
                else:
                    parts.append(self.t(k))
        return f"hash({', '.join(parts)})"

    def has_id(self) -> str:
        ident = self.m.id
        if ident is None:
            return "false"
        if isinstance(ident, str):
            j = next(j for j, f in enumerate(self.m.fields) if f.field == ident)
            return f"v_{j} IS NOT NULL"
        t = self.t(ident)
        return f"coalesce(NOT aa_empty_t({t}) AND NOT aa_redacted_t({t}), false)"

    def companions(self) -> list[str]:
        """``<field>_raw`` columns (searches.searched_at_raw): the source text of a timestamp
        whose zone the text itself did not state (invariant 4)."""
        out = []
        mapped = {f.field for f in self.m.fields} | set(self.m.constants)
        for j, f in enumerate(self.m.fields):
            raw = f"{f.field}_raw"
            if f.type == "TIMESTAMP" and self.types.get(raw) == "VARCHAR" and raw not in mapped:
                out.append(f"CASE WHEN suffix(v_{j}, 'UTC') OR suffix(v_{j}, 'Z') "
                           rf"OR regexp_matches(v_{j}, '[+-]\d\d:?\d\d$') THEN NULL ELSE v_{j} END "
                           f'AS {sql.identifier(raw)}')
        return out

    def constant(self, column: str, value: Any) -> str:
        ctype = self.types[column]
        if ctype == "VARCHAR":
            return f"CAST({sql.string(value)} AS VARCHAR)"
        if ctype in ("BIGINT", "INTEGER"):
            return f"CAST({int(value)} AS {ctype})"
        if ctype == "BOOLEAN":
            return "true" if value else "false"
        if ctype == "DATE":
            return f"DATE {sql.string(value.isoformat())}"
        if ctype == "VARCHAR[]":
            return f"CAST({sql.array(value)} AS VARCHAR[])"
        assert isinstance(value, dt.datetime)
        if value.tzinfo is not None:
            utc = value.astimezone(dt.UTC).replace(tzinfo=None)
            return f"TIMESTAMP {sql.string(utc.isoformat(sep=' '))}"
        lit = f"TIMESTAMP {sql.string(value.isoformat(sep=' '))}"
        return lit if self.m.zone == "UTC" else f"timezone('UTC', timezone({sql.string(self.m.zone)}, {lit}))"
