"""The SQL that turns a Flock search log's text cells into ``stage`` rows for ``searches``.

Both Flock search logs (the Organization/Network Audit export and the transparency portal's
search-audit CSV) describe the same record with different column names. Importers map their
headers to the canonical fields below; this module writes the one SELECT that parses them
with the shared cell rules (``core/cells.py``) and decides, per row, whether it is rejected.

The SELECT has three layers, each a small function below: trim every used cell once
(:func:`_trimmed`), parse the trimmed text (:func:`_parsed`), then decide rejects and the
dedup key (:func:`build_select`). Each layer reads the one below, so no cell is trimmed or
parsed twice. Every piece of text from the file (header names in messages and in ``_raw``)
reaches the SQL through :mod:`alpr_audit.core.sql`.
"""

from __future__ import annotations

from typing import NamedTuple

from alpr_audit.core import sql
from alpr_audit.ingest.tabular import HeaderMap

#: Canonical fields of a search-log row and how each is shown in messages.
FIELD_LABELS = {
    "record_id": "ID",
    "user": "Name",
    "org": "Org Name",
    "networks": "Total Networks Searched",
    "devices": "Total Devices Searched",
    "time_frame": "Time Frame",
    "plate": "License Plate",
    "reason": "Reason",
    "case": "Case #",
    "filters": "Filters",
    "search_time": "Search Time",
    "search_date": "Search Date",
    "search_type": "Search Type",
    "text_prompt": "Text Prompt",
    "moderation": "Moderation",
    "offense_type": "Offense Type",
}

#: Stage columns in the order of ``schema.SEARCHES`` (minus pipeline-added ones) + meta.
STAGE_COLUMNS = [
    "_locator", "_reject", "_raw", "_kb", "_has_id",
    "searcher_name_raw", "record_id", "user_ref", "searched_at", "searched_at_raw",
    "reason", "case_number", "offense_type", "plate_query", "search_type", "mobile",
    "networks_searched", "devices_searched", "time_frame_start", "time_frame_end",
    "filters", "text_prompt", "moderation", "redacted",
]

_NULL = "CAST(NULL AS VARCHAR)"

#: Redactable cells: (field, the stage column named in ``redacted`` when its cell is withheld).
_REDACTABLE = [("user", "user_ref"), ("plate", "plate_query"), ("reason", "reason"),
               ("case", "case_number"), ("org", "searcher_name_raw"),
               ("offense_type", "offense_type"), ("filters", "filters")]

_WHEN_EXAMPLE = '"01/31/2022, 11:26:24 PM UTC"'


class _When(NamedTuple):
    """The search's time: the SQL text it is parsed from, its label, its redaction test."""

    expr: str
    label: str
    redacted: str


def _labels(hm: HeaderMap) -> dict[str, str]:
    """Each field's name in messages: its header as written, else the usual Flock name."""
    return {f: (hm.headers[hm.fields.index(f)] if f in hm.fields else FIELD_LABELS[f])
            for f in FIELD_LABELS}


def _when(hm: HeaderMap, label: dict[str, str]) -> _When:
    """A search's time is one cell, or a date cell and a time cell read together."""
    if "search_date" in hm.fields and "search_time" in hm.fields:
        return _When("t_search_date || ' ' || t_search_time",
                     f"{label['search_date']} + {label['search_time']}",
                     "aa_redacted_t(t_search_date) OR aa_redacted_t(t_search_time)")
    if "search_time" in hm.fields:
        return _When("t_search_time", label["search_time"], "aa_redacted_t(t_search_time)")
    return _When("t_search_date", label["search_date"], "aa_redacted_t(t_search_date)")


def _cell(hm: HeaderMap, field: str) -> str:
    """The trimmed cell of ``field``, or NULL when the file has no such column."""
    return f"t_{field}" if field in hm.fields else _NULL


def _text(hm: HeaderMap, field: str) -> str:
    """The value of a redactable text cell, reusing its redaction flag."""
    if field not in hm.fields:
        return _NULL
    return f"CASE WHEN r_{field} OR aa_empty_t(t_{field}) THEN NULL ELSE t_{field} END"


def _trimmed(hm: HeaderMap) -> str:
    """``aa_trim`` of every used column, named ``t_<field>``."""
    return ",\n  ".join(f'aa_trim("c{i}") AS t_{f}' for i, f in enumerate(hm.fields) if f)


def _redaction(hm: HeaderMap) -> tuple[str, str]:
    """The ``r_<field>`` flag columns and the ``redacted`` list built from them.

    Each redaction test runs once per cell: ``r_<field>`` feeds both the value and the list.
    """
    present = [(f, name) for f, name in _REDACTABLE if f in hm.fields]
    flags = "".join(f",\n  aa_redacted_t(t_{f}) AS r_{f}" for f, _ in present)
    redacted = ", ".join(f"CASE WHEN r_{f} THEN {sql.string(name)} END" for f, name in present)
    listed = (f"[x FOR x IN [{redacted}] IF x IS NOT NULL]" if redacted
              else "CAST([] AS VARCHAR[])")
    return flags, listed


def _raw_json(hm: HeaderMap) -> str:
    """A rejected row's cells as a JSON object keyed by the headers as written."""
    return "json_object(" + ", ".join(
        f"{sql.string(h)}, \"c{i}\"" for i, h in enumerate(hm.headers)
    ) + ")::VARCHAR"


def _parsed(hm: HeaderMap, relation: str, when: _When) -> str:
    """The layer parsing trimmed cells into the stage columns (rejects not yet decided)."""
    flags, redacted = _redaction(hm)
    t, text = (lambda f: _cell(hm, f)), (lambda f: _text(hm, f))
    return f"""
SELECT *,
  {when.expr} AS _when,
  aa_ts_t({when.expr}) AS searched_at,
  aa_text_t({t('record_id')}) AS record_id,
  {text('user')} AS user_ref,
  {text('org')} AS searcher_name_raw,
  aa_int_t({t('networks')}) AS networks_searched,
  aa_int_t({t('devices')}) AS devices_searched,
  aa_ts_t(_tf1) AS time_frame_start,
  aa_ts_t(_tf2) AS time_frame_end,
  {text('plate')} AS plate_query,
  {text('reason')} AS reason,
  {text('case')} AS case_number,
  {text('offense_type')} AS offense_type,
  {text('filters')} AS filters,
  aa_text_t({t('text_prompt')}) AS text_prompt,
  aa_text_t({t('moderation')}) AS moderation,
  aa_text_t({t('search_type')}) AS _stype,
  {redacted} AS redacted
FROM (SELECT *, aa_trim(_tf1_raw) AS _tf1, aa_trim(_tf2_raw) AS _tf2 FROM (
  SELECT *, aa_frame_part_t(_tf, 1) AS _tf1_raw, aa_frame_part_t(_tf, 2) AS _tf2_raw FROM (
    SELECT *, {t('time_frame')} AS _tf{flags} FROM (
      SELECT *, {_trimmed(hm)} FROM {relation}))))"""


def _found(message: str, cell: str) -> str:
    """A reject message followed by the offending cell in double quotes."""
    return f"{sql.string(message)} || '\"' || {cell} || '\"'"


def _bad_number(hm: HeaderMap, label: dict[str, str], field: str, parsed_col: str) -> str:
    """The CASE branch rejecting a count cell that holds text but no whole number."""
    if field not in hm.fields:
        return ""
    return (f"WHEN aa_bad_t(t_{field}, {parsed_col}) THEN "
            + _found(label[field] + ": expected a whole number, found ", f"t_{field}"))


def _bad_frame(hm: HeaderMap, label: dict[str, str]) -> str:
    """The CASE branch rejecting a Time Frame cell that is not two timestamps."""
    if "time_frame" not in hm.fields:
        return ""
    expected = label["time_frame"] + ': expected two timestamps (on two lines, or "A to B"), found '
    return ("WHEN (time_frame_start IS NULL OR time_frame_end IS NULL) "
            "AND aa_bad_t(t_time_frame, NULL) THEN " + _found(expected, "t_time_frame"))


def _reject(hm: HeaderMap, label: dict[str, str], when: _When) -> str:
    """Why a parsed row is rejected (NULL when it is kept).

    A record without its time is rejected; a record with its time may still hold a malformed
    number or frame (none to check when the export has none of those columns).
    """
    checks = "\n    ".join(c for c in (_bad_number(hm, label, "networks", "networks_searched"),
                                        _bad_number(hm, label, "devices", "devices_searched"),
                                        _bad_frame(hm, label)) if c)
    when_ok = f"CASE {checks} END" if checks else "NULL"
    unreadable = _found(f"{when.label}: expected a timestamp such as {_WHEN_EXAMPLE}, found ", "_when")
    return f"""CASE
  WHEN _reject IS NOT NULL THEN _reject
  WHEN searched_at IS NOT NULL THEN {when_ok}
  WHEN aa_empty_t(_when) THEN {sql.string(when.label + ' is empty: a search record needs its time')}
  WHEN {when.redacted} THEN {sql.string(when.label + ' is redacted: a search record needs its time')}
  ELSE {unreadable}
END"""


def _dedup_key(hm: HeaderMap, key: str) -> str:
    """The hash identifying a record across re-imports (see :func:`build_select`)."""
    if key == "id":
        return "hash(record_id)"
    cells = ", ".join(f'"c{i}"' for i in range(len(hm.fields)))
    return (f"CASE WHEN record_id IS NOT NULL THEN hash(record_id, searched_at, "
            f"searcher_name_raw, _stype) ELSE hash({cells}) END")


def build_select(hm: HeaderMap, relation: str, key: str = "content") -> str:
    """The SELECT producing stage rows from ``relation`` (text columns ``c0…cN``).

    ``key`` is ``"content"`` for audit exports (record id + time + org + type when an ID
    column exists, else every cell plus an occurrence number added later) or ``"id"`` for
    portal CSVs (the ``id`` alone).
    """
    label = _labels(hm)
    when = _when(hm, label)
    return f"""
SELECT _locator, _rj AS _reject,
  CASE WHEN _rj IS NOT NULL THEN coalesce(_raw, {_raw_json(hm)}) END AS _raw,
  {_dedup_key(hm, key)} AS _kb, record_id IS NOT NULL AS _has_id,
  searcher_name_raw, record_id, user_ref, searched_at,
  -- invariant 4: keep the text where the zone was not explicit (naive forms, Excel serials)
  CASE WHEN suffix(_when, 'UTC') OR suffix(_when, 'Z') THEN NULL ELSE _when END AS searched_at_raw,
  reason, case_number, offense_type, plate_query,
  CASE WHEN _mobile THEN regexp_replace(_stype, '\\s*-\\s*mobile\\s*$', '', 'i')
       ELSE _stype END AS search_type,
  _mobile AS mobile,
  networks_searched, devices_searched, time_frame_start, time_frame_end,
  filters, text_prompt, moderation, redacted
FROM (SELECT *, {_reject(hm, label, when)} AS _rj,
        coalesce(_stype ILIKE '%mobile' AND regexp_matches(_stype, '-\\s*mobile\\s*$', 'i'), false) AS _mobile
      FROM ({_parsed(hm, relation, when)}))"""
