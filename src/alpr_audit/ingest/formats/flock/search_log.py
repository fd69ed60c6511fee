"""The SQL that turns a Flock search log's text cells into ``stage`` rows for ``searches``.

Both Flock search logs (the Organization/Network Audit export and the transparency portal's
search-audit CSV) describe the same record with different column names. Importers map their
headers to the canonical fields below; this module writes the one SELECT that parses them
with the shared cell rules (``ingest.cells``) and decides, per row, whether it is rejected.
"""

from __future__ import annotations

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


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_select(hm: HeaderMap, relation: str, key: str = "content") -> str:
    """The SELECT producing stage rows from ``relation`` (text columns ``c0…cN``).

    ``key`` is ``"content"`` for audit exports (record id + time + org + type when an ID
    column exists, else every cell plus an occurrence number added later) or ``"id"`` for
    portal CSVs (the ``id`` alone).

    Three layers: trim every used cell once (``t_<field>``), parse the trimmed text, then
    decide rejects. Each layer reads the one below, so no cell is trimmed or parsed twice.
    """

    def t(field: str) -> str:
        return f"t_{field}" if field in hm.fields else _NULL

    def text(field: str) -> str:
        """The value of a redactable text cell, reusing its redaction flag."""
        if field not in hm.fields:
            return _NULL
        return f"CASE WHEN r_{field} OR aa_empty_t(t_{field}) THEN NULL ELSE t_{field} END"

    label = {f: (hm.headers[hm.fields.index(f)] if f in hm.fields else FIELD_LABELS[f])
             for f in FIELD_LABELS}
    if "search_date" in hm.fields and "search_time" in hm.fields:
        when = "t_search_date || ' ' || t_search_time"
        when_label = f"{label['search_date']} + {label['search_time']}"
        when_redacted = "aa_redacted_t(t_search_date) OR aa_redacted_t(t_search_time)"
    elif "search_time" in hm.fields:
        when, when_label = "t_search_time", label["search_time"]
        when_redacted = "aa_redacted_t(t_search_time)"
    else:
        when, when_label = "t_search_date", label["search_date"]
        when_redacted = "aa_redacted_t(t_search_date)"

    trimmed = ",\n  ".join(f'aa_trim("c{i}") AS t_{f}' for i, f in enumerate(hm.fields) if f)
    redactable = [("user", "user_ref"), ("plate", "plate_query"), ("reason", "reason"),
                  ("case", "case_number"), ("org", "searcher_name_raw"),
                  ("offense_type", "offense_type"), ("filters", "filters")]
    present = [(f, name) for f, name in redactable if f in hm.fields]
    # each redaction test runs once per cell: r_<field> feeds both the value and the list
    flags = "".join(f",\n  aa_redacted_t(t_{f}) AS r_{f}" for f, _ in present)
    redacted = ", ".join(f"CASE WHEN r_{f} THEN '{name}' END" for f, name in present)
    redacted_expr = (f"[x FOR x IN [{redacted}] IF x IS NOT NULL]" if redacted
                     else "CAST([] AS VARCHAR[])")
    raw_json = "json_object(" + ", ".join(
        f"{_q(h)}, \"c{i}\"" for i, h in enumerate(hm.headers)
    ) + ")::VARCHAR"
    cells = ", ".join(f'"c{i}"' for i in range(len(hm.fields)))

    parsed = f"""
SELECT *,
  {when} AS _when,
  aa_ts_t({when}) AS searched_at,
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
  {redacted_expr} AS redacted
FROM (SELECT *, aa_trim(_tf1_raw) AS _tf1, aa_trim(_tf2_raw) AS _tf2 FROM (
  SELECT *, aa_frame_part_t(_tf, 1) AS _tf1_raw, aa_frame_part_t(_tf, 2) AS _tf2_raw FROM (
    SELECT *, {t('time_frame')} AS _tf{flags} FROM (
      SELECT *, {trimmed} FROM {relation}))))"""

    def bad_number(field: str, parsed_col: str) -> str:
        if field not in hm.fields:
            return ""
        return (f"WHEN aa_bad_t(t_{field}, {parsed_col}) THEN "
                f"{_q(label[field] + ': expected a whole number, found ')} || '\"' || t_{field} || '\"'")

    frame_bad = ""
    if "time_frame" in hm.fields:
        expected = label["time_frame"] + ': expected two timestamps (on two lines, or "A to B"), found '
        frame_bad = (
            "WHEN (time_frame_start IS NULL OR time_frame_end IS NULL) "
            f"AND aa_bad_t(t_time_frame, NULL) THEN {_q(expected)} || '\"' || t_time_frame || '\"'")
    cell_checks = "\n    ".join(c for c in (bad_number("networks", "networks_searched"),
                                             bad_number("devices", "devices_searched"),
                                             frame_bad) if c)
    # a record with its time may still hold a malformed number or frame (none to check when
    # the export has none of those columns)
    when_ok = f"CASE {cell_checks} END" if cell_checks else "NULL"
    reject = f"""CASE
  WHEN _reject IS NOT NULL THEN _reject
  WHEN searched_at IS NOT NULL THEN {when_ok}
  WHEN aa_empty_t(_when) THEN {_q(when_label + ' is empty: a search record needs its time')}
  WHEN {when_redacted} THEN {_q(when_label + ' is redacted: a search record needs its time')}
  ELSE {_q(when_label + ': expected a timestamp such as "01/31/2022, 11:26:24 PM UTC", found ')} || '"' || _when || '"'
END"""
    if key == "id":
        kb = "hash(record_id)"
    else:
        kb = (f"CASE WHEN record_id IS NOT NULL THEN hash(record_id, searched_at, "
              f"searcher_name_raw, _stype) ELSE hash({cells}) END")
    return f"""
SELECT _locator, _rj AS _reject,
  CASE WHEN _rj IS NOT NULL THEN coalesce(_raw, {raw_json}) END AS _raw,
  {kb} AS _kb, record_id IS NOT NULL AS _has_id,
  searcher_name_raw, record_id, user_ref, searched_at,
  -- invariant 4: keep the text where the zone was not explicit (naive forms, Excel serials)
  CASE WHEN suffix(_when, 'UTC') OR suffix(_when, 'Z') THEN NULL ELSE _when END AS searched_at_raw,
  reason, case_number, offense_type, plate_query,
  CASE WHEN _mobile THEN regexp_replace(_stype, '\\s*-\\s*mobile\\s*$', '', 'i')
       ELSE _stype END AS search_type,
  _mobile AS mobile,
  networks_searched, devices_searched, time_frame_start, time_frame_end,
  filters, text_prompt, moderation, redacted
FROM (SELECT *, {reject} AS _rj,
        coalesce(_stype ILIKE '%mobile' AND regexp_matches(_stype, '-\\s*mobile\\s*$', 'i'), false) AS _mobile
      FROM ({parsed}))"""
