"""SQL for every cell of a Flock audit record, as a function of ``(seed, i)``.

:func:`rows_sql` is shared by the CSV and XLSX writers: it layers per-row draws on top of
:func:`~alpr_audit.synth.flock_stream.base_sql` and expands exact duplicates in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from alpr_audit.core import sql
from alpr_audit.synth import vocab as V
from alpr_audit.synth._duck import epoch_s, sql_uuid, sql_uuid_of
from alpr_audit.synth.flock_stream import AuditStream, base_sql

# Since Dec 2025 Flock blanks officer names and plates in network audit logs.
_NETWORK_REDACT_FROM = epoch_s(datetime(2025, 12, 1))

_FMT_PAD = "%m/%d/%Y, %I:%M:%S %p UTC"
_FMT_UNPAD = "%-m/%-d/%Y, %-I:%M:%S %p UTC"
_FMT_HOUR = "%m/%d/%Y, %-I:%M:%S %p UTC"  # padded date, unpadded hour


def _fmt(ts_expr: str, pad: str = _FMT_PAD, unpad: str = _FMT_UNPAD, hour: str = _FMT_HOUR) -> str:
    """SQL formatting a TIMESTAMP in the row's padding style (``fs`` drawn once per row)."""
    return (
        f"CASE WHEN fs < 60 THEN strftime({ts_expr}, '{pad}') "
        f"WHEN fs < 85 THEN strftime({ts_expr}, '{unpad}') "
        f"ELSE strftime({ts_expr}, '{hour}') END"
    )


def _plate_sql() -> str:
    """SQL for a plate: California ``7ABC123``, ``ABC1234`` or ``ABC123`` shapes."""

    def letter(k: int) -> str:
        return f"chr(65 + ((hp >> {6 * k}) % 26)::INTEGER)"

    def digit(k: int) -> str:
        return f"chr(48 + ((hp >> {6 * k}) % 10)::INTEGER)"

    abc = f"{letter(1)} || {letter(2)} || {letter(3)}"
    ca = f"chr(49 + (hp % 9)::INTEGER) || {abc} || {digit(4)} || {digit(5)} || {digit(6)}"
    long = f"{abc} || {digit(4)} || {digit(5)} || {digit(6)} || {digit(7)}"
    short = f"{abc} || {digit(4)} || {digit(5)} || {digit(6)}"
    return f"CASE hh(i, 'pst') % 3 WHEN 0 THEN {ca} WHEN 1 THEN {long} ELSE {short} END"


def _case_number(what: str) -> str:
    """SQL for a case number like ``25-01234`` (two-digit year of the search)."""
    return f"strftime(ts, '%y') || '-' || lpad(((hh(i, '{what}') % 99999) + 1)::VARCHAR, 5, '0')"


def _cells(s: AuditStream) -> dict[str, str]:
    """SQL expression (VARCHAR, never NULL) for every column any variant may have."""
    markers = V.sql_list(V.REDACTION_MARKERS)
    other_markers = V.sql_list([m for m in V.REDACTION_MARKERS if m != "***"])
    span = s.end_s - s.start_s
    kmin = -(-max(s.n, 1) // span) + 1  # > one second apart in time, see below
    # A repeated ID points kmin+ rows back: far enough that its search time differs, so the
    # two rows are distinct records that merely share an ID.
    id_src = (
        f"CASE WHEN uu(i, 'idrep') < {float(s.id_repeat_rate)!r} "
        f"AND j >= {kmin} + (hh(i, 'idk') % 64)::BIGINT "
        f"THEN i - {kmin} - (hh(i, 'idk') % 64)::BIGINT ELSE i END"
    )
    # "Doe, J": surname and initial of one of ~60 users (a few of them search most).
    surname = f"{V.sql_list(V.SURNAMES)}[1 + usr % {len(V.SURNAMES)}]"
    officer = f"{surname} || ', ' || chr(65 + ((usr * 7 + usr // 30 * 3) % 26))"
    marker = f"{markers}[1 + (hh(i, 'nm2') % 6)::INTEGER]"
    # The plate is spelled out inline (not a column) so it is built only for rows showing one.
    plate_raw = f"({_plate_sql()})"
    q = "(2 + hh(i, 'wq') % 4)::INTEGER"
    wild = f"left({plate_raw}, {q} - 1) || '*' || substr({plate_raw}, {q} + 1)"
    if s.log_kind == "org":
        name = f"CASE WHEN hh(i, 'nm') % 100 < 4 THEN {marker} ELSE {officer} END"
        org = sql.string(s.publisher)
        plate_cut = (250, 600, 720, 900)
    else:
        name = (
            f"CASE WHEN ts_s >= {_NETWORK_REDACT_FROM} THEN '***' "
            f"WHEN hh(i, 'nm') % 100 < 85 THEN '***' "
            f"WHEN hh(i, 'nm') % 100 < 95 THEN {officer} ELSE {marker} END"
        )
        names = V.AGENCY_NAMES
        # Skewed: a few neighbours search a lot, most agencies rarely (pow > 1 favours low idx).
        org = (
            f"CASE WHEN hh(i, 'own') % 100 < 12 THEN {sql.string(s.publisher.upper())} "
            f"ELSE {V.sql_list(names)}[1 + floor({len(names)} * pow(uu(i, 'org'), 2.5))::INTEGER] END"
        )
        plate_cut = (650, 770, 820, 920)
    p1, p2, p3, p4 = plate_cut
    plate = (
        f"CASE WHEN pl < {p1} THEN '***' WHEN pl < {p2} THEN {plate_raw} WHEN pl < {p3} THEN {wild} "
        f"WHEN pl < {p4} THEN '' ELSE {other_markers}[1 + (hh(i, 'pl2') % 5)::INTEGER] END"
    )
    if s.log_kind == "network":
        plate = f"CASE WHEN ts_s >= {_NETWORK_REDACT_FROM} THEN '***' ELSE {plate} END"
    tf_a = _fmt("make_timestamp(tf_start_s * 1000000)")
    tf_b = _fmt("make_timestamp(tf_end_s * 1000000)")
    two, one = f"{tf_a} || chr(10) || {tf_b}", f"{tf_a} || ' to ' || {tf_b}"
    time_frame = {
        "two_line": two,
        "one_line": one,
        "mixed": f"CASE WHEN hh(i, 'tfs') % 100 < 75 THEN {two} ELSE {one} END",
    }[s.time_frame_style]
    bad_dates = V.sql_list([d for d, _ in V.BAD_SPLIT])
    bad_times = V.sql_list([t for _, t in V.BAD_SPLIT])
    bad_search_time = V.sql_pick(V.BAD_SEARCH_TIMES, "hh(i, 'bad')")
    prompt = V.sql_pick(V.TEXT_PROMPTS, "hh(i, 'tp2')")
    return {
        "ID": sql_uuid_of("ida", "idb"),
        "Name": name,
        "Org Name": org,
        "Total Networks Searched": "nets::VARCHAR",
        "Total Devices Searched": (
            f"CASE WHEN hh(i, 'dev') % 100 < 6 THEN '{V.EM_DASHES}' "
            "ELSE (nets * (3 + hh(i, 'dev2') % 25)::BIGINT)::VARCHAR END"
        ),
        "Time Frame": time_frame,
        "License Plate": plate,
        "Reason": (
            "CASE WHEN rsn = '@ALERT' "
            "THEN 'Other image search from alerts page associated with Alert: ' || "
            f"{sql_uuid('i', 'alert')} WHEN rsn = '@CASE' THEN {_case_number('rc')} ELSE rsn END"
        ),
        "Case #": (
            f"CASE WHEN cn < 780 THEN '' WHEN cn < 880 THEN {_case_number('cn2')} "
            f"WHEN cn < 930 THEN {plate_raw} "  # a plate typed into Case #
            "WHEN cn < 950 THEN strftime(ts, '%Y') || '-' "
            "|| lpad((hh(i, 'cn3') % 999999)::VARCHAR, 6, '0') "
            "WHEN cn < 975 THEN 'REDACTED' WHEN cn < 990 THEN '[REDACTED]' ELSE '7923.600 GC' END"
        ),
        "Filters": V.sql_pick_weighted(V.FILTERS, "hh(i, 'flt')"),
        "Search Time": (
            f"CASE WHEN is_bad THEN {bad_search_time} ELSE {_fmt('ts')} END"
        ),
        "Search Type": (
            "CASE WHEN stype NOT LIKE 'api%' AND hh(i, 'mob') % 100 < 8 "
            "THEN stype || ' - Mobile' ELSE stype END"
        ),
        "Text Prompt": (
            f"CASE WHEN stype IN ('visual', 'freeform') AND hh(i, 'tp') % 100 < 70 "
            f"THEN {prompt} ELSE '' END"
        ),
        "Moderation": V.sql_pick_weighted(V.MODERATION, "hh(i, 'mod')"),
        "Offense Type": V.sql_pick_weighted(V.OFFENSE_TYPES, "hh(i, 'off')"),
        # Split-date exports: the date alone, and the time of day alone.
        "Search Date": (
            f"CASE WHEN is_bad THEN {bad_dates}[1 + (hh(i, 'bad') % 2)::INTEGER] "
            "WHEN fs < 60 THEN strftime(ts, '%m/%d/%Y') ELSE strftime(ts, '%-m/%-d/%Y') END"
        ),
        "Search Time@split": (
            f"CASE WHEN is_bad THEN {bad_times}[1 + (hh(i, 'bad') % 2)::INTEGER] "
            "WHEN fs < 85 THEN strftime(ts, '%I:%M:%S %p UTC') ELSE strftime(ts, '%-I:%M:%S %p UTC') END"
        ),
        # Hidden helpers for the XLSX writer.
        "@ts_s": "ts_s",
        "@is_bad": "is_bad",
        "@id_src": id_src,
    }


def rows_sql(s: AuditStream, columns: Sequence[str], window: tuple[int, int] | None = None) -> str:
    """SQL yielding one row per written record (duplicates expanded), one column per name.

    Names are variant headers (``Search Time`` of a split-date variant must be passed as
    ``Search Time@split``) or the helpers ``@ts_s`` / ``@is_bad``.
    """
    cells = _cells(s)
    reason = V.sql_pick_weighted(V.REASONS, "hh(i, 'rsn')")
    stype = V.sql_pick_weighted(V.SEARCH_TYPES[s.log_kind], "hh(i, 'st')")
    select = ",\n  ".join(f'{cells[c]} AS "c{k}"' for k, c in enumerate(columns))
    out = ", ".join(f'"c{k}"' for k in range(len(columns)))
    # Layers: base -> per-row draws reused by several cells -> time frame -> cells.
    return f"""
    WITH b AS ({base_sql(s, window)}),
    d AS (
      SELECT *, make_timestamp(ts_s * 1000000) AS ts,
             (hh(i, 'fmt') % 100)::INTEGER AS fs,
             floor(60 * pow(uu(i, 'usr'), 2))::INTEGER AS usr,
             hh(i, 'plate') AS hp,
             (hh(i, 'pl') % 1000)::INTEGER AS pl,
             (hh(i, 'cn') % 1000)::INTEGER AS cn,
             {reason} AS rsn,
             {stype} AS stype,
             CASE WHEN hh(i, 'net1') % 100 < 20 THEN 1
                  ELSE (1 + floor(exp(uu(i, 'net') * 8.987)))::BIGINT END AS nets,
             {cells["@id_src"]} AS id_src,
             -- Time Frame end <= search time; start before end.
             ts_s - CASE WHEN hh(i, 'gap') % 100 < 30 THEN 0
                         WHEN hh(i, 'gap') % 100 < 60 THEN (hh(i, 'gap2') % 600)::BIGINT
                         WHEN hh(i, 'gap') % 100 < 80 THEN ts_s % 3600
                         ELSE (hh(i, 'gap2') % 259200)::BIGINT END AS tf_end_s,
             [3600, 7200, 86400, 604800, 2592000, 0][1 + (hh(i, 'dur') % 6)::INTEGER] AS dur0
      FROM b
    ),
    e AS (
      SELECT *, hh(id_src, 'id1') AS ida, hh(id_src, 'id2') AS idb,
             tf_end_s - CASE WHEN dur0 = 0 THEN 60 + (hh(i, 'dur2') % 3540)::BIGINT
                             ELSE dur0 END AS tf_start_s
      FROM d
    ),
    f AS (SELECT is_dup, {select} FROM e)
    SELECT {out} FROM (
      SELECT *, unnest(CASE WHEN is_dup THEN [0, 1] ELSE [0] END) AS copy_no FROM f
    )
    """  # noqa: S608 - every interpolated value is generated here, not user text
