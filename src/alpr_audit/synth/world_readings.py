"""Row-level plate reads (detections) and hot-list hits, written with DuckDB COPY.

Read ``i`` of an agency happens at ``start + (i + u) * span / n`` (time order = file order), so
a file of 10^7 reads is one vectorised COPY and any count over it is one SQL aggregate. A hit
is a read whose hash falls under the agency's hit ratio; its alert follows the read by 1-4 s.
Locators are the ingest's CSV convention: header = row 1, read ``i`` = ``row i + 2``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from alpr_audit.core import sql
from alpr_audit.synth import vocab as V
from alpr_audit.synth import world_vocab as W
from alpr_audit.synth._duck import epoch_s, sql_uuid_of
from alpr_audit.synth.world_people import AS_OF, START, AgencyWorld

DETECTIONS_FILE = "detections.csv"
HITS_FILE = "hits.csv"
DETECTION_HEADER = ("Agency", "Read ID", "Camera", "Plate", "Plate State", "Read Time",
                    "Latitude", "Longitude")
HIT_HEADER = ("Agency", "Alert ID", "Read ID", "Hotlist", "Alert Time", "Disposition")
#: Hits per read, by profile (0.1-0.5 % is what agencies report).
HIT_RATIO = {"city": 0.0025, "county": 0.004}
#: Reads stop a minute before as_of, so no alert (read + <= 4 s) passes it.
_END_S = epoch_s(AS_OF) - 60
_START_S = epoch_s(datetime(START.year, START.month, START.day))  # reads are in UTC
_CENTRES = ((37.31, -121.95), (33.95, -117.40), (38.10, -122.25), (34.40, -118.90),
            (36.70, -119.75), (39.20, -121.05), (35.30, -120.65), (40.58, -122.38))
_SALT = 7919  # keeps read hashes apart from search hashes


def reads_per_agency(scale: int) -> int:
    """Reads of one agency at ``scale``."""
    return 200_000 * scale


def _base(aw: AgencyWorld, n: int) -> str:
    """SQL of (i, h, ts_s) for the agency's reads, in time order."""
    span = _END_S - _START_S
    k = aw.index * 1_000_000_000 + _SALT
    return (f"SELECT i, {k} + i AS h, "
            f"{_START_S} + floor((i + uu({k} + i, 't')) * {span}.0 / {n})::BIGINT AS ts_s "
            f"FROM range(0, {n}) r(i)")


def _detections_sql(aw: AgencyWorld, n: int) -> str:
    lat0, lon0 = _CENTRES[aw.index % len(_CENTRES)]
    prefix = "".join(w[:3].upper() for w in aw.name.split()[:-2])
    # a fleet of vehicles passes again and again: plates come from n/6 vehicles, skewed
    veh = f"floor({max(n // 6, 1)} * pow(uu(h, 'v'), 1.7))::BIGINT"
    plate = ("chr(49 + (hv % 9)::INTEGER) || chr(65 + ((hv >> 5) % 26)::INTEGER) || "
             "chr(65 + ((hv >> 10) % 26)::INTEGER) || chr(65 + ((hv >> 15) % 26)::INTEGER) || "
             "lpad(((hv >> 20) % 1000)::VARCHAR, 3, '0')")
    states = V.sql_list(["CA"] * 92 + ["NV", "AZ", "OR", "TX", "WA", "UT", "NM", "FL"])
    return f"""
    SELECT {sql.string(aw.name)} AS "Agency", {sql_uuid_of("hh(h, 'rd1')", "hh(h, 'rd2')")} AS "Read ID",
      '{prefix}-LPR-' || lpad(cam::VARCHAR, 2, '0') AS "Camera",
      {plate} AS "Plate", {states}[1 + (hv % 100)::INTEGER] AS "Plate State",
      strftime(make_timestamp(ts_s * 1000000), '%Y-%m-%dT%H:%M:%SZ') AS "Read Time",
      round({lat0} + ((hash(cam, 'la') % 2000)::DOUBLE - 1000) / 40000, 6) AS "Latitude",
      round({lon0} + ((hash(cam, 'lo') % 2000)::DOUBLE - 1000) / 40000, 6) AS "Longitude"
    FROM (SELECT *, hash({aw.index}, veh) AS hv, 1 + (hh(h, 'cam') % 24)::INTEGER AS cam
          FROM (SELECT *, {veh} AS veh FROM ({_base(aw, n)})))"""


def _hits_sql(aw: AgencyWorld, n: int) -> str:
    ratio = HIT_RATIO[aw.profile.kind]
    lists = V.sql_list(list(W.STATE_HOTLISTS) * 3 + list(aw.hotlists))
    return f"""
    SELECT {sql.string(aw.name)} AS "Agency", {sql_uuid_of("hh(h, 'al1')", "hh(h, 'al2')")} AS "Alert ID",
      {sql_uuid_of("hh(h, 'rd1')", "hh(h, 'rd2')")} AS "Read ID",
      {lists}[1 + (hh(h, 'hl') % {len(W.STATE_HOTLISTS) * 3 + len(aw.hotlists)})::INTEGER] AS "Hotlist",
      strftime(make_timestamp((ts_s + 1 + (hh(h, 'dl') % 4)::BIGINT) * 1000000),
               '%Y-%m-%dT%H:%M:%SZ') AS "Alert Time",
      {V.sql_pick_weighted(W.DISPOSITIONS, "hh(h, 'dp')")} AS "Disposition"
    FROM ({_base(aw, n)}) WHERE uu(h, 'hit') < {ratio!r}"""


def write_readings(con: duckdb.DuckDBPyConnection, aw: AgencyWorld, out: Path) -> list[dict[str, Any]]:
    """Write ``detections.csv`` and ``hits.csv`` of one agency; return per-file facts."""
    n = reads_per_agency(aw.scale)
    files = []
    for fname, query in ((DETECTIONS_FILE, _detections_sql(aw, n)), (HITS_FILE, _hits_sql(aw, n))):
        # No ORDER BY: range() yields reads in order and the connection preserves insertion
        # order, so the file is in time order without a (costly) sort of 10^7 text rows.
        con.execute(f"COPY ({query}) TO {sql.path(out / fname)} (FORMAT csv, HEADER true)")
        rows = con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]
        files.append({"file": f"{aw.folder}/{fname}", "format": fname.split(".")[0], "rows": rows})
    return files


def retention_ranges(con: duckdb.DuckDBPyConnection, aw: AgencyWorld, cutoff_s: int) -> dict[str, Any]:
    """Rows older than ``cutoff_s`` (UTC epoch s) in each file, as contiguous row ranges.

    Computed from the generation rule (no file is read): gaps-and-islands over the row
    numbers of the reads / alerts whose time is before the cutoff.
    """
    n = reads_per_agency(aw.scale)
    ratio = HIT_RATIO[aw.profile.kind]
    out: dict[str, Any] = {}
    queries = {
        "detections": (DETECTIONS_FILE, f"SELECT i + 2 AS r, ts_s AS t FROM ({_base(aw, n)})"),
        "hits": (HITS_FILE, f"""SELECT row_number() OVER (ORDER BY i) + 1 AS r,
                     ts_s + 1 + (hh(h, 'dl') % 4)::BIGINT AS t FROM ({_base(aw, n)})
                     WHERE uu(h, 'hit') < {ratio!r}"""),
    }
    for what, (fname, query) in queries.items():
        rows = con.execute(f"""
            SELECT min(r), max(r), count(*) FROM (
              SELECT r, r - row_number() OVER (ORDER BY r) AS grp FROM ({query}) WHERE t < {cutoff_s})
            GROUP BY grp ORDER BY 1""").fetchall()
        out[what] = {
            "file": f"{aw.folder}/{fname}",
            "row_count": sum(r[2] for r in rows),
            "row_ranges": [[f"row {a}", f"row {b}"] for a, b, _ in rows],
        }
    return out


def monthly_counts(con: duckdb.DuckDBPyConnection, aw: AgencyWorld) -> list[dict[str, Any]]:
    """Reads and hits per calendar month (UTC), for the hit-ratio documentation."""
    n = reads_per_agency(aw.scale)
    ratio = HIT_RATIO[aw.profile.kind]
    rows = con.execute(f"""
        SELECT m, count(*) FILTER (WHERE what = 'd'), count(*) FILTER (WHERE what = 'h') FROM (
          SELECT 'd' AS what, strftime(make_timestamp(ts_s * 1000000), '%Y-%m') AS m
          FROM ({_base(aw, n)})
          UNION ALL
          SELECT 'h', strftime(make_timestamp((ts_s + 1 + (hh(h, 'dl') % 4)::BIGINT) * 1000000), '%Y-%m')
          FROM ({_base(aw, n)}) WHERE uu(h, 'hit') < {ratio!r})
        GROUP BY m ORDER BY m""").fetchall()
    return [{"month": m, "detections": d, "hits": h} for m, d, h in rows]


def portal_counts(con: duckdb.DuckDBPyConnection, aw: AgencyWorld) -> tuple[int, int]:
    """(unique vehicles, hits) of the 30 days before as_of, as the portal page shows them."""
    n = reads_per_agency(aw.scale)
    since = _END_S + 60 - 30 * 86400
    veh = f"floor({max(n // 6, 1)} * pow(uu(h, 'v'), 1.7))::BIGINT"
    row = con.execute(f"""
        SELECT count(DISTINCT {veh}), count(*) FILTER (WHERE uu(h, 'hit') < {HIT_RATIO[aw.profile.kind]!r})
        FROM ({_base(aw, n)}) WHERE ts_s >= {since}""").fetchall()[0]
    return int(row[0]), int(row[1])
