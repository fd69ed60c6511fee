"""Saved Flock transparency-portal page (HTML) → ``portal_snapshots``, ``sharing``, ``searches``.

One page gives:

* one ``portal_snapshots`` row: the agency as the page writes it, the capture date, retention,
  cameras, the 30-day counts (cell rules: ``1,488,862``), hot lists, the policy texts
  (whitespace-normalised plain text), policy links and the "Last Updated" date;
* one ``sharing`` row per partner of the "Organizations granted access to <Agency> data" card
  (direction ``out``) and of the "Organizations sharing their data with …" card (``in``),
  data kind ``detections``, observed on the capture date, status/flags from the markers the
  name carries (``(deactivated)``, ``Inactive …``, ``[Federal]``);
* the embedded search-audit CSV (a ``data:`` URI, base64 or percent-encoded) as ``searches``
  rows read by :class:`~.portal_audit.FlockPortalAuditImporter` itself — the page's download
  and the downloaded ``search_audit.csv`` give identical rows, so ingesting both de-duplicates.

**Capture date** (``captured_on``, and ``observed_on`` of the sharing rows): the date the saved
file states (SingleFile's ``saved date:`` header comment), else the ``YYYY-MM-DD`` in the file
name (``flock-portal_oakland-ca-pd_2026-04-28.html``), else NULL. The page's "Last Updated"
date is *not* used for it: it is when Flock refreshed the figures (Oakland's page saved on
04-28 says Apr 27) and is kept in ``last_updated``.

**Natural keys**: a snapshot is keyed by all its content and its capture date, a sharing row by
(direction, data kind, partner as written, observed on); neither has a vendor id, so a partner
listed twice on one page stays two rows, while re-ingesting another save of the same capture
finds duplicates. Search rows keep the portal CSV's key (its ``id``).

Cards a page does not show give NULLs (or no stage for sharing/searches), never errors.
"""

from __future__ import annotations

import base64
import binascii
import re
import tempfile
import urllib.parse
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from alpr_audit.core import sql
from alpr_audit.core.errors import IngestError
from alpr_audit.ingest.base import (
    PUBLISHER,
    Plan,
    PlanPart,
    Probe,
    StageContext,
    StageResult,
    stage_name,
)
from alpr_audit.ingest.formats.flock.portal_audit import FlockPortalAuditImporter
from alpr_audit.ingest.formats.flock.portal_parse import (
    NUMBER_FIELDS,
    TEXT_FIELDS,
    PortalPage,
    looks_like_portal,
    parse_date,
    parse_page,
)
from alpr_audit.ingest.formats.flock.search_log import build_select
from alpr_audit.ingest.probe import probe_file
from alpr_audit.ingest.staging import CsvPart, stage_csv
from alpr_audit.ingest.tabular import HeaderMap

SNIFF_BYTES = 256 * 1024
_FILE_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_DEACTIVATED = re.compile(r"\(\s*deactivated\s*\)|\bdeactivated\b", re.I)
_INACTIVE = re.compile(r"^\s*inactive\b|\(\s*inactive\s*\)", re.I)
_FEDERAL = re.compile(r"\[\s*federal\s*\]", re.I)


@dataclass
class EmbeddedCsv:
    """A ``data:`` URI CSV linked from the page (the search-audit download)."""

    name: str  # the link's ``download`` name, e.g. ``search_audit.csv``
    data: bytes | None  # decoded to UTF-8 bytes; None when the URI cannot be decoded
    error: str | None = None
    raw: str = ""  # the URI's payload as written (kept for a reject)


def decode_data_uri(name: str, href: str) -> EmbeddedCsv:
    """Decode a ``data:`` URI (base64 or percent-encoded, any declared charset) to UTF-8."""
    meta, sep, payload = href.strip()[5:].partition(",")
    if not sep:
        return EmbeddedCsv(name, None, "the data: URI has no ',' before its data", href)
    params = [p.strip().lower() for p in meta.split(";")]
    charset = next((p.split("=", 1)[1] for p in params if p.startswith("charset=")), "utf-8")
    try:
        if "base64" in params:
            packed = re.sub(r"\s+", "", urllib.parse.unquote(payload))
            raw = base64.b64decode(packed, validate=True)
        else:
            raw = urllib.parse.unquote_to_bytes(payload)  # '+' is a plus here, not a space
        text = raw.decode(charset.strip('"'))
    except (binascii.Error, UnicodeDecodeError, LookupError, ValueError) as exc:
        return EmbeddedCsv(name, None, f"the data: URI cannot be decoded ({exc})", payload)
    return EmbeddedCsv(name, text.encode("utf-8"), None, payload)


class FlockPortalPageImporter:
    """Saved Flock transparency-portal page (HTML) → snapshot, sharing lists, search audit."""

    format_id: ClassVar[str] = "flock_portal_page"
    label: ClassVar[str] = "Flock transparency-portal page (saved HTML)"
    table: ClassVar[str] = "portal_snapshots"

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan for an HTML file that is recognisably a Flock portal page; never raises."""
        if probe.kind != "html":
            return None
        try:
            with probe.path.open("rb") as fh:
                head = fh.read(SNIFF_BYTES)
            text = head.decode(probe.encoding or "utf-8", errors="replace")
        except (OSError, LookupError):
            return None
        return Plan(self.format_id, None) if looks_like_portal(text) else None

    def stage(self, ctx: StageContext) -> StageResult:
        """Stage the snapshot, the sharing lists and the embedded search audit of one page."""
        try:
            raw = ctx.path.read_bytes()
            data: bytes | str = raw
            if (ctx.probe.encoding or "").startswith("utf-16"):
                # lxml reads bytes as the page's <meta charset> says, which a page re-saved
                # as UTF-16 still claims is UTF-8: hand it text
                data = raw.decode(ctx.probe.encoding or "utf-16", errors="replace")
            # lxml forgives a cut-off document by dropping the unfinished element, which
            # would silently drop the embedded CSV cut in the middle: refuse instead.
            tail = data[-4096:].lower()
            ended = "</html" in tail if isinstance(tail, str) else b"</html" in tail
            if not ended:
                raise ValueError("the file ends without </html>: it is cut off")
            page = parse_page(data)
        except (OSError, ValueError) as exc:
            raise IngestError(f"cannot read the portal page: {exc}", path=str(ctx.path),
                              hint="save the page again from the browser (File > Save Page As, "
                                   "'Webpage, Complete' or 'HTML only')") from exc
        if not (page.texts or page.numbers or page.hotlists is not None
                or page.sharing_out is not None or page.sharing_in is not None or page.csv_links):
            raise IngestError(
                "the page holds no transparency-portal cards (What's Detected, Usage …)",
                path=str(ctx.path),
                hint="the portal fills the page with JavaScript: save it after it has loaded "
                     "in a browser, not with curl/wget")
        publisher = page.agency_name or ctx.publisher
        if publisher is None:
            raise IngestError("the page does not name its agency (no heading or title)",
                              path=str(ctx.path), hint="name it with --agency")
        captured, captured_from = capture_date(page, ctx.path)
        tables = ["portal_snapshots"]
        _stage_snapshot(ctx, page, captured)
        if page.sharing_out is not None or page.sharing_in is not None:
            _stage_sharing(ctx, page, captured)
            tables.append("sharing")
        if page.has_search_audit:
            _stage_searches(ctx, [decode_data_uri(n, h) for n, h in page.csv_links], publisher)
            tables.append("searches")
        details: dict[str, Any] = {"captured_on_from": captured_from, "labels": page.labels,
                                   "cards_not_read": page.unknown_labels}
        return StageResult(0, "portal_audit" if page.has_search_audit else None, publisher,
                           details=details, tables=tuple(tables),
                           constants={"searcher_agency_id": PUBLISHER})


def capture_date(page: PortalPage, path: Path) -> tuple[date | None, str | None]:
    """The capture date and where it came from: the saved page, the file name, or none."""
    if page.saved_on is not None:
        return page.saved_on, "page"
    for found in reversed(_FILE_DATE.findall(path.name)):
        if (day := parse_date(found)) is not None:
            return day, "file name"
    return None, None


def partner_markers(name: str) -> tuple[str, list[str]]:
    """(status, flags) from the markers a partner name carries as written."""
    status = ("deactivated" if _DEACTIVATED.search(name)
              else "inactive" if _INACTIVE.search(name) else "active")
    return status, (["federal"] if _FEDERAL.search(name) else [])


# --- stages --------------------------------------------------------------------------------

def _register(ctx: StageContext, table: str, data: pa.Table, kb: str) -> None:
    """``stage_<table>`` from an Arrow table plus the de-duplication hash ``kb``."""
    ctx.con.register("_portal_rows", data)
    try:
        ctx.con.execute(f"DROP TABLE IF EXISTS {stage_name(table)}")
        ctx.con.execute(f"CREATE TEMP TABLE {stage_name(table)} AS "
                        f"SELECT *, {kb} AS _kb FROM _portal_rows")
    finally:
        ctx.con.unregister("_portal_rows")


def _meta(n: int, locators: list[str]) -> dict[str, pa.Array]:
    return {"_locator": pa.array(locators, pa.string()),
            "_reject": pa.array([None] * n, pa.string()),
            "_raw": pa.array([None] * n, pa.string()),
            "_has_id": pa.array([False] * n, pa.bool_())}


def _stage_snapshot(ctx: StageContext, page: PortalPage, captured: date | None) -> None:
    cols: dict[str, pa.Array] = _meta(1, ["page"])
    cols["agency_name_raw"] = pa.array([page.agency_name], pa.string())
    cols["captured_on"] = pa.array([captured], pa.date32())
    for name in NUMBER_FIELDS:
        cols[name] = pa.array([page.numbers.get(name)], pa.int64())
    cols["hotlists"] = pa.array([page.hotlists], pa.list_(pa.string()))
    for name in TEXT_FIELDS:
        cols[name] = pa.array([page.texts.get(name)], pa.string())
    cols["policy_links"] = pa.array([page.policy_links], pa.list_(pa.string()))
    cols["last_updated"] = pa.array([page.last_updated], pa.date32())
    content = ", ".join(c for c in cols if not c.startswith("_"))
    _register(ctx, "portal_snapshots", pa.table(cols), f"hash({content})")


def _stage_sharing(ctx: StageContext, page: PortalPage, captured: date | None) -> None:
    rows: list[tuple[str, str, str]] = []  # (direction, name, locator)
    for direction, names in (("out", page.sharing_out), ("in", page.sharing_in)):
        label = page.sharing_labels.get(f"sharing_{direction}", direction)
        rows += [(direction, n, f"{label}: item {i}") for i, n in enumerate(names or [], 1)]
    markers = [partner_markers(name) for _, name, _ in rows]
    cols = _meta(len(rows), [loc for _, _, loc in rows])
    cols["partner_name_raw"] = pa.array([n for _, n, _ in rows], pa.string())
    cols["direction"] = pa.array([d for d, _, _ in rows], pa.string())
    cols["data_kind"] = pa.array(["detections"] * len(rows), pa.string())
    cols["status"] = pa.array([s for s, _ in markers], pa.string())
    cols["flags"] = pa.array([f for _, f in markers], pa.list_(pa.string()))
    cols["observed_on"] = pa.array([captured] * len(rows), pa.date32())
    _register(ctx, "sharing", pa.table(cols),
              "hash(direction, data_kind, partner_name_raw, observed_on)")


# Stage for the portal CSV's rows: the same columns whichever reader filled them.
_SEARCH_STAGE = stage_name("searches")
_PART_STAGE = "_portal_csv_part"
_ANY_HEADER = HeaderMap(0, ["record_id", "search_time", "networks"],
                        ["id", "searchDate", "networkCount"])


def _stage_searches(ctx: StageContext, csvs: list[EmbeddedCsv], publisher: str) -> None:
    """Every embedded CSV through the portal CSV importer, appended to ``stage_searches``.

    Each CSV is decoded to a temporary file, probed and sniffed by the portal CSV importer,
    and staged by ``stage_csv`` with that importer's SELECT; its locators name the CSV.
    A CSV the importer does not recognise (or a URI that cannot be decoded) is kept whole
    as rejected rows, so no record is dropped unseen.
    """
    ctx.con.execute(f"DROP TABLE IF EXISTS {_SEARCH_STAGE}")
    _rejected_rows(ctx, [], _SEARCH_STAGE)  # the (maybe empty) stage, with its columns
    importer = FlockPortalAuditImporter()
    parts: list[PlanPart] = []
    with tempfile.TemporaryDirectory(prefix="alpr-portal-") as tmp:
        for i, csv in enumerate(csvs, 1):
            where = f"embedded {csv.name}" + (f" #{i}" if len(csvs) > 1 else "")
            if csv.data is None:
                _append(ctx, _rejected_rows(ctx, [("data URI", csv.raw, csv.error or "")],
                                            _PART_STAGE), where, 0)
                continue
            path = Path(tmp) / f"part{i}.csv"
            path.write_bytes(csv.data)
            probe = probe_file(path)
            plan = importer.sniff(probe)
            if plan is None:
                _append(ctx, _unrecognised(ctx, probe, csv, where), where, 0)
                continue
            part = plan.parts[0]
            sub = StageContext(ctx.con, path, probe, plan, publisher, ctx.progress, ctx.set_total)
            base = stage_csv(sub, CsvPart(part.header, part.skip), importer.build,
                             _PART_STAGE)
            _append(ctx, _PART_STAGE, where, base)
            parts.append(replace(part, sheet=where))
    # the ledger shows the embedded CSV's header variant
    ctx.plan = replace(ctx.plan, parts=tuple(parts))


def _append(ctx: StageContext, part_stage: str, where: str, base: int) -> None:
    """Append a staged CSV part in file order, its locators prefixed with the CSV's name."""
    ctx.con.execute(
        f"INSERT INTO {_SEARCH_STAGE} BY NAME SELECT * REPLACE ("
        f"{sql.string(where + ' ')} || coalesce(_locator, 'row ' || (rowid + {base})) AS _locator) "
        f"FROM {part_stage} ORDER BY rowid")
    ctx.con.execute(f"DROP TABLE IF EXISTS {part_stage}")


def _unrecognised(ctx: StageContext, probe: Probe, csv: EmbeddedCsv, where: str) -> str:
    """Rejected rows for a CSV whose header the portal CSV importer does not know."""
    lines = csv.data.decode("utf-8", errors="replace").splitlines() if csv.data else []
    header = lines[0] if lines else ""
    reason = (f"the page's search-audit CSV has a header the portal CSV reader does not know "
              f"({header[:200]!r}); expected id, userId, searchDate, networkCount, reason …")
    rows = [(f"line {n}", line, reason) for n, line in enumerate(lines[1:], 2) if line.strip()]
    return _rejected_rows(ctx, rows, _PART_STAGE)


def _rejected_rows(ctx: StageContext, rows: list[tuple[str, str, str]], stage: str) -> str:
    """A search stage holding only rejected rows (locator, raw, reason), via the shared SELECT."""
    n = len(rows)
    batch = pa.table({"c0": pa.array([None] * n, pa.string()),
                      "c1": pa.array([None] * n, pa.string()),
                      "c2": pa.array([None] * n, pa.string()),
                      "_locator": pa.array([r[0] for r in rows], pa.string()),
                      "_reject": pa.array([r[2] for r in rows], pa.string()),
                      "_raw": pa.array([r[1] for r in rows], pa.string())})
    ctx.con.register("_portal_rejects", batch)
    try:
        ctx.con.execute(f"DROP TABLE IF EXISTS {stage}")
        ctx.con.execute(f"CREATE TEMP TABLE {stage} AS "
                        f"{build_select(_ANY_HEADER, '_portal_rejects', key='id')}")
    finally:
        ctx.con.unregister("_portal_rejects")
    return stage
