"""The search rules of the audit spec, evaluated on the generated rows (a reference).

The world is built so that the rules fire exactly on the injected rows; this module applies
the rule definitions (docs of the audit engine, default California settings) to what was
generated — cells read with the ingest's own cell macros, purposes labelled with the audit's
own SQL — so ``world_truth`` can check that nothing in the background fires by accident.
Every function returns ``{(rule_id, agency, subject): {(file, locator), ...}}``.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pyarrow as pa

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.audit.reasons import purpose_query_sql
from alpr_audit.core.cells import install_macros
from alpr_audit.synth.world_people import TZ, AgencyWorld

Findings = dict[tuple[str, str, str], set[tuple[str, str]]]

#: Defaults of the california pack (rules spec).
MANY_NETWORKS = 1000
BURST_COUNT, BURST_MINUTES = 20, 10
SPIKE_MIN, SPIKE_Z, SPIKE_MIN_DAYS = 40, 6.0, 10
OFF_MIN_SEARCHES, OFF_MAX_SHARE, OFF_START, OFF_END = 30, 0.05, 1, 5
INACTIVE_DAYS = 365


def prepare(con: duckdb.DuckDBPyConnection, aws: list[AgencyWorld]) -> None:
    """Create ``sx``: the searches as the store will hold them, plus label and local hour."""
    install_macros(con)
    orgs = [r[0] for r in con.execute("SELECT DISTINCT org FROM srch").fetchall()]
    ids = {o: parse_agency_name(o).agency_id for o in orgs}
    pubs = {aw.name: parse_agency_name(aw.name).agency_id for aw in aws}
    con.register("_org_ids", pa.table({"org": list(ids), "org_id": list(ids.values())}))
    con.register("_pub_ids", pa.table({"agency": list(pubs), "pub_id": list(pubs.values())}))
    try:
        con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sx0 AS
          SELECT s.*, o.org_id, p.pub_id,
            aa_text(name) AS user_ref, aa_is_redacted(name) AS name_red,
            aa_text(reason) AS reason_v, aa_is_redacted(reason) AS reason_red,
            aa_text(plate) AS plate_v, aa_is_redacted(plate) AS plate_red,
            aa_text(filters) AS filters_v, aa_is_redacted(filters) AS filters_red,
            aa_text(prompt) AS prompt_v,
            hour(timezone('{TZ}', timezone('UTC', ts))) AS local_hour,
            s.file AS f, 'row ' || s."row" AS loc
          FROM srch s JOIN _org_ids o USING (org) JOIN _pub_ids p USING (agency)""")
        # the audit's own purpose SQL, run once per distinct reason
        con.execute("CREATE OR REPLACE TEMP TABLE _reasons AS SELECT DISTINCT reason_v AS reason FROM sx0")
        labelled = purpose_query_sql("_reasons", {"reason": "string"})
        con.execute(f"""CREATE OR REPLACE TEMP TABLE sx AS
            SELECT sx0.*, l.purpose_label AS label FROM sx0
            LEFT JOIN ({labelled}) l ON sx0.reason_v IS NOT DISTINCT FROM l.reason""")
        con.execute("DROP TABLE sx0")
        con.execute("DROP TABLE _reasons")
    finally:
        con.unregister("_org_ids")
        con.unregister("_pub_ids")


def _collect(rows: list[tuple[str, str, str, str, str]], folder: dict[str, str]) -> Findings:
    out: Findings = defaultdict(set)
    for rule, agency, subject, f, loc in rows:
        out[(rule, agency, subject)].add((f"{folder[agency]}/{f}", loc))
    return dict(out)


def search_findings(con: duckdb.DuckDBPyConnection, aws: list[AgencyWorld],
                    users: dict[str, set[str]]) -> Findings:
    """Every search rule of the spec on ``sx``; ``users`` = listed user_refs per agency."""
    folder = {aw.name: aw.folder for aw in aws}
    con.register("_listed", pa.table({
        "agency": [a for a, refs in users.items() for _ in refs],
        "user_ref": [r for refs in users.values() for r in refs]}))
    try:
        rows = con.execute(_SQL).fetchall()
    finally:
        con.unregister("_listed")
    return _collect(rows, folder)


_SQL = f"""
WITH u AS (SELECT * FROM sx WHERE user_ref IS NOT NULL),
win AS (  -- a search starting a {BURST_MINUTES}-minute window that holds >= {BURST_COUNT}
  SELECT agency, user_ref, ts AS t0 FROM (
    SELECT agency, user_ref, ts, count(*) OVER (PARTITION BY agency, user_ref ORDER BY ts
      -- half-open [t, t + burst_minutes), as the rule counts
      RANGE BETWEEN CURRENT ROW AND INTERVAL ({BURST_MINUTES} * 60000000 - 1) MICROSECOND FOLLOWING) AS n FROM u)
  WHERE n >= {BURST_COUNT}),
days AS (
  SELECT agency, user_ref, CAST(ts AS DATE) AS day, count(*) AS c FROM u GROUP BY ALL),
base AS (
  SELECT agency, user_ref, median(c) AS med, count(*) AS nd FROM days GROUP BY ALL),
mad AS (
  SELECT d.agency, d.user_ref, median(abs(d.c - b.med)) AS mad, any_value(b.med) AS med,
         any_value(b.nd) AS nd
  FROM days d JOIN base b USING (agency, user_ref) GROUP BY ALL),
spikes AS (
  SELECT d.agency, d.user_ref, d.day FROM days d JOIN mad m USING (agency, user_ref)
  WHERE m.nd >= {SPIKE_MIN_DAYS} AND d.c >= {SPIKE_MIN}
    AND (d.c - m.med) / (1.4826 * greatest(m.mad, 1)) >= {SPIKE_Z}),
shifts AS (
  SELECT agency, user_ref FROM u GROUP BY ALL
  HAVING count(*) >= {OFF_MIN_SEARCHES}
     AND count(*) FILTER (WHERE local_hour >= {OFF_START} AND local_hour < {OFF_END}) > 0
     AND count(*) FILTER (WHERE local_hour >= {OFF_START} AND local_hour < {OFF_END})
         <= {OFF_MAX_SHARE} * count(*)),
shared AS (
  SELECT agency, user_ref FROM u GROUP BY ALL HAVING count(DISTINCT org_id) >= 2),
gaps AS (
  SELECT *, ts - lag(ts) OVER (PARTITION BY agency, user_ref ORDER BY ts, g) AS gap FROM u)
SELECT CASE WHEN label IN ('generic', 'test') THEN 'purpose.vague' ELSE 'purpose.' || label END,
       agency, org, f, loc FROM sx
WHERE label IN ('generic', 'test', 'immigration', 'protest', 'reproductive', 'personal')
UNION ALL SELECT 'access_record.incomplete', agency, 'purpose', f, loc FROM sx
  WHERE label = 'missing' AND NOT reason_red
UNION ALL SELECT 'access_record.incomplete', agency, 'user', f, loc FROM sx
  WHERE user_ref IS NULL AND NOT name_red
UNION ALL SELECT 'access_record.incomplete', agency, 'query', f, loc FROM sx
  WHERE plate_v IS NULL AND NOT plate_red AND filters_v IS NULL AND NOT filters_red
    AND prompt_v IS NULL
UNION ALL SELECT 'scope.many_networks', agency, org, f, loc FROM sx WHERE nets >= {MANY_NETWORKS}
UNION ALL SELECT DISTINCT 'volume.burst', u.agency, u.user_ref, f, loc FROM u JOIN win w
  ON u.agency = w.agency AND u.user_ref = w.user_ref AND u.ts >= w.t0
  AND u.ts < w.t0 + INTERVAL {BURST_MINUTES} MINUTE
UNION ALL SELECT 'volume.user_spike', u.agency, u.user_ref, f, loc FROM u JOIN spikes s
  ON u.agency = s.agency AND u.user_ref = s.user_ref AND CAST(u.ts AS DATE) = s.day
UNION ALL SELECT 'volume.off_shift', u.agency, u.user_ref, f, loc FROM u
  JOIN shifts USING (agency, user_ref) WHERE local_hour >= {OFF_START} AND local_hour < {OFF_END}
UNION ALL SELECT 'accounts.shared_account', u.agency, u.user_ref, f, loc FROM u
  JOIN shared USING (agency, user_ref)
UNION ALL SELECT 'accounts.search_after_inactivity', agency, user_ref, f, loc FROM gaps
  WHERE gap >= INTERVAL {INACTIVE_DAYS} DAY
UNION ALL SELECT 'accounts.unknown_searcher', agency, user_ref, f, loc FROM u
  WHERE org_id = pub_id AND agency IN (SELECT agency FROM _listed)
    AND NOT EXISTS (SELECT 1 FROM _listed l WHERE l.agency = u.agency AND l.user_ref = u.user_ref)
"""
