"""The queries behind the audit report: the run, its findings, its evidence (numbered in
report order; ``report_evidence`` joins it back to the normalised rows), the data's coverage,
and the figures the charts draw.

Personal values leave here already replaced by the store's keyed pseudonyms (invariant 7),
unless the operator asked for a raw report: user ids as ``user-…``, plates as ``plate-…``,
names and e-mails as ``person-…``/``email-…``, case numbers as ``case-…`` (users type plates
into the case-number field) — the same tokens a response packet prints, so a report and a
packet of one store can be read side by side. Pseudonyms are computed in SQL
(:mod:`alpr_audit.core.privacy_sql`) so evidence of a million rows streams without a Python call
per row. Free text that may repeat a personal value of its own row (a search reason naming
the plate, a finding message naming the user) has that value replaced as well.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from alpr_audit.core import sql
from alpr_audit.core.errors import UsageError
from alpr_audit.core.fetch import one_row
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.core.privacy_sql import fill_pseudo_map, pseudo_expr
from alpr_audit.core.records import Finding, severity_rank
from alpr_audit.store import Store

#: TEMP tables: the run's evidence numbered in report order, and the name and e-mail of
#: each user a finding is about (both dropped by :func:`close`).
EV = "_aa_report_ev"
PEOPLE = "_aa_report_people"
#: TEMP tables holding one evidence sheet's rows each (``<prefix><n>``).
SHEET_PREFIX = "_aa_report_sheet_"


@dataclass
class RunInfo:
    """One row of ``audit_runs`` with its settings JSON decoded."""

    run_id: str
    pack: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    as_of: dt.datetime | None
    engine: str | None
    settings: dict[str, Any]
    rules: list[str]
    findings: int
    evidence_file: str | None = None
    latest: bool = True


def load_run(store: Store, run_id: str | None) -> RunInfo:
    """The run ``run_id`` (None: the latest), or a UsageError saying what to do."""
    runs = store.query("SELECT * FROM audit_runs ORDER BY started_at DESC, run_id DESC")
    if not runs:
        raise UsageError("no audit run in the store; run `alpr-audit audit` first",
                         hint="alpr-audit audit --out DIR runs the rules and writes the report")
    row = runs[0] if run_id is None else next((r for r in runs if r["run_id"] == run_id), None)
    if row is None:
        raise UsageError(f"no audit run {run_id!r} in the store",
                         hint="runs: " + ", ".join(r["run_id"] for r in runs[:5])
                         + (" …" if len(runs) > 5 else ""))
    try:
        settings = json.loads(row["settings"] or "{}")
    except ValueError:  # a hand-edited catalog: report what can be reported
        settings = {}
    ev = store.con.execute("SELECT relpath FROM table_files WHERE table_name = 'evidence' "
                           "AND source_id = ?", [row["run_id"]]).fetchone()
    return RunInfo(row["run_id"], row["pack"], row["started_at"], row["finished_at"],
                   row["as_of"], row["engine"], settings, list(row["rules"] or []),
                   int(row["findings"] or 0), ev[0] if ev else None,
                   latest=row["run_id"] == runs[0]["run_id"])


class Privacy:
    """Pseudonyms in Python and in SQL, or the raw values when the operator opted in."""

    def __init__(self, store: Store, raw: bool) -> None:
        self.con = store.con
        self.raw = raw
        self.pz = None if raw else Pseudonymizer(store_key(store.root))

    def token(self, kind: str, value: str | None) -> str | None:
        return value if self.pz is None else self.pz.token(kind, value)

    def sql(self, kind: str, expr: str, from_sql: str) -> str:
        """SQL for ``expr`` as its pseudonym; ``from_sql`` (``FROM … WHERE …``) bounds the
        rows whose non-ASCII values must be tokenised in Python first."""
        if self.pz is None:
            return expr
        fill_pseudo_map(self.con, self.pz, kind, expr, from_sql)
        return pseudo_expr(self.pz, kind, expr)

    def scrub(self, text: str | None, values: list[tuple[str, str | None]]) -> str | None:
        """``text`` with each (kind, value) replaced by its pseudonym (whole words, any case)."""
        if self.pz is None or not text:
            return text
        for kind, value in values:
            if value and len(value.strip()) >= 2:
                text = re.sub(r"(?<!\w)" + re.escape(value.strip()) + r"(?!\w)",
                              self.pz.token(kind, value) or "", text, flags=re.IGNORECASE)
        return text

    def scrub_sql(self, text: str, values: list[tuple[str, str]]) -> str:
        """SQL form of :meth:`scrub`: ``values`` are (raw value expr, its token expr)."""
        if self.pz is None:
            return text
        for raw_expr, token_expr in values:
            v = f"trim({raw_expr})"
            # \b only where the value starts/ends with a word character (RE2 has no lookbehind)
            pattern = (f"CASE WHEN regexp_matches({v}, '^\\w') THEN '\\b' ELSE '' END || "
                       f"regexp_escape({v}) || "
                       f"CASE WHEN regexp_matches({v}, '\\w$') THEN '\\b' ELSE '' END")
            # the cheap containment test first: a pattern built per row is compiled per row
            text = (f"(CASE WHEN {raw_expr} IS NULL OR length({v}) < 2 OR {text} IS NULL "
                    f"OR NOT contains(lower({text}), lower({v})) "
                    f"THEN {text} ELSE regexp_replace({text}, {pattern}, "
                    f"replace({token_expr}, '\\', '\\\\'), 'gi') END)")
        return text


# --- findings ------------------------------------------------------------------------------

def load_findings(store: Store, run: RunInfo, privacy: Privacy) -> list[Finding]:
    """The run's findings in report order, with display agency/subject and a message that
    names no user (unless raw)."""
    rows = store.query("""SELECT f.*, a.name AS agency, s.name AS subject_agency_name,
            json_extract_string(f.details, '$.subject_kind') AS subject_kind
        FROM findings f LEFT JOIN agencies a ON a.agency_id = f.agency_id
        LEFT JOIN agencies s ON s.agency_id = f.subject WHERE f.run_id = ?""", [run.run_id])
    order = {r: i for i, r in enumerate(run.rules)}
    people = user_people(store, [r["subject"] for r in rows if r["subject_kind"] == "user"])
    out: list[Finding] = []
    for r in rows:
        kind = r["subject_kind"] or "text"
        subject = r["subject"]
        shown = subject
        message = r["message"]
        if kind == "agency":
            shown = r["subject_agency_name"] or subject
        elif kind == "user":
            shown = privacy.token("user", subject)
            person = people.get((subject or "").strip().lower(), {})
            message = privacy.scrub(message, [("user", subject),
                                              ("person", person.get("name")),
                                              ("email", person.get("email"))])
        # evidence notes may quote a user: a display finding carries none
        f = Finding.from_row(r, agency=r["agency"], subject_name=shown)
        out.append(replace(f, subject=shown, subject_kind=kind, message=message, notes=()))
    out.sort(key=lambda f: (severity_rank(f.severity), order.get(f.rule_id, len(order)),
                            f.agency or "", -f.evidence_count, f.subject or ""))
    return out


# --- evidence ------------------------------------------------------------------------------

def open_evidence(store: Store, run: RunInfo, privacy: Privacy) -> int:
    """Materialise the run's evidence as :data:`EV` (numbered ``ev_n`` in report order, with
    the display subject and a note that names no user); returns its row count."""
    con = store.con
    if run.evidence_file is None:
        src = ("SELECT * FROM evidence WHERE run_id = " + sql.string(run.run_id))
    else:
        src = f"SELECT * FROM read_parquet({sql.path(store.root / run.evidence_file)})"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {EV} AS
        SELECT e.*, row_number() OVER (ORDER BY e.rule_id, e.agency_id, e.subject, e."at",
                                       e.source_id, e.locator) AS ev_n,
               coalesce(f.subject_kind, 'text') AS subject_kind,
               coalesce(a.name, e.agency_id) AS agency_name, sj.name AS subject_agency_name
        FROM ({src}) e
        LEFT JOIN (SELECT finding_id, json_extract_string(details, '$.subject_kind')
                   AS subject_kind FROM findings WHERE run_id = {sql.string(run.run_id)}) f
               USING (finding_id)
        LEFT JOIN agencies a ON a.agency_id = e.agency_id
        LEFT JOIN agencies sj ON sj.agency_id = e.subject""")
    user_people(store, [r[0] for r in con.execute(
        f"SELECT DISTINCT subject FROM {EV} WHERE subject_kind = 'user'").fetchall()])
    user = privacy.sql("user", "e.subject", f"FROM {EV} e WHERE e.subject_kind = 'user'")
    frm = f"FROM {PEOPLE} p WHERE true"
    note = privacy.scrub_sql("e.note", [
        ("e.subject", user), ("p.name", privacy.sql("person", "p.name", frm)),
        ("p.email", privacy.sql("email", "p.email", frm))])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {EV} AS SELECT e.*,
        CASE e.subject_kind WHEN 'agency' THEN coalesce(e.subject_agency_name, e.subject)
             WHEN 'user' THEN {user} ELSE e.subject END AS subject_out,
        CASE WHEN e.subject_kind = 'user' THEN {note} ELSE e.note END AS note_out
        FROM {EV} e LEFT JOIN {PEOPLE} p
          ON e.subject_kind = 'user' AND p.key = lower(trim(e.subject))""")
    return one_row(con.execute(f"SELECT count(*) FROM {EV}"))[0]


def user_people(store: Store, refs: list[str]) -> dict[str, dict[str, Any]]:
    """Name and e-mail the users lists record for each user id of ``refs`` (by lower-cased
    id), as :data:`PEOPLE`: a note or message about a user may name the person too."""
    store.con.execute(f"""CREATE OR REPLACE TEMP TABLE {PEOPLE} AS
        SELECT lower(trim(user_ref)) AS key, max(display_name) AS name, max(email) AS email
        FROM users WHERE list_contains($1, lower(trim(user_ref))) GROUP BY 1""",
                      [sorted({r.strip().lower() for r in refs if r})])
    return {r["key"]: r for r in store.query(f"SELECT * FROM {PEOPLE}")}


def materialise(store: Store, name: str, sql: str, limit: int) -> str:
    """The first ``limit`` rows of ``sql`` as the TEMP table ``name``; returns a query on it."""
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql} LIMIT {int(limit)}")
    return f"SELECT * FROM {name}"


def close(store: Store) -> None:
    """Drop every TEMP table the report made."""
    temp = [r[0] for r in store.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND (table_name = ANY($1) "
        "OR starts_with(table_name, $2))", [[EV, PEOPLE], SHEET_PREFIX]).fetchall()]
    for name in temp:
        store.con.execute(f"DROP TABLE IF EXISTS {name}")


# --- coverage and chart data ---------------------------------------------------------------

_PERIOD_SQL = """SELECT min(lo), max(hi) FROM (
  SELECT min(searched_at) lo, max(searched_at) hi FROM searches
  UNION ALL SELECT min(seen_at), max(seen_at) FROM detections
  UNION ALL SELECT min(hit_at), max(hit_at) FROM hits
  UNION ALL SELECT min("at"), max("at") FROM hotlist_events
  UNION ALL SELECT min(observed_on)::TIMESTAMP, max(observed_on)::TIMESTAMP FROM sharing
  UNION ALL SELECT min(period_start), max(period_end) FROM detection_counts
  UNION ALL SELECT min(captured_on)::TIMESTAMP, max(captured_on)::TIMESTAMP
            FROM portal_snapshots)"""

_AGENCIES_SQL = """SELECT coalesce(a.name, x.id) AS name, sum(x.n) AS n FROM (
  SELECT publisher_agency_id id, count(*) n FROM searches GROUP BY 1
  UNION ALL SELECT publisher_agency_id, count(*) FROM sharing GROUP BY 1
  UNION ALL SELECT agency_id, count(*) FROM users GROUP BY 1
  UNION ALL SELECT agency_id, count(*) FROM hotlist_events GROUP BY 1
  UNION ALL SELECT agency_id, count(*) FROM detection_counts GROUP BY 1
  UNION ALL SELECT agency_id, count(*) FROM portal_snapshots GROUP BY 1
  UNION ALL SELECT agency_id, count(*) FROM detections GROUP BY 1) x
LEFT JOIN agencies a ON a.agency_id = x.id WHERE x.id IS NOT NULL
GROUP BY 1 ORDER BY n DESC, name"""


def coverage(store: Store) -> dict[str, Any]:
    """Agencies whose records the store holds (most records first) and the data's period."""
    lo, hi = one_row(store.con.execute(_PERIOD_SQL))
    return {"agencies": [r["name"] for r in store.query(_AGENCIES_SQL)], "first": lo, "last": hi}


def searches_by_month(store: Store) -> list[dict[str, Any]]:
    """Searches per calendar month (UTC) and log kind (one search may sit in several logs)."""
    return store.query("""SELECT strftime(date_trunc('month', searched_at), '%Y-%m') AS month,
        coalesce(log_kind, '(unknown)') AS log_kind, count(*) AS searches
        FROM searches WHERE searched_at IS NOT NULL GROUP BY ALL ORDER BY 1, 2""")


def searches_by_purpose(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Searches per purpose label of the run (labels are kept for the latest run only)."""
    return store.query("""SELECT label, count(*) AS searches,
        round(100.0 * count(*) / sum(count(*)) OVER (), 1)::DOUBLE AS percent
        FROM search_purposes WHERE run_id = ? GROUP BY 1 ORDER BY searches DESC, label""",
                       [run_id])


def hit_ratios(store: Store) -> list[dict[str, Any]]:
    """Hits per read by agency and period: the periods the counts state, exactly, and
    calendar months (UTC) of row-level reads and hits."""
    return store.query("""
    WITH c AS (
      SELECT agency_id, period_start, period_end, period_text,
             bool_or(system IS NULL) AS has_total,
             sum(hits) FILTER (WHERE system IS NULL) AS t_hits,
             sum(coalesce(total_records, detections + hits)) FILTER (WHERE system IS NULL) AS t_all,
             sum(hits) AS s_hits, sum(coalesce(total_records, detections + hits)) AS s_all
      FROM detection_counts WHERE hits IS NOT NULL GROUP BY ALL),
    counted AS (
      SELECT agency_id, period_start AS start,
             coalesce(period_text, strftime(period_start, '%Y-%m-%d') || '..' ||
                      strftime(period_end, '%Y-%m-%d')) AS period,
             CASE WHEN has_total THEN t_hits ELSE s_hits END AS hits,
             CASE WHEN has_total THEN t_all ELSE s_all END AS reads, 'counts' AS basis
      FROM c),
    reads AS (SELECT agency_id, date_trunc('month', seen_at) AS m, count(*) AS n
              FROM detections WHERE seen_at IS NOT NULL GROUP BY ALL),
    hitm AS (SELECT agency_id, date_trunc('month', hit_at) AS m, count(*) AS n
             FROM hits WHERE hit_at IS NOT NULL GROUP BY ALL),
    rowlevel AS (
      SELECT r.agency_id, r.m AS start, strftime(r.m, '%Y-%m') AS period,
             coalesce(h.n, 0) AS hits, r.n AS reads, 'row-level' AS basis
      FROM reads r LEFT JOIN hitm h USING (agency_id, m))
    SELECT coalesce(a.name, x.agency_id) AS agency, x.period, x.basis, x.hits::BIGINT AS hits,
           x.reads::BIGINT AS reads,
           round(100.0 * x.hits / x.reads, 3)::DOUBLE AS hit_percent, x.start
    FROM (SELECT * FROM counted UNION ALL SELECT * FROM rowlevel) x
    LEFT JOIN agencies a ON a.agency_id = x.agency_id
    WHERE x.reads > 0 ORDER BY agency, x.basis, x.start, x.period""")


def table_count(store: Store, table: str) -> int:
    return int(one_row(store.con.execute(f"SELECT count(*) FROM {table}"))[0])
