"""Fill the ``stage`` table from tabular parts (a CSV file, or workbook sheets).

An importer supplies a ``build_select(header_map, relation)`` that turns text columns
``c0…cN`` (plus ``_locator``, ``_reject``, ``_raw``) into the stage columns. This module feeds
it from the fastest reader that is safe for the file and keeps file order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import duckdb
import pyarrow as pa

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.base import StageContext
from alpr_audit.ingest.tabular import (
    HeaderMap,
    duckdb_csv_relation,
    python_csv_batches,
    sheet_batches,
)

BuildSelect = Callable[[HeaderMap, str], str]


@dataclass
class CsvPart:
    header: HeaderMap
    skip: int  # physical records before the data (title rows + header)


@dataclass
class SheetPart:
    name: str
    header: HeaderMap
    skip: int


def _create_or_insert(con: duckdb.DuckDBPyConnection, stage: str, created: bool, select: str) -> None:
    if created:
        con.execute(f"INSERT INTO {stage} {select}")
    else:
        con.execute(f"DROP TABLE IF EXISTS {stage}")
        con.execute(f"CREATE TEMP TABLE {stage} AS {select}")


def stage_csv(ctx: StageContext, part: CsvPart, build: BuildSelect, stage: str) -> int:
    """Stage a CSV; return the locator base (row number of rowid 0).

    Well-formed UTF-8 goes through DuckDB's parallel reader. A file DuckDB refuses (ragged
    rows, stray quotes) or in another encoding goes through Python's csv module, which keeps
    every row and rejects only the malformed ones.
    """
    ncols = len(part.header.fields)
    first_row = part.skip + 1
    if ctx.probe.encoding in ("utf-8", "utf-8-sig"):
        relation = duckdb_csv_relation(ctx.path, ncols, part.skip)
        select = build(part.header, _with_meta(relation, ncols))
        try:
            _with_progress(ctx, lambda: _create_or_insert(ctx.con, stage, False, select))
            return first_row
        except duckdb.InvalidInputException:
            pass  # malformed for the strict reader: read it row by row below
        except duckdb.ConversionException:
            pass
    encoding = ctx.probe.encoding or "utf-8"
    try:
        batches = python_csv_batches(ctx.path, encoding, ncols, part.skip, first_row)
        _stage_batches(ctx, batches, part.header, build, stage, created=False)
    except UnicodeDecodeError as exc:
        if not encoding.startswith("utf-8"):
            raise undecodable(ctx, encoding, exc) from exc
        # Valid UTF-8 at the start, not further on: Windows exports mix code pages this way.
        ctx.plan = replace(ctx.plan, encoding="cp1252 (not valid UTF-8 past the first bytes)")
        batches = python_csv_batches(ctx.path, "cp1252", ncols, part.skip, first_row)
        _stage_batches(ctx, batches, part.header, build, stage, created=False)
    return first_row


def undecodable(ctx: StageContext, encoding: str, exc: UnicodeDecodeError) -> IngestError:
    """The error for a text file that is not in the encoding its start showed (UTF-16 cut at
    an odd byte, …)."""
    return IngestError(f"cannot decode the file as {encoding} at byte {exc.start:,} "
                       f"({exc.reason})", path=str(ctx.path), locator=f"byte {exc.start}",
                       hint="the file may be cut off or damaged; save it again as UTF-8 CSV")


def stage_sheets(ctx: StageContext, workbook: object, parts: list[SheetPart], build: BuildSelect,
                 stage: str) -> None:
    """Stage workbook sheets in order (each sheet may have its own header map)."""
    created = False
    for part in parts:
        sheet = workbook.get_sheet_by_name(part.name)  # type: ignore[attr-defined]
        ctx.set_total(None)
        batches = sheet_batches(sheet, len(part.header.fields), part.skip, part.name)
        created = _stage_batches(ctx, batches, part.header, build, stage, created)
    if not created:
        raise IngestError("no rows to read", path=str(ctx.path))


def _stage_batches(
    ctx: StageContext,
    batches: Iterator[pa.Table],
    header: HeaderMap,
    build: BuildSelect,
    stage: str,
    created: bool,
) -> bool:
    for batch in batches:
        ctx.con.register("_batch", batch)
        try:
            _create_or_insert(ctx.con, stage, created, build(header, "_batch"))
        finally:
            ctx.con.unregister("_batch")
        created = True
        ctx.progress(batch.num_rows)
    if not created:
        # an empty part still needs a stage table with the right columns
        empty = pa.table({n: pa.array([], pa.string()) for n in
                          [f"c{i}" for i in range(len(header.fields))] + ["_locator", "_reject", "_raw"]})
        ctx.con.register("_batch", empty)
        try:
            _create_or_insert(ctx.con, stage, False, build(header, "_batch"))
        finally:
            ctx.con.unregister("_batch")
        created = True
    return created


def _with_meta(relation: str, ncols: int) -> str:
    """A CSV relation with the meta columns the Python readers provide.

    A line of bare separators (``,,,,``) or of whitespace only is a blank row, not a record,
    as in the Python readers; dropping it before the stage keeps both readers' row numbers
    the same. (COALESCE stops at the first filled cell, so most rows trim one cell.)
    """
    cells = ", ".join(f"nullif(aa_trim(c{i}), '')" for i in range(ncols))
    return (
        f"(SELECT *, CAST(NULL AS VARCHAR) AS _locator, CAST(NULL AS VARCHAR) AS _reject, "
        f"CAST(NULL AS VARCHAR) AS _raw FROM {relation} WHERE coalesce({cells}) IS NOT NULL)"
    )


def _with_progress(ctx: StageContext, work: Callable[[], None]) -> None:
    """Run one long DuckDB statement while a thread reports its progress (percent)."""
    ctx.set_total(100)
    done = threading.Event()
    shown = [0.0]

    def poll() -> None:
        while not done.wait(0.2):
            try:
                pct = ctx.con.query_progress()
            except duckdb.Error:
                continue
            if pct > shown[0]:
                ctx.progress(int(pct - shown[0]))
                shown[0] += int(pct - shown[0])

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        work()
    finally:
        done.set()
        thread.join()
    ctx.progress(int(100 - shown[0]))
