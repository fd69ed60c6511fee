"""The SQL that turns a Flock search log's text cells into ``stage`` rows for ``searches``.

Both Flock search logs (the Organization/Network Audit export and the transparency portal's
search-audit CSV) describe the same record with different column names. Importers map their
headers to the canonical fields below; this module writes the one SELECT that parses them
with the shared cell rules (``ingest.cells``) and decides, per row, whether it is rejected.
"""

from __future__ import annotations

from ..tabular import HeaderMap

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
    """

    def col(field: str) -> str:
        return f'"c{hm.fields.index(field)}"' if field in hm.fields else _NULL

    label = {f: (hm.headers[hm.fields.index(f)] if f in hm.fields else FIELD_LABELS[f])
             for f in FIELD_LABELS}
    if "search_date" in hm.fields and "search_time" in hm.fields:
        when = f"trim({col('search_date')}) || ' ' || trim({col('search_time')})"
        when_label = f"{label['search_date']} + {label['search_time']}"
    elif "search_time" in hm.fields:
        when, when_label = col("search_time"), label["search_time"]
    else:
        when, when_label = col("search_date"), label["search_date"]

    redactable = [("user", "user_ref"), ("plate", "plate_query"), ("reason", "reason"),
                  ("case", "case_number"), ("org", "searcher_name_raw"),
                  ("offense_type", "offense_type"), ("filters", "filters")]
    redacted = ", ".join(
        f"CASE WHEN aa_is_redacted({col(f)}) THEN '{name}' END"
        for f, name in redactable if f in hm.fields
    )
    redacted_expr = f"[x FOR x IN [{redacted}] IF x IS NOT NULL]" if redacted else "CAST([] AS VARCHAR[])"
    raw_json = "json_object(" + ", ".join(
        f"{_q(h)}, \"c{i}\"" for i, h in enumerate(hm.headers)
    ) + ")::VARCHAR"
    cells = ", ".join(f'"c{i}"' for i in range(len(hm.fields)))

    inner = f"""
SELECT *,
  {when} AS _when,
  aa_ts_text(trim({when})) AS searched_at,
  aa_text({col('record_id')}) AS record_id,
  aa_text({col('user')}) AS user_ref,
  aa_text({col('org')}) AS searcher_name_raw,
  {col('networks')} AS _nets, aa_int({col('networks')}) AS networks_searched,
  {col('devices')} AS _devs, aa_int({col('devices')}) AS devices_searched,
  {col('time_frame')} AS _tf,
  aa_ts(aa_frame_part({col('time_frame')}, 1)) AS time_frame_start,
  aa_ts(aa_frame_part({col('time_frame')}, 2)) AS time_frame_end,
  aa_text({col('plate')}) AS plate_query,
  aa_text({col('reason')}) AS reason,
  aa_text({col('case')}) AS case_number,
  aa_text({col('offense_type')}) AS offense_type,
  aa_text({col('filters')}) AS filters,
  aa_text({col('text_prompt')}) AS text_prompt,
  aa_text({col('moderation')}) AS moderation,
  aa_text({col('search_type')}) AS _stype,
  {redacted_expr} AS redacted
FROM {relation}"""

    def bad_number(raw: str, parsed: str, name: str) -> str:
        return (f"WHEN {parsed} IS NULL AND aa_int_bad({raw}) THEN "
                f"{_q(name + ': expected a whole number, found ')} || '\"' || {raw} || '\"'")

    reject = f"""CASE
  WHEN _reject IS NOT NULL THEN _reject
  WHEN searched_at IS NULL AND aa_is_empty(_when) THEN {_q(when_label + ' is empty: a search record needs its time')}
  WHEN searched_at IS NULL AND aa_is_redacted(_when) THEN {_q(when_label + ' is redacted: a search record needs its time')}
  WHEN searched_at IS NULL THEN {_q(when_label + ': expected a timestamp such as "01/31/2022, 11:26:24 PM UTC", found ')} || '"' || _when || '"'
  {bad_number('_nets', 'networks_searched', label['networks'])}
  {bad_number('_devs', 'devices_searched', label['devices'])}
  WHEN (time_frame_start IS NULL OR time_frame_end IS NULL) AND aa_frame_bad(_tf) THEN
    {_q(label['time_frame'] + ': expected two timestamps (on two lines, or "A to B"), found ')} || '"' || _tf || '"'
END"""
    if key == "id":
        kb = "hash(record_id)"
        has_id = "record_id IS NOT NULL"
    else:
        kb = (f"CASE WHEN record_id IS NOT NULL THEN hash(record_id, searched_at, "
              f"searcher_name_raw, _stype) ELSE hash({cells}) END")
        has_id = "record_id IS NOT NULL"
    return f"""
SELECT _locator, _rj AS _reject,
  CASE WHEN _rj IS NOT NULL THEN coalesce(_raw, {raw_json}) END AS _raw,
  {kb} AS _kb, {has_id} AS _has_id,
  searcher_name_raw, record_id, user_ref, searched_at, _when AS searched_at_raw,
  reason, case_number, offense_type, plate_query,
  regexp_replace(_stype, '\\s*-\\s*mobile\\s*$', '', 'i') AS search_type,
  coalesce(regexp_matches(_stype, '-\\s*mobile\\s*$', 'i'), false) AS mobile,
  networks_searched, devices_searched, time_frame_start, time_frame_end,
  filters, text_prompt, moderation, redacted
FROM (SELECT *, {reject} AS _rj FROM ({inner}))"""
