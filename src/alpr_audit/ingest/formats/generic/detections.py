"""Row-level plate reads (CSV/XLSX) → ``detections``.

Layout: ``Agency,Read ID,Camera,Plate,Plate State,Read Time,Latitude,Longitude`` — no vendor
standard; columns are found by name (synonyms below), ``Agency`` and ``Read ID`` are optional
(the shared rules of :mod:`.readings` apply). A sheet is a plate-read export when it has a
plate, a camera and a time and none of the columns of a hits list or a search log.

* ``seen_at``: the shared timestamp rules (naive text is UTC). An empty, withheld or
  unreadable time, or a year outside 1990..2099, rejects the row.
* ``lat``/``lon``: numbers in range, else the row is rejected; empty or withheld is NULL.
* An empty plate rejects the row (a read is a plate); a withheld plate (``***``) is loaded
  with ``plate_token`` NULL — the table has no ``redacted`` column.

**The plate is never stored.** ``plate_token`` is the store's pseudonym of the plate,
``plate-`` + 12 hex digits of HMAC-SHA256 under the per-store key (``privacy.store_key``),
equal to ``Pseudonymizer.token("plate", plate)``: a read can be matched to a pseudonymised
search of the same plate, and nobody without the key can test a guess. It is computed inside
DuckDB by :func:`alpr_audit.core.privacy_sql.pseudo_expr` (two ``sha256`` calls over key pads held
in session variables, never in query text), vectorised, so 10^8 reads need no Python call per
row. Plates with non-ASCII characters, whose SQL and Python case folding could differ, are
tokenised in Python afterwards (a handful per file). Rejected rows keep the token, not the
plate, in their raw text.

Natural key: the Read ID when the row has one (a re-export repeats it); else every parsed
cell (camera, plate token, plate state, time, position), so two identical reads in one file
stay two reads while an overlapping re-export is recognised.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import duckdb

from alpr_audit.core import sql
from alpr_audit.core.errors import IngestError
from alpr_audit.core.fetch import one_row
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.core.privacy_sql import clear_pseudo_state, fill_pseudo_map, pseudo_expr
from alpr_audit.ingest.base import StageContext, StageResult, stage_name
from alpr_audit.ingest.formats.generic.readings import (
    AGENCY_SYNONYMS,
    PLATE_SYNONYMS,
    AgencyRowsImporter,
    bad_time_reason,
    meta_columns,
    raw_json,
    syn,
    t_or_null,
    trimmed,
    ts_sql,
    variants,
)
from alpr_audit.ingest.tabular import HeaderMap

SYNONYMS: dict[str, str] = {
    **AGENCY_SYNONYMS,
    **PLATE_SYNONYMS,
    **syn("detection_id", "read id", "detection id", "id", "record id", "read number",
          "detection number"),
    **syn("device_id", "camera", "device", "camera name", "device id", "camera id",
          "device name", "reader", "reader id", "camera serial"),
    **syn("plate_state", "plate state", "state", "plate region", "region", "license state",
          "registration state"),
    **syn("seen_at", "read time", "timestamp", "detected at", "date time", "datetime",
          "date/time", "time", "capture time", "captured at", "read at", "read date",
          "seen at", "detection time", "read time (utc)", "timestamp (utc)"),
    **syn("lat", "lat", "latitude"),
    **syn("lon", "lon", "lng", "long", "longitude"),
}

#: Columns of hits lists, search logs, event logs and agreements: not a plate-read export.
FOREIGN = frozenset(variants(
    "hotlist", "hot list", "hot-list", "hotlist name", "alert id", "hit id", "alert time",
    "hit time", "disposition", "reason", "search reason", "purpose", "case number",
    "searched at", "event type", "entity type", "partner", "signed on", "date signed"))

#: Parsed columns keying a read without a Read ID.
KEY_COLUMNS = ("device_id", "plate_token", "plate_state", "seen_at", "lat", "lon")
_KB_NO_ID = f"hash({', '.join(KEY_COLUMNS)})"


def store_root(con: duckdb.DuckDBPyConnection) -> Path:
    """The store folder of the connection the pipeline stages on (its catalog's folder).

    ``StageContext`` does not carry the store; the catalog database file does.
    """
    row = con.execute("SELECT path FROM duckdb_databases() "
                      "WHERE database_name = current_database()").fetchone()
    if not row or not row[0] or row[0] == ":memory:":
        raise IngestError("cannot find the store's key to pseudonymise plates",
                          hint="ingest into a store folder (--store DIR)")
    return Path(row[0]).parent


def _coordinate(field: str, label: str, limit: int) -> tuple[str, str]:
    """(parsed value SQL, reject branch) of a latitude/longitude column."""
    value = f"TRY_CAST(v_{field} AS DOUBLE)"  # v_: the cell's value (NULL: empty, withheld)
    expected = sql.string(f"{label}: expected a number between -{limit} and {limit}, found ")
    reject = (f"WHEN v_{field} IS NOT NULL AND NOT coalesce({field} BETWEEN -{limit} "
              f"AND {limit}, false) THEN {expected} || '\"' || t_{field} || '\"'")
    return value, reject


def build_detections(hm: HeaderMap, relation: str, token: str) -> str:
    """The SELECT turning text columns ``c0…cN`` into ``detections`` stage rows.

    ``token`` is the SQL of the plate's pseudonym over the column ``_plate_v``.
    """
    f = hm.fields
    label = {field: hm.headers[i] for i, field in enumerate(f) if field}
    rejects = [(f"WHEN _plate_v IS NULL AND aa_empty_t(t_plate) THEN "
               f"{sql.string(label['plate'] + ' empty: a read needs its plate')}")]
    rejects += bad_time_reason(label["seen_at"], "t_seen_at", "seen_at")
    coords, values = [], ""
    for field, limit in (("lat", 90), ("lon", 180)):
        if field in f:
            values += f", aa_text_t(t_{field}) AS v_{field}"
            value, reject = _coordinate(field, label[field], limit)
            coords.append(f"{value} AS {field}")
            rejects.append(reject)
        else:
            coords.append(f"CAST(NULL AS DOUBLE) AS {field}")
    pi = f.index("plate")
    # a reject's raw text shows the plate's token (or a mark while the token is pending)
    override = {pi: f"CASE WHEN _plate_v IS NULL THEN c{pi} "
                    "ELSE coalesce(plate_token, '[plate withheld]') END"}
    agency = "aa_text_t(t_agency)" if "agency" in f else "CAST(NULL AS VARCHAR)"
    return f"""
SELECT _locator, _rj AS _reject,
  CASE WHEN _rj IS NOT NULL THEN coalesce(_raw, {raw_json(hm, override)}) END AS _raw,
  CASE WHEN detection_id IS NOT NULL THEN hash(detection_id) ELSE {_KB_NO_ID} END AS _kb,
  detection_id IS NOT NULL AS _has_id,
  detection_id, device_id, plate_token, plate_state, seen_at, lat, lon, _agency,
  CASE WHEN _rj IS NULL AND NOT regexp_full_match(_plate_v, '[ -~]*') THEN _plate_v END
    AS _plate_x,
  {meta_columns(hm, "plate")}
FROM (SELECT *, CASE WHEN _reject IS NOT NULL THEN _reject {" ".join(rejects)} END AS _rj
  FROM (SELECT *,
      {token} AS plate_token,
      aa_text_t({t_or_null(hm, 'detection_id')}) AS detection_id,
      aa_text_t({t_or_null(hm, 'device_id')}) AS device_id,
      aa_text_t({t_or_null(hm, 'plate_state')}) AS plate_state,
      {ts_sql('t_seen_at')} AS seen_at,
      {", ".join(coords)},
      {agency} AS _agency
    FROM (SELECT *, aa_text_t(t_plate) AS _plate_v{values}
      FROM (SELECT *, {trimmed(hm)} FROM {relation}))))"""


class DetectionsImporter(AgencyRowsImporter):
    """Row-level plate reads (CSV/XLSX) → ``detections``, plates as keyed tokens."""

    format_id: ClassVar[str] = "detections_csv"
    label: ClassVar[str] = "Row-level plate reads (CSV/XLSX: Read ID, Camera, Plate, Read Time)"
    table: ClassVar[str] = "detections"
    synonyms = SYNONYMS
    required_any = ({"plate", "device_id", "seen_at"},)
    min_fields = 3
    foreign = FOREIGN
    plate_field = "plate"

    def __init__(self) -> None:
        self._pz: Pseudonymizer | None = None

    def build(self, hm: HeaderMap, relation: str) -> str:
        assert self._pz is not None, "build runs inside stage()"
        return build_detections(hm, relation, pseudo_expr(self._pz, "plate", "_plate_v"))

    def stage(self, ctx: StageContext) -> StageResult:
        self._pz = Pseudonymizer(store_key(store_root(ctx.con)))
        # Puts the key's HMAC pads in session variables (the SQL reads them from there).
        fill_pseudo_map(ctx.con, self._pz, "plate", "p",
                        "FROM (SELECT NULL::VARCHAR AS p) WHERE false")
        try:
            return super().stage(ctx)
        finally:
            clear_pseudo_state(ctx.con)  # no key material stays on the connection
            self._pz = None

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        assert self._pz is not None
        pz, stage = self._pz, stage_name(self.table)
        details = {}
        pending = f"FROM {stage} WHERE _plate_x IS NOT NULL"
        n = one_row(ctx.con.execute(f"SELECT count(*) {pending}"))[0]
        if n:
            fill_pseudo_map(ctx.con, pz, "plate", "_plate_x", pending)
            token = pseudo_expr(pz, "plate", "_plate_x")
            ctx.con.execute(f"UPDATE {stage} SET plate_token = {token} WHERE _plate_x IS NOT NULL")
            # the key of a read without an id holds the token: compute it again
            ctx.con.execute(f"UPDATE {stage} SET _kb = CASE WHEN _has_id THEN _kb "
                            f"ELSE {_KB_NO_ID} END, _plate_x = NULL WHERE _plate_x IS NOT NULL")
            details["plates_tokenised_in_python"] = n
        masked = self.mask_reader_rejects(ctx, lambda plate: pz.token("plate", plate) or "")
        publisher, more = self.publisher(ctx)
        details.update(more)
        if masked:
            details["plates_masked_in_rejects"] = masked
        return StageResult(locator_base, None, publisher, details=details, tables=(self.table,))
