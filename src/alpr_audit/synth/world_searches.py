"""An agency's searches: background activity plus injected rows, written as Flock network audits.

The background is generated in DuckDB from the account descriptions: on each local day an
account searches with probability ``p_active``, 1..kmax times, at evenly spread moments of its
shift (stratified, so no background account can reach 20 searches in 10 minutes or 40 in a
day). Local times become UTC through DuckDB's ICU time zones, as an audit converts them back.
All rows of the world live in one table ``srch`` (one connection per world); the files are
cut from it by year, rows in time order, so a row's locator is its rank in its file + 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from alpr_audit.core import sql
from alpr_audit.synth import vocab as V
from alpr_audit.synth import world_vocab as W
from alpr_audit.synth._duck import sql_uuid_of, write_lines
from alpr_audit.synth.flock_audit import AUDIT_VARIANTS
from alpr_audit.synth.world_inject import Injection
from alpr_audit.synth.world_people import AS_OF, N_DAYS, SHIFTS, START, TZ, AgencyWorld

#: Network audit files of an agency: (name, year, header variant). 2025 lost Moderation.
NETWORK_FILES = (("flock_network-audit_2024.csv", 2024, "2025-08"),
                 ("flock_network-audit_2025.csv", 2025, "2025-10"))
#: Global account id = agency index * UID_STRIDE + account uid (hash inputs stay distinct).
UID_STRIDE = 1_000_000
_INJECTED_G0 = 1 << 50

_SRCH_COLUMNS = """agency VARCHAR, agency_index INTEGER, file VARCHAR, "row" BIGINT, g BIGINT,
  uid BIGINT, kind VARCHAR, org VARCHAR, name VARCHAR, ts TIMESTAMP, reason VARCHAR,
  plate VARCHAR, filters VARCHAR, prompt VARCHAR, stype VARCHAR, nets BIGINT, tag VARCHAR,
  near VARCHAR"""


def _accounts_table(aw: AgencyWorld) -> pa.Table:
    accs = aw.accounts
    base = aw.index * UID_STRIDE

    def col(values: list[Any], typ: pa.DataType) -> pa.Array:
        return pa.array(values, typ)

    return pa.table({
        "uid": col([base + a.uid for a in accs], pa.int64()),
        "org": col([a.org for a in accs], pa.string()),
        "name": col([a.name for a in accs], pa.string()),
        "kind": col([a.kind for a in accs], pa.string()),
        "s0": col([SHIFTS[a.shift][0] for a in accs], pa.int64()),
        "sl": col([SHIFTS[a.shift][1] for a in accs], pa.int64()),
        "p": col([a.p_active for a in accs], pa.float64()),
        "kmax": col([a.kmax for a in accs], pa.int64()),
        "d_from": col([a.d_from for a in accs], pa.int64()),
        "d_to": col([a.d_to for a in accs], pa.int64()),
        "gap_from": col([a.gap[0] if a.gap else -1 for a in accs], pa.int64()),
        "gap_to": col([a.gap[1] if a.gap else -1 for a in accs], pa.int64()),
    })


def _injected_table(aw: AgencyWorld, inj: Injection) -> pa.Table:
    kinds = {a.uid: a.kind for a in aw.accounts}
    rows = inj.rows
    base = aw.index * UID_STRIDE
    s = pa.string()
    return pa.table({
        "g": pa.array([_INJECTED_G0 + base + i for i in range(len(rows))], pa.int64()),
        "uid": pa.array([base + r.uid for r in rows], pa.int64()),
        "org": pa.array([r.org for r in rows], s),
        "name": pa.array([r.name for r in rows], s),
        "kind": pa.array([kinds[r.uid] for r in rows], s),
        "d": pa.array([r.day for r in rows], pa.int64()),
        "minute": pa.array([r.minute for r in rows], pa.float64()),
        "reason_in": pa.array([r.reason for r in rows], s),
        "plate_in": pa.array([r.plate for r in rows], s),
        "filters_in": pa.array([r.filters for r in rows], s),
        "prompt_in": pa.array([r.prompt for r in rows], s),
        "stype_in": pa.array([r.stype for r in rows], s),
        "nets_in": pa.array([r.nets for r in rows], pa.int64()),
        "tag": pa.array([r.tag for r in rows], s),
        "near": pa.array([r.near for r in rows], s),
    })


def _plate(h: str) -> str:
    """SQL for a plate from the UBIGINT expression ``h``: 7ABC123 (85 %) or ABC1234."""
    def letter(k: int) -> str:
        return f"chr(65 + (({h} >> {5 * k}) % 26)::INTEGER)"

    def digit(k: int) -> str:
        return f"chr(48 + (({h} >> {5 * k}) % 10)::INTEGER)"

    abc = f"{letter(1)} || {letter(2)} || {letter(3)}"
    ca = f"chr(49 + ({h} % 9)::INTEGER) || {abc} || {digit(4)} || {digit(5)} || {digit(6)}"
    other = f"{abc} || {digit(4)} || {digit(5)} || {digit(6)} || {digit(7)}"
    return f"CASE WHEN ({h} >> 40) % 100 < 85 THEN {ca} ELSE {other} END"


def _reason_draw(county: bool) -> str:
    """SQL for a background reason: specific (75 %), a listed case number (10 %) or a case
    number in the agency's own style (15 %); partner orgs' are redacted 12 % of the time."""
    specific = V.sql_pick(W.SPECIFIC_REASONS, "hh(g, 'r1')")
    listed = V.sql_pick(W.CASE_NUMBER_REASONS, "hh(g, 'r1')")
    own = ("'SO' || strftime(ts, '%y') || '-' || lpad((hh(g, 'r2') % 999999 + 1)::VARCHAR, 6, '0')"
           if county else
           "strftime(ts, '%y') || '-' || lpad((hh(g, 'r2') % 99999 + 1)::VARCHAR, 5, '0')")
    redacted = V.sql_pick(W.REDACTED_REASONS, "hh(g, 'r3')")
    return (f"CASE WHEN kind = 'pseudo' AND uu(g, 'r0') < 0.12 THEN {redacted} "
            f"WHEN uu(g, 'r4') < 0.75 THEN {specific} WHEN uu(g, 'r4') < 0.85 THEN {listed} "
            f"ELSE {own} END")


def add_searches(con: duckdb.DuckDBPyConnection, aw: AgencyWorld, inj: Injection) -> None:
    """Generate the agency's searches into the world table ``srch`` (created when absent)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS srch ({_SRCH_COLUMNS})")
    base = aw.index * UID_STRIDE
    con.register("_acc", _accounts_table(aw))
    con.register("_inj", _injected_table(aw, inj))
    blocked = sorted(inj.blocked)
    con.register("_blk", pa.table({"uid": pa.array([base + u for u, _ in blocked], pa.int64()),
                                   "d": pa.array([d for _, d in blocked], pa.int64())}))
    county = aw.profile.kind == "county"
    plate = _plate("hh(g, 'pl')")
    wild = f"left({plate}, 3) || '*' || substr({plate}, 5)"
    start = START.isoformat()
    try:
        con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _rows AS
        WITH ud AS (
          SELECT a.uid, a.org, a.name, a.kind, a.s0, a.sl, a.kmax, r.d
          FROM _acc a, range(0, {N_DAYS}) r(d)
          WHERE a.p > 0 AND r.d BETWEEN a.d_from AND a.d_to
            AND NOT (r.d BETWEEN a.gap_from AND a.gap_to)
            AND uu(a.uid * 4096 + r.d, 'act') < a.p
        ), ud2 AS (
          SELECT ud.*, 1 + floor(pow(uu(uid * 4096 + d, 'k'), 2) * kmax)::BIGINT AS k
          FROM ud ANTI JOIN _blk USING (uid, d)
        ), bg AS (
          SELECT (uid * 4096 + d) * 32 + j AS g, uid, org, name, kind, d,
                 s0 + (j + uu((uid * 4096 + d) * 32 + j, 'tm')) * sl / k AS minute,
                 NULL::VARCHAR AS reason_in, NULL::VARCHAR AS plate_in,
                 NULL::VARCHAR AS filters_in, NULL::VARCHAR AS prompt_in,
                 NULL::VARCHAR AS stype_in, NULL::BIGINT AS nets_in, '' AS tag, '' AS near
          FROM (SELECT *, unnest(range(k)) AS j FROM ud2)
        ), allr AS (
          SELECT * FROM bg UNION ALL SELECT * FROM _inj
        )
        SELECT *, timezone('UTC', timezone('{TZ}', TIMESTAMP '{start}' + to_days(d::INTEGER)
                  + to_seconds(floor(minute * 60)::BIGINT))) AS ts
        FROM allr""")
        con.execute(f"""
        INSERT INTO srch
        SELECT {sql.string(aw.name)}, {aw.index},
          CASE WHEN year(ts) = 2024 THEN '{NETWORK_FILES[0][0]}' ELSE '{NETWORK_FILES[1][0]}' END,
          row_number() OVER (PARTITION BY year(ts) ORDER BY ts, g) + 1,
          g, uid, kind, org, name, ts, reason, plate, filters, prompt, stype, nets, tag, near
        FROM (
          SELECT *,
            coalesce(reason_in, {_reason_draw(county)}) AS reason,
            coalesce(plate_in, CASE
              WHEN kind IN ('own', 'unknown') THEN
                CASE WHEN uu(g, 'p0') < 0.75 THEN {plate} WHEN uu(g, 'p0') < 0.85 THEN {wild}
                     ELSE '***' END
              WHEN kind = 'partner' THEN CASE WHEN uu(g, 'p0') < 0.5 THEN {plate} ELSE '***' END
              ELSE CASE WHEN uu(g, 'p0') < 0.1 THEN {plate} ELSE '***' END END) AS plate,
            coalesce(filters_in, {V.sql_pick_weighted(V.FILTERS, "hh(g, 'f')")}) AS filters,
            coalesce(prompt_in, CASE WHEN stype0 IN ('visual', 'freeform') AND uu(g, 'tp') < 0.7
                     THEN {V.sql_pick(V.TEXT_PROMPTS, "hh(g, 'tp2')")} ELSE '' END) AS prompt,
            coalesce(stype_in, CASE WHEN stype0 NOT LIKE 'api%' AND uu(g, 'mob') < 0.08
                     THEN stype0 || ' - Mobile' ELSE stype0 END) AS stype,
            coalesce(nets_in, CASE WHEN uu(g, 'n1') < 0.2 THEN 1
                     WHEN uu(g, 'n1') < 0.95 THEN 1 + floor(exp(uu(g, 'n2') * 5.7))::BIGINT
                     ELSE 300 + floor(uu(g, 'n2') * 690)::BIGINT END) AS nets
          FROM (SELECT *, CASE WHEN kind IN ('own', 'unknown')
                    THEN {V.sql_pick_weighted(V.SEARCH_TYPES['org'], "hh(g, 'st')")}
                    ELSE {V.sql_pick_weighted(V.SEARCH_TYPES['network'], "hh(g, 'st')")} END AS stype0
                FROM _rows WHERE ts <= TIMESTAMP '{AS_OF.isoformat(sep=' ')}')
        )""")
    finally:
        for t in ("_acc", "_inj", "_blk"):
            con.unregister(t)
        con.execute("DROP TABLE IF EXISTS _rows")


_FMT = "%m/%d/%Y, %I:%M:%S %p UTC"


def write_network_audits(con: duckdb.DuckDBPyConnection, aw: AgencyWorld, out: Path) -> list[dict[str, Any]]:
    """Write the agency's network-audit CSVs from ``srch``; return per-file facts."""
    files = []
    cells = {
        "ID": sql_uuid_of("hh(g, 'id1')", "hh(g, 'id2')"),
        "Name": "name",
        "Org Name": "org",
        "Total Networks Searched": "nets::VARCHAR",
        "Time Frame": f"strftime(tf0, '{_FMT}') || chr(10) || strftime(tf1, '{_FMT}')",
        "License Plate": "plate",
        "Reason": "reason",
        "Case #": ("CASE WHEN uu(g, 'c0') < 0.7 OR reason = '' THEN '' ELSE "
                   "strftime(ts, '%y') || '-' || lpad((hh(g, 'c1') % 99999 + 1)::VARCHAR, 5, '0') END"),
        "Filters": "filters",
        "Search Time": f"strftime(ts, '{_FMT}')",
        "Search Type": "stype",
        "Text Prompt": "prompt",
        "Moderation": V.sql_pick_weighted(V.MODERATION, "hh(g, 'mod')"),
    }
    name = sql.string(aw.name)
    for fname, _year, variant in NETWORK_FILES:
        headers = AUDIT_VARIANTS[variant]
        # Flock quotes every cell, ends records with CRLF and keeps the LF inside Time Frame.
        line = " || '\",\"' || ".join(f"({cells[h]})" for h in headers)
        query = f"""
        SELECT '"' || {line} || '"' || chr(13) || chr(10) AS line FROM (
          SELECT *, tf1 - to_seconds(([3600, 7200, 86400, 604800, 2592000])
                                     [1 + (hh(g, 'du') % 5)::INTEGER]) AS tf0
          FROM (SELECT *, ts - to_seconds(CASE WHEN uu(g, 'gp') < 0.5 THEN 0
                        ELSE (hh(g, 'gp2') % 3600)::BIGINT END) AS tf1
                FROM srch WHERE agency = {name} AND file = {sql.string(fname)}))
        ORDER BY "row"
        """
        header = ('"' + '","'.join(headers) + '"\r\n').encode()
        n = con.execute(f"SELECT count(*) FROM srch WHERE agency = {name} AND file = {sql.string(fname)}"
                        ).fetchall()[0][0]
        written = write_lines(con, query, out / fname, header, total=n)
        files.append({"file": f"{aw.folder}/{fname}", "format": "flock_audit",
                      "log_kind": "network_audit", "variant": variant, "rows": written})
    return files
