"""Flock event log (hot-list and admin actions), CSV or XLSX → ``hotlist_events`` (+ ``sharing``).

Layout (docs/formats.md): ``Timestamp | User | Event Type | Entity Type | Entity Details``, upstream
also ``Event Id``; columns are found by header name. ``Entity Details`` is a multi-line
``Key: value`` block, parsed by :func:`parse_details`. Blank rows (often thousands, hidden or at
the tail) are not records. Rules, each one explicit:

* **Time.** A ``Timestamp`` whose text names its zone (``…Z``, ``… UTC``, ``+00:00``) is read
  as such. One without a zone (a typed Excel date, or naive text) is Flock's UTC *unless the
  file proves otherwise*: a spreadsheet tool that typed the dates may have shifted them to the
  workstation's zone (the Riverside release was built by Power Query, whose datetime type
  turns ``…Z`` into local time). The proof is the ``Expiry`` of hot-list entries, always
  written in UTC and usually set to "now + N days": the zone among :data:`CANDIDATE_ZONES` that
  puts most expiries at the event's own time of day (±10 min) wins, if it explains at least 5
  events and a fifth of the evidence and beats UTC. The rule applied is reported in
  ``StageResult.details["timestamp"]``. An event without a readable time is rejected.
* **Keys.** With an ``Event Id`` the key is the id (``_has_id``); without one it is the hash of
  the event's cells taken by name (Timestamp text, User, Event Type, Entity Type, Entity
  Details), so identical rows stay distinct events and an overlapping re-release — even with
  columns reordered or dropped — is matched by occurrence (the pipeline numbers them). The raw
  Timestamp text, not the converted time, is hashed: a small re-release with too little
  evidence for the zone rule still meets its twin.
* **Fields.** ``Hotlist Name`` (for ``customHotlist`` entities ``Name``) → ``hotlist_name``,
  ``License`` → ``plate_query``, ``State`` → ``plate_state`` (as written), ``Reason``, ``Case``,
  ``Expiry`` (``never`` → NULL). ``details`` keeps every pair as a JSON object, keys and values
  as written (values trimmed). Redaction markers give NULL plus the column name — or
  ``details.<Key>`` for a key without a column — in ``redacted``.
* **Sharing.** A ``networkShare`` event also gives one ``sharing`` row, a history of sharing
  changes: partner = ``Receiving Organization`` (else ``Network Name``), direction ``out``,
  data_kind ``hotlist`` when the permissions name only hot lists, else ``detections``;
  status ``removed`` for delete/remove/revoke/disable events, else ``deactivated`` when the
  partner's name says so, else ``active``; ``relationship`` = ``networkShare <event type>``,
  ``access`` = the permissions as written, ``observed_on`` = the event's UTC date.
* **Publisher.** The file does not name the agency: ``ctx.publisher`` (``--agency``) or NULL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import pyarrow as pa

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.core import sql
from alpr_audit.core.errors import IngestError
from alpr_audit.core.fetch import one_row
from alpr_audit.ingest.base import Plan, PlanPart, Probe, StageContext, StageResult, stage_name
from alpr_audit.ingest.staging import undecodable
from alpr_audit.ingest.tabular import (
    HeaderMap,
    find_header,
    norm_header,
    python_csv_batches,
    sheet_batches,
)

SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["timestamp", "time", "date", "date/time", "event time", "created at",
                     "time (utc)", "timestamp (utc)"], "timestamp"),
    **dict.fromkeys(["user", "user name", "username", "actor", "name"], "user"),
    **dict.fromkeys(["event type", "eventtype", "event", "action"], "event_type"),
    **dict.fromkeys(["entity type", "entitytype", "entity"], "entity_type"),
    **dict.fromkeys(["entity details", "entitydetails", "details"], "details"),
    **dict.fromkeys(["event id", "eventid", "event_id", "id"], "event_id"),
}
REQUIRED = {"timestamp", "event_type", "entity_type", "details"}

#: Detail keys (compared loosely) → the stage field they fill.
DETAIL_FIELDS: dict[str, str] = {
    **dict.fromkeys(["hotlist name", "hot list name", "hotlist"], "hotlist_name"),
    **dict.fromkeys(["license", "license plate", "plate"], "plate"),
    **dict.fromkeys(["state", "plate state"], "state"),
    "reason": "reason",
    **dict.fromkeys(["case", "case #", "case number"], "case"),
    **dict.fromkeys(["expiry", "expiration", "expires", "expires at"], "expiry"),
    "receiving organization": "partner",
    "network name": "network",
    "permissions": "permissions",
}
#: Keys Flock writes, for repairing lines whose colon was lost (hand redaction).
KNOWN_KEYS = ("Hotlist Name", "License", "State", "Reason", "Case", "Expiry", "Consolidated",
              "Deleted Plates", "Name", "Organization Hotlist", "Audience Users",
              "Audience Roles", "Network Name", "Permissions", "Receiving Organization")
_KEY_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _#./()&'-]{0,48}?)\s*:(.*)$", re.S)
_REPAIR = re.compile(r"^\s*(" + "|".join(re.escape(k) for k in sorted(KNOWN_KEYS, key=len,
                     reverse=True)) + r")\b\s*(?:[-–]\s*)?(.*)$", re.I | re.S)

#: Zones tried when naive timestamps may be local time: Flock's market is the US.
CANDIDATE_ZONES = ("UTC", "America/Los_Angeles", "America/Denver", "America/Phoenix",
                   "America/Chicago", "America/New_York", "America/Anchorage", "Pacific/Honolulu")
_TOLERANCE = 600  # seconds between an expiry's time of day and the event's
_EXPLICIT_ZONE = re.compile(r"(Z|UTC|GMT|[+-]\d\d:?\d\d)\s*$", re.I)
_REMOVED = re.compile(r"delete|remove|revoke|disable|deactivat|unshare", re.I)

#: Stage field → hotlist_events column named in ``redacted``.
_REDACTABLE = (("user", "user_ref"), ("event_id", "event_id"), ("event_type", "event_type"),
               ("entity_type", "entity_type"), ("hotlist_name", "hotlist_name"),
               ("plate", "plate_query"), ("state", "plate_state"), ("reason", "reason"),
               ("case", "case_number"), ("expiry", "expires_at"))
_TEXT_FIELDS = ("user", "event_id", "event_type", "entity_type", "timestamp", "details",
                "hotlist_name", "plate", "state", "reason", "case", "expiry", "partner", "network",
                "permissions")
#: The de-duplication key: the vendor id, else the event's cells by name (not by position, so
#: a re-release with columns reordered or dropped still matches; CR/LF as LF).
_KB = ("CASE WHEN aa_text(f_event_id) IS NOT NULL THEN hash(aa_text(f_event_id)) "
       "ELSE hash(aa_trim(f_timestamp), aa_trim(f_user), aa_trim(f_event_type), "
       "aa_trim(f_entity_type), replace(aa_trim(f_details), chr(13), '')) END")


def parse_details(text: str | None) -> tuple[dict[str, Any], bool]:
    """The ``Key: value`` pairs of an ``Entity Details`` block, and whether it was irregular.

    A key is the text before the first colon (values may hold colons: ``Deleted Plates:
    License: … State: …``, times). Values are trimmed; a repeated key collects a list. A line
    without a colon that starts with a known key (``License``, ``Reason- GB``) is that key —
    redactors delete the colon with the value; any other such line continues the previous
    value, or without one is kept under ``_unparsed``. Irregular blocks also keep the whole
    text under ``_text``, so nothing is lost.
    """
    pairs: dict[str, Any] = {}
    if text is None or not text.strip():
        return pairs, False
    irregular, last = False, None
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _KEY_LINE.match(line)
        if m:
            key, value = m.group(1).strip(), m.group(2).strip()
        else:
            irregular = True
            r = _REPAIR.match(line)
            if r and r.group(1).lower() not in {k.lower() for k in pairs}:
                key = next(k for k in KNOWN_KEYS if k.lower() == r.group(1).lower())
                value = r.group(2).strip()
            elif last is not None:
                prev = pairs[last]
                cont = line.strip()
                if isinstance(prev, list):
                    prev[-1] = f"{prev[-1]}\n{cont}" if prev[-1] else cont
                else:
                    pairs[last] = f"{prev}\n{cont}" if prev else cont
                continue
            else:
                pairs.setdefault("_unparsed", []).append(line.strip())
                continue
        if key in pairs:
            prev = pairs[key]
            pairs[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            pairs[key] = value
        last = key
    if irregular:
        pairs["_text"] = text
    return pairs, irregular


def _fields(pairs: dict[str, Any], entity_type: str | None) -> dict[str, str | None]:
    """Stage fields from detail pairs: the first value of each mapped key."""
    out: dict[str, str | None] = {}
    for key, value in pairs.items():
        field = DETAIL_FIELDS.get(norm_header(key))
        if field and field not in out:
            out[field] = value[0] if isinstance(value, list) else value
    # a customHotlist's own name is its hot list
    if "hotlist_name" not in out and "hotlist" in norm_header(entity_type).replace(" ", ""):
        name = pairs.get("Name") or next((v for k, v in pairs.items() if norm_header(k) == "name"),
                                         None)
        if name is not None:
            out["hotlist_name"] = name[0] if isinstance(name, list) else name
    return out


class FlockEventLogImporter:
    """Flock event log → ``hotlist_events``; its ``networkShare`` events also → ``sharing``."""

    format_id: ClassVar[str] = "flock_event_log"
    label: ClassVar[str] = "Flock event log of hot-list and admin actions (CSV/XLSX)"
    table: ClassVar[str] = "hotlist_events"

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan naming each sheet with an event-log header; None otherwise. Never raises."""
        try:
            if probe.kind not in ("csv", "xlsx"):
                return None
            parts: list[PlanPart] = []
            ignored: list[str] = []
            for sp in probe.sheets:
                if not any(any(c not in (None, "") for c in r) for r in sp.rows):
                    continue  # an empty sheet (the Riverside release's "Sheet1") holds nothing
                hm = find_header(sp.rows, SYNONYMS, REQUIRED, len(REQUIRED))
                if hm is None:
                    ignored.append(sp.name or "")
                    continue
                parts.append(PlanPart(sp.name, hm, (hm.header_row or 0) + 1))
            if not parts:
                return None
            return Plan(self.format_id, None, parts=tuple(parts), ignored_sheets=tuple(ignored))
        except Exception:  # a sniffer must never raise
            return None

    # --- reading ---------------------------------------------------------------------------

    def _batches(self, ctx: StageContext) -> Iterator[tuple[HeaderMap, pa.Table]]:
        parts = ctx.plan.parts
        if ctx.probe.kind == "csv":
            part = parts[0]
            hm, skip = part.header, part.skip
            enc = ctx.probe.encoding or "utf-8"
            try:
                batches = list(python_csv_batches(ctx.path, enc, len(hm.fields), skip, skip + 1))
            except UnicodeDecodeError as exc:
                if not enc.startswith("utf-8"):  # UTF-16 cut at an odd byte is no cp1252
                    raise undecodable(ctx, enc, exc) from exc
                ctx.plan = replace(ctx.plan,
                                   encoding="cp1252 (not valid UTF-8 past the first bytes)")
                batches = list(python_csv_batches(ctx.path, "cp1252", len(hm.fields), skip,
                                                  skip + 1))
            for b in batches:
                yield hm, b
            return
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(ctx.path))
            for part in parts:
                hm = part.header
                sheet = wb.get_sheet_by_name(part.sheet or "")
                for b in sheet_batches(sheet, len(hm.fields), part.skip, part.sheet or ""):
                    yield hm, b
        except Exception as exc:  # calamine raises several unrelated types for bad workbooks
            raise IngestError(f"cannot read the workbook: {exc}", path=str(ctx.path),
                              hint="open it in a spreadsheet program and save it again as .xlsx"
                              ) from exc

    def _rows(self, ctx: StageContext) -> list[dict[str, Any]]:
        """One dict per record (file order) with its texts, parsed details and raw cells."""
        rows: list[dict[str, Any]] = []
        ctx.set_total(None)
        for hm, batch in self._batches(ctx):
            for rec in batch.to_pylist():
                cells = [rec.get(f"c{i}") for i in range(len(hm.fields))]
                row: dict[str, Any] = {f: cells[i] for i, f in enumerate(hm.fields) if f}
                pairs, _ = parse_details(row.get("details"))
                row.update(_fields(pairs, row.get("entity_type")))
                row["details_json"] = json.dumps(pairs, ensure_ascii=False) if pairs else None
                row["other"] = [{"k": k, "v": v} for k, v in pairs.items() if not k.startswith("_")
                                and isinstance(v, str) and norm_header(k) not in DETAIL_FIELDS]
                row["raw_json"] = rec["_raw"] or json.dumps(dict(zip(hm.headers, cells, strict=False)),
                                                            ensure_ascii=False)
                row.update(_locator=rec["_locator"], _reject=rec["_reject"])
                rows.append(row)
            ctx.progress(batch.num_rows)
        return rows

    # --- staging ---------------------------------------------------------------------------

    def stage(self, ctx: StageContext) -> StageResult:
        """Fill ``stage_hotlist_events`` (and ``stage_sharing`` when the log shares)."""
        rows = self._rows(ctx)
        cols: dict[str, pa.Array] = {
            **{f"f_{f}": pa.array([r.get(f) for r in rows], pa.string()) for f in _TEXT_FIELDS},
            "_locator": pa.array([r["_locator"] for r in rows], pa.string()),
            "_reject_in": pa.array([r["_reject"] for r in rows], pa.string()),
            "_raw_in": pa.array([r["raw_json"] for r in rows], pa.string()),
            "details_json": pa.array([r["details_json"] for r in rows], pa.string()),
            "f_other": pa.array([r["other"] for r in rows],
                                pa.list_(pa.struct([("k", pa.string()), ("v", pa.string())]))),
        }
        con = ctx.con
        con.register("_evlog_in", pa.table(cols))
        try:
            parsed = con.execute("SELECT aa_ts(f_timestamp), aa_trim(f_timestamp), "
                                 "aa_ts(f_expiry), aa_trim(f_expiry) FROM _evlog_in").fetchall()
            at, rule = resolve_times(parsed)
            shares = [_share_extras(r) for r in rows]
            extra = pa.table({
                "_at": pa.array(at, pa.timestamp("us")),
                "_is_share": pa.array([s is not None for s in shares], pa.bool_()),
                "_partner_status": pa.array([s[0] if s else None for s in shares], pa.string()),
                "_flags": pa.array([s[1] if s else None for s in shares], pa.list_(pa.string())),
            })
            con.register("_evlog_x", extra)
            con.execute("CREATE OR REPLACE TEMP TABLE _evlog AS SELECT * FROM "
                        "_evlog_in POSITIONAL JOIN _evlog_x")
        finally:
            con.unregister("_evlog_in")
            con.unregister("_evlog_x")
        hm0 = ctx.plan.parts[0].header
        ts_label = hm0.headers[hm0.fields.index("timestamp")]
        con.execute(f"DROP TABLE IF EXISTS {stage_name('hotlist_events')}")
        con.execute(f"CREATE TEMP TABLE {stage_name('hotlist_events')} AS "
                    + _events_sql(ts_label))
        con.execute(f"DROP TABLE IF EXISTS {stage_name('sharing')}")
        con.execute(f"CREATE TEMP TABLE {stage_name('sharing')} AS " + _sharing_sql())
        con.execute("DROP TABLE IF EXISTS _evlog")
        n_share = one_row(con.execute(f"SELECT count(*) FROM {stage_name('sharing')}"))[0]
        tables = ("hotlist_events", "sharing") if n_share else ("hotlist_events",)
        if not n_share:
            con.execute(f"DROP TABLE {stage_name('sharing')}")
        return StageResult(0, None, ctx.publisher, details={"timestamp": rule}, tables=tables)


def resolve_times(parsed: Sequence[tuple[dt.datetime | None, str | None, dt.datetime | None,
                                         str | None]]) -> tuple[list[dt.datetime | None], str]:
    """UTC event times from (parsed Timestamp, its text, parsed Expiry, its text) per row.

    Returns the times and the rule applied, in words (see the module docstring).
    """
    naive = [p[1] is not None and not _EXPLICIT_ZONE.search(p[1]) for p in parsed]
    evidence = [(p[0], p[2]) for p, nv in zip(parsed, naive, strict=False) if nv and p[0] and p[2]
                and p[3] and _EXPLICIT_ZONE.search(p[3])]
    zone, why = "UTC", "no expiry evidence; Flock's convention"
    if any(naive) and evidence:
        scores: Counter[str] = Counter()
        for name in CANDIDATE_ZONES:
            try:
                tz = zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
            scores[name] = sum(1 for at, exp in evidence if _fits(_to_utc(at, tz), exp))
        best = max(scores, key=lambda z: (scores[z], -CANDIDATE_ZONES.index(z)), default="UTC")
        n, total = scores[best], len(evidence)
        if best != "UTC" and n >= 5 and n >= total / 5 and n > scores["UTC"]:
            zone = best
            ties = [z for z in scores if z != best and scores[z] == n]
            why = (f"{n} of {total} hot-list expiries fall at the event's time of day in this zone"
                   f" ({scores['UTC']} in UTC)"
                   + (f"; {', '.join(ties)} fit equally" if ties else ""))
        else:
            why = (f"expiries do not show a local zone ({scores['UTC']} of {total} fit UTC, "
                   f"best other {n}); Flock's convention")
    local = zoneinfo.ZoneInfo(zone) if zone != "UTC" else None
    out = [(_to_utc(p[0], local) if local and nv and p[0] else p[0]) for p, nv in zip(parsed, naive, strict=False)]
    if not any(naive):
        return out, "timestamps name their zone"
    return out, f"timestamps without a zone read as {zone} ({why})"


def _to_utc(at: dt.datetime, tz: zoneinfo.ZoneInfo | None) -> dt.datetime:
    if tz is None:
        return at
    return at.replace(tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)


def _fits(at_utc: dt.datetime, expiry: dt.datetime) -> bool:
    r = (expiry - at_utc).total_seconds() % 86400
    return min(r, 86400 - r) <= _TOLERANCE


def _share_extras(row: dict[str, Any]) -> tuple[str, list[str]] | None:
    """(status, flags) of a networkShare event's partner; None for other events."""
    entity = norm_header(row.get("entity_type")).replace(" ", "")
    if entity != "networkshare":
        return None
    name = (row.get("partner") or "").strip() or (row.get("network") or "").strip()
    parsed = parse_agency_name(name) if name else None
    if _REMOVED.search(row.get("event_type") or ""):
        status = "removed"
    else:
        status = "deactivated" if parsed and parsed.deactivated else "active"
    flags = [f for f, on in (("federal", parsed and parsed.is_federal),
                             ("private", parsed and parsed.is_private)) if on]
    return status, flags


def _events_sql(ts_label: str) -> str:
    redacted = ", ".join(f"CASE WHEN aa_is_redacted(f_{f}) THEN '{col}' END"
                         for f, col in _REDACTABLE)
    found = sql.string(f'{ts_label}: expected a timestamp such as "2025-08-19 13:36:30" or '
               '"2025-08-19T20:36:30.943Z", found "')
    return f"""
SELECT _locator, _rj AS _reject, CASE WHEN _rj IS NOT NULL THEN _raw_in END AS _raw,
  {_KB} AS _kb, event_id IS NOT NULL AS _has_id,
  event_id, user_ref, _at AS "at",
  CASE WHEN regexp_matches(coalesce(aa_trim(f_timestamp), ''), '(Z|UTC|[+-]\\d\\d:?\\d\\d)$')
       THEN NULL ELSE aa_trim(f_timestamp) END AS at_raw,
  event_type, entity_type, hotlist_name, plate_query,
  plate_state, reason, case_number, expires_at, details_json AS details, redacted
FROM (SELECT *, CASE
    WHEN _reject_in IS NOT NULL THEN _reject_in
    WHEN _at IS NOT NULL THEN NULL
    WHEN aa_is_empty(f_timestamp) THEN {sql.string(ts_label + ' is empty: an event needs its time')}
    WHEN aa_is_redacted(f_timestamp) THEN {sql.string(ts_label + ' is redacted: an event needs its time')}
    ELSE {found} || aa_trim(f_timestamp) || '"' END AS _rj
  FROM (SELECT *,
    aa_text(f_event_id) AS event_id, aa_text(f_user) AS user_ref,
    aa_text(f_event_type) AS event_type, aa_text(f_entity_type) AS entity_type,
    aa_text(f_hotlist_name) AS hotlist_name, aa_text(f_plate) AS plate_query,
    aa_text(f_state) AS plate_state, aa_text(f_reason) AS reason, aa_text(f_case) AS case_number,
    aa_ts(f_expiry) AS expires_at,
    [x FOR x IN [{redacted}] IF x IS NOT NULL]
      || ['details.' || p.k FOR p IN coalesce(f_other, []) IF aa_is_redacted(p.v)] AS redacted
  FROM _evlog))"""


#: Permission words: searching the partner's cameras vs. its hot lists.
_SEARCH_WORDS, _HOTLIST_WORDS = "search|lpr|detection|camera", "hot\\s*list"


def _sharing_sql() -> str:
    return f"""
SELECT _locator, CAST(NULL AS VARCHAR) AS _reject, CAST(NULL AS VARCHAR) AS _raw,
  {_KB} AS _kb, aa_text(f_event_id) IS NOT NULL AS _has_id,
  coalesce(aa_text(f_partner), aa_text(f_network)) AS partner_name_raw,
  'out' AS direction,
  CASE WHEN regexp_matches(coalesce(f_permissions, ''), '{_HOTLIST_WORDS}', 'i')
        AND NOT regexp_matches(coalesce(f_permissions, ''), '{_SEARCH_WORDS}', 'i')
       THEN 'hotlist' ELSE 'detections' END AS data_kind,
  _partner_status AS status, CAST(_at AS DATE) AS observed_on,
  'networkShare ' || coalesce(aa_text(f_event_type), '?') AS relationship,
  aa_text(f_permissions) AS access,
  CASE WHEN aa_text(f_permissions) IS NOT NULL
       THEN regexp_matches(f_permissions, '{_SEARCH_WORDS}', 'i') END AS search_enabled,
  CASE WHEN aa_text(f_permissions) IS NOT NULL
       THEN regexp_matches(f_permissions, '{_HOTLIST_WORDS}', 'i') END AS hotlist_enabled,
  _flags AS flags
FROM _evlog WHERE _is_share AND _reject_in IS NULL AND _at IS NOT NULL"""
