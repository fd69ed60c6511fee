"""Mapping files for the generic mapped import: load a TOML file, check it, explain mistakes.

A mapping says which column of a CSV/XLSX export feeds which column of one normalised table,
how its timestamps are written and in which zone, and which values are constant. It lets
alpr-audit read exports of vendors it has no samples of (Genetec AutoVu, Rekor Scout,
PIPS/Federal Signal BOSS, ELSAG EOC). The format is documented in ``docs/mapped-import.md``.

Every mistake is an :class:`IngestError` naming the mapping file (``path``), the TOML key
(``locator``, e.g. ``fields.searched_at.format``), what was expected, and a hint.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from alpr_audit.core.cells import OFFSET_FORMATS, TIMESTAMP_FORMATS
from alpr_audit.core.errors import IngestError
from alpr_audit.core.schema import INGEST_TABLES, TABLES, Table
from alpr_audit.ingest.tabular import norm_header

#: Constant value meaning "the publisher's agency id" (for agency-id columns).
PUBLISHER_CONSTANT = "@publisher"

DEFAULT_TRUE = ("true", "yes", "y", "t", "1", "on", "enabled", "x")
DEFAULT_FALSE = ("false", "no", "n", "f", "0", "off", "disabled")
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
#: Without a ``timestamp_format`` the forms the built-in importers read are tried.
DEFAULT_TIMESTAMP_FORMATS = TIMESTAMP_FORMATS + OFFSET_FORMATS
SUPPORTED_TYPES = ("VARCHAR", "BIGINT", "INTEGER", "TIMESTAMP", "DATE", "BOOLEAN", "VARCHAR[]")

#: Fields a record of these tables cannot do without: the mapping must map them, and a row
#: whose cell is empty or redacted is rejected.
REQUIRED_FIELDS = {"searches": ("searched_at",), "hotlist_events": ("at",)}

_TOP_KEYS = ("name", "table", "label", "description", "zone", "timestamp_format", "date_format",
             "separator", "true_values", "false_values", "key", "id", "publisher", "filter",
             "fields", "constants")
_FIELD_KEYS = ("column", "join", "format", "separator", "true_values", "false_values",
               "required", "optional")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")


@dataclass(frozen=True)
class ColumnRef:
    """A file column, by one or more accepted header names (compared loosely)."""

    names: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(norm_header(n) for n in self.names)

    @property
    def label(self) -> str:
        return " / ".join(self.names)


@dataclass(frozen=True)
class FieldSpec:
    """One target column fed from the file."""

    field: str
    type: str
    columns: tuple[ColumnRef, ...]  # one column, or several joined with a space (``join``)
    formats: tuple[str, ...]  # TIMESTAMP/DATE forms, tried in order
    separator: str  # VARCHAR[]
    true_values: tuple[str, ...]
    false_values: tuple[str, ...]
    required: bool  # empty/redacted cell rejects the row
    optional: bool  # the column may be missing from the file

    @property
    def joined(self) -> bool:
        return len(self.columns) > 1


@dataclass(frozen=True)
class Filter:
    """Rows whose ``column`` holds none of ``values`` are rejected as not this record type."""

    column: ColumnRef
    values: tuple[str, ...]


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file (see ``docs/mapped-import.md``)."""

    path: Path
    name: str
    table: str
    label: str
    zone: str
    fields: tuple[FieldSpec, ...]
    constants: dict[str, Any]  # column -> TOML value (``@publisher`` for agency ids)
    log_kind: str
    key: tuple[str | ColumnRef, ...] | None  # field names or columns; None = all fields
    id: str | ColumnRef | None  # a field name or a column
    publisher: str | None
    filter: Filter | None

    @property
    def target(self) -> Table:
        return TABLES[self.table]


# --- loading ------------------------------------------------------------------------------


class _Checker:
    """Raises IngestErrors that all name the mapping file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, locator: str, message: str, hint: str | None = None) -> IngestError:
        return IngestError(f"mapping {self.path.name}: {message}", path=str(self.path),
                           locator=locator, hint=hint)

    def text(self, value: Any, locator: str, what: str = "a text") -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(locator, f"{locator} must be {what}, found {value!r}",
                            f'write it as {locator.rsplit(".", 1)[-1]} = "…"')
        return value.strip()

    def texts(self, value: Any, locator: str, what: str) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(
                isinstance(v, str) and v.strip() for v in items):
            raise self.fail(locator, f"{locator} must be {what}, found {value!r}",
                            'write it as "…" or ["…", "…"]')
        return tuple(v.strip() for v in items)

    def unknown(self, keys: Any, allowed: tuple[str, ...], where: str) -> None:
        for k in keys:
            if k not in allowed:
                close = difflib.get_close_matches(k, allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(allowed)}"
                loc = f"{where}.{k}" if where else k
                raise self.fail(loc, f"unknown key {loc!r}", hint)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; IngestError (path, TOML key, hint) when it is wrong."""
    path = Path(path).expanduser().resolve()
    ck = _Checker(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ck.fail("", f"no such mapping file: {path}", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ck.fail("", f"cannot read the mapping file: {exc}",
                      "save it as UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line \d+, column \d+", str(exc))
        raise ck.fail(where.group(0) if where else "", f"not valid TOML: {exc}",
                      'strings need double quotes ("…"), lists brackets ([…]); '
                      "see docs/mapped-import.md") from None
    return _check(data, ck)


def _check(data: dict[str, Any], ck: _Checker) -> Mapping:
    ck.unknown(data, _TOP_KEYS, "")
    name = ck.text(data.get("name", ck.path.stem.lower()), "name")
    if not _NAME.fullmatch(name):
        raise ck.fail("name", f"name {name!r} must be lower-case letters, digits, '.', '_' or '-'",
                      'e.g. name = "genetec-activity-trail"')
    if "table" not in data:
        raise ck.fail("table", "the mapping names no target table",
                      "add e.g. table = \"searches\"; tables: " + _table_names())
    table_name = ck.text(data["table"], "table")
    if table_name not in {t.name for t in INGEST_TABLES}:
        close = difflib.get_close_matches(table_name, [t.name for t in INGEST_TABLES], n=1)
        raise ck.fail("table", f"unknown table {table_name!r}",
                      (f"did you mean {close[0]!r}? " if close else "") + "tables: " + _table_names())
    table = TABLES[table_name]
    zone = _zone(data.get("zone", "UTC"), ck)
    ts_formats = _formats(data.get("timestamp_format", list(DEFAULT_TIMESTAMP_FORMATS)),
                          "timestamp_format", ck)
    date_formats = _formats(data.get("date_format", list(DEFAULT_DATE_FORMATS)), "date_format", ck,
                            dates=True)
    separator = data.get("separator", ";")
    if not isinstance(separator, str) or not separator:
        raise ck.fail("separator", "separator must be a non-empty text", 'e.g. separator = ";"')
    true_values = _words(data.get("true_values", list(DEFAULT_TRUE)), "true_values", ck)
    false_values = _words(data.get("false_values", list(DEFAULT_FALSE)), "false_values", ck)
    defaults = (ts_formats, date_formats, separator, true_values, false_values)

    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise ck.fail("fields", "the mapping has no [fields] table",
                      'add [fields] with lines such as searched_at = "Event timestamp"')
    fields = tuple(_field(f, spec, table, defaults, ck) for f, spec in raw_fields.items())
    for req in REQUIRED_FIELDS.get(table.name, ()):
        if not any(f.field == req for f in fields):
            raise ck.fail("fields", f"a {table.name} mapping must map {req}",
                          f'add {req} = "<the column holding it>" under [fields]')
    _check_column_use(fields, ck)

    constants, log_kind = _constants(data.get("constants", {}), table, fields, name, ck)
    field_names = {f.field for f in fields}
    key = None
    if "key" in data:
        entries = ck.texts(data["key"], "key", "a list of column names or field names")
        key = tuple(e if e in field_names else ColumnRef((e,)) for e in entries)
    id_ref: str | ColumnRef | None = None
    if "id" in data:
        ident = ck.text(data["id"], "id", "a column name or a field name")
        id_ref = ident if ident in field_names else ColumnRef((ident,))
        if key is not None and not any(_same(k, id_ref, fields) for k in key):
            raise ck.fail("key", f"key does not include the id {ident!r}",
                          "add the id to key, or drop key (it then covers every mapped field)")
    flt = None
    if "filter" in data:
        raw = data["filter"]
        if not isinstance(raw, dict):
            raise ck.fail("filter", "filter must be a table",
                          '[filter] with column = "Event" and values = ["Report generated"]')
        ck.unknown(raw, ("column", "values"), "filter")
        flt = Filter(ColumnRef((ck.text(raw.get("column"), "filter.column"),)),
                     ck.texts(raw.get("values"), "filter.values", "a list of values"))
    publisher = data.get("publisher")
    if publisher is not None:
        publisher = ck.text(publisher, "publisher", "an agency name")
    label = data.get("label") or f"{table.name} mapped by {ck.path.name}"
    return Mapping(ck.path, name, table.name, ck.text(label, "label"), zone, fields, constants,
                   log_kind, key, id_ref, publisher, flt)


def _table_names() -> str:
    return ", ".join(t.name for t in INGEST_TABLES)


def pipeline_columns(table: Table) -> dict[str, str]:
    """Columns the ingest pipeline fills itself, with what the mapping should do instead."""
    out = {c: "the pipeline fills it" for c in ("source_id", "locator", "natural_key", "occurrence")}
    out[table.publisher] = "it is the publisher: give publisher = \"…\" or ingest --agency"
    for raw_col, id_col in table.agency_refs:
        out[id_col] = (f"the agency registry fills it from {raw_col}: map the written name to "
                       f"{raw_col}" + (f', or set {id_col} = "{PUBLISHER_CONSTANT}" under [constants]'))
    out["redacted"] = "alpr-audit fills it from the cells that held redaction markers"
    return out


def _target(field: str, table: Table, locator: str, ck: _Checker) -> str:
    types = {c.name: c.type for c in table.columns}
    if field not in types:
        close = difflib.get_close_matches(field, list(types), n=1)
        raise ck.fail(locator, f"{table.name} has no column {field!r}",
                      (f"did you mean {close[0]!r}? " if close else "")
                      + f"columns of {table.name}: " + ", ".join(types))
    reserved = pipeline_columns(table)
    if field in reserved:
        raise ck.fail(locator, f"{field} cannot be mapped", reserved[field])
    if types[field] not in SUPPORTED_TYPES:
        raise ck.fail(locator, f"{field} has type {types[field]}, which mappings cannot fill")
    return types[field]


def _field(field: str, spec: Any, table: Table, defaults: tuple[Any, ...],
           ck: _Checker) -> FieldSpec:
    loc = f"fields.{field}"
    if field == "log_kind":
        raise ck.fail(loc, "log_kind is not read from a column",
                      'set it under [constants]: log_kind = "…"')
    ftype = _target(field, table, loc, ck)
    ts_formats, date_formats, separator, true_values, false_values = defaults
    if isinstance(spec, (str, list)):
        spec = {"column": spec}
    if not isinstance(spec, dict):
        raise ck.fail(loc, f"{loc} must be a column name or a table, found {spec!r}",
                      f'{field} = "Column header" or {field} = {{ column = "…", … }}')
    ck.unknown(spec, _FIELD_KEYS, loc)
    if ("column" in spec) == ("join" in spec):
        raise ck.fail(loc, f"{loc} needs either column (one column, or a list of alternative "
                      "header names) or join (several columns joined with a space)",
                      f'{field} = {{ column = "Date" }} or {field} = {{ join = ["Date", "Time"] }}')
    if "column" in spec:
        columns: tuple[ColumnRef, ...] = (ColumnRef(ck.texts(spec["column"], f"{loc}.column", "a column name or a list "
                                      "of alternative names")),)
    else:
        names = ck.texts(spec["join"], f"{loc}.join", "a list of column names")
        columns = tuple(ColumnRef((n,)) for n in names)
    if "format" in spec and ftype not in ("TIMESTAMP", "DATE"):
        raise ck.fail(f"{loc}.format", f"{field} is {ftype}: format applies to timestamps and dates")
    formats: tuple[str, ...] = ()
    if ftype == "TIMESTAMP":
        formats = _formats(spec["format"], f"{loc}.format", ck) if "format" in spec else ts_formats
    elif ftype == "DATE":
        formats = (_formats(spec["format"], f"{loc}.format", ck, dates=True) if "format" in spec
                   else date_formats)
    sep = spec.get("separator", separator)
    if not isinstance(sep, str) or not sep:
        raise ck.fail(f"{loc}.separator", "separator must be a non-empty text")
    tv = _words(spec["true_values"], f"{loc}.true_values", ck) if "true_values" in spec else true_values
    fv = _words(spec["false_values"], f"{loc}.false_values", ck) if "false_values" in spec else false_values
    if set(tv) & set(fv):
        raise ck.fail(loc, f"{sorted(set(tv) & set(fv))} are both true and false values")
    flags = {}
    for flag in ("required", "optional"):
        value = spec.get(flag, False)
        if not isinstance(value, bool):
            raise ck.fail(f"{loc}.{flag}", f"{flag} must be true or false, found {value!r}")
        flags[flag] = value
    required = flags["required"] or field in REQUIRED_FIELDS.get(table.name, ())
    if required and flags["optional"]:
        raise ck.fail(loc, f"{field} cannot be both required and optional")
    return FieldSpec(field, ftype, columns, formats, sep, tv, fv, required, flags["optional"])


def _check_column_use(fields: tuple[FieldSpec, ...], ck: _Checker) -> None:
    """A header name may stand for one column only (else sniffing could not tell them apart)."""
    seen: dict[str, tuple[str, ...]] = {}
    for f in fields:
        for ref in f.columns:
            for key in ref.keys:
                if key in seen and seen[key] != ref.keys:
                    raise ck.fail(f"fields.{f.field}", f"header {key!r} is used both alone and "
                                  "among alternative names", "use the same column spec in both fields")
                seen[key] = ref.keys


def _same(a: str | ColumnRef, b: str | ColumnRef, fields: tuple[FieldSpec, ...]) -> bool:
    """Two key entries read the same column (a field name stands for the columns it reads)."""

    def keys(entry: str | ColumnRef) -> set[str]:
        if isinstance(entry, ColumnRef):
            return set(entry.keys)
        return {k for f in fields if f.field == entry for c in f.columns for k in c.keys}

    return a == b or bool(keys(a) & keys(b))


def _constants(raw: Any, table: Table, fields: tuple[FieldSpec, ...], name: str,
               ck: _Checker) -> tuple[dict[str, Any], str]:
    if not isinstance(raw, dict):
        raise ck.fail("constants", "constants must be a table", '[constants] with col = "value"')
    log_kind = name
    out: dict[str, Any] = {}
    id_cols = {id_col for _, id_col in table.agency_refs}
    for col, value in raw.items():
        loc = f"constants.{col}"
        if col == "log_kind":
            log_kind = ck.text(value, loc)
            continue
        if col in id_cols and value == PUBLISHER_CONSTANT:
            out[col] = value
            continue
        ctype = _target(col, table, loc, ck)
        if any(f.field == col for f in fields):
            raise ck.fail(loc, f"{col} is both a field and a constant", "keep one of them")
        out[col] = _constant_value(value, ctype, loc, ck)
    return out, log_kind


def _constant_value(value: Any, ctype: str, loc: str, ck: _Checker) -> Any:
    ok = {
        "VARCHAR": isinstance(value, str),
        "BIGINT": isinstance(value, int) and not isinstance(value, bool),
        "INTEGER": isinstance(value, int) and not isinstance(value, bool)
        and -2**31 <= value < 2**31,
        "BOOLEAN": isinstance(value, bool),
        "TIMESTAMP": isinstance(value, dt.datetime),
        "DATE": isinstance(value, dt.date) and not isinstance(value, dt.datetime),
        "VARCHAR[]": isinstance(value, list) and all(isinstance(v, str) for v in value),
    }[ctype]
    if not ok:
        example = {"VARCHAR": '"text"', "BIGINT": "42", "INTEGER": "42", "BOOLEAN": "true",
                   "TIMESTAMP": "2025-03-09T01:30:00 (TOML date-time, no quotes)",
                   "DATE": "2025-03-09 (TOML date, no quotes)", "VARCHAR[]": '["a", "b"]'}[ctype]
        raise ck.fail(loc, f"{loc} must be a {ctype} value, found {value!r}", f"e.g. {example}")
    return value


def _words(value: Any, locator: str, ck: _Checker) -> tuple[str, ...]:
    return tuple(w.lower() for w in ck.texts(value, locator, "a list of words"))


# --- checks that ask DuckDB (the engine that will do the conversion) ----------------------

_local = threading.local()


def _duck() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    return con


def zone_names() -> dict[str, str]:
    """IANA zone names DuckDB knows, lower-cased -> canonical spelling."""
    names = getattr(_local, "zones", None)
    if names is None:
        names = {r[0].lower(): r[0] for r in _duck().execute(
            "SELECT name FROM pg_timezone_names()").fetchall()}
        _local.zones = names
    return names


def _zone(value: Any, ck: _Checker) -> str:
    zone = ck.text(value, "zone", 'an IANA time zone such as "America/Los_Angeles"')
    known = zone_names()
    if zone.lower() in known:
        return known[zone.lower()]
    close = difflib.get_close_matches(zone, list(known.values()), n=3)
    raise ck.fail("zone", f"unknown time zone {zone!r}",
                  "use an IANA zone name such as \"America/Los_Angeles\" or \"UTC\""
                  + (f"; close: {', '.join(close)}" if close else ""))


def _formats(value: Any, locator: str, ck: _Checker, dates: bool = False) -> tuple[str, ...]:
    formats = ck.texts(value, locator, 'a strptime format such as "%m/%d/%Y %I:%M %p", or a list')
    for i, fmt in enumerate(formats):
        loc = locator if len(formats) == 1 else f"{locator}[{i}]"
        if "%" not in fmt:
            raise ck.fail(loc, f"{fmt!r} has no % directives",
                          'write it with strptime directives, e.g. "%m/%d/%Y %H:%M"')
        if dates and has_offset(fmt):
            raise ck.fail(loc, f"{fmt!r}: a date format cannot hold a zone or offset",
                          "map the column to a TIMESTAMP field to convert zones")
        try:
            _duck().execute("SELECT try_strptime('', ?)", [fmt]).fetchall()
        except duckdb.Error as exc:
            raise ck.fail(loc, f"{fmt!r} is not a strptime format: {exc}",
                          "directives: %Y %m %d %H %I %M %S %f %p %b %z; see docs/mapped-import.md") from None
    return formats


def has_offset(fmt: str) -> bool:
    """The format reads an explicit offset or zone name (``%z``/``%Z``)."""
    return "%z" in fmt or "%Z" in fmt


def explicit_utc(fmt: str) -> bool:
    """The format ends in a literal UTC marker (``… UTC``, ``…Z``): no zone to apply."""
    return fmt.endswith("UTC") or (fmt.endswith("Z") and not fmt.endswith("%Z"))
