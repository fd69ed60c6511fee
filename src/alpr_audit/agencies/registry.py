"""Write parsed agency names into the catalog's ``agencies`` table."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from alpr_audit.agencies.names import ParsedName, parse_agency_name


def parse_names(raw_names: Iterable[str],
                state_hints: dict[str, str] | None = None) -> dict[str, ParsedName]:
    """Parse each distinct written name once; ``state_hints`` maps a name to the state a
    source gives for it in a column of its own (evidence for names without a state)."""
    hints = state_hints or {}
    return {raw: parse_agency_name(raw, hints.get(raw))
            for raw in set(raw_names) if raw and raw.strip()}


#: rapidfuzz ratio from which a new spelling joins a known agency of the same state and level.
#: Conservative: 'San Bernadino County CA SO' (98) joins 'San Bernardino County CA SO';
#: 'Riverside CA PD' (70 against 'Riverside County CA SO') does not.
NEAR_DUPLICATE_RATIO = 95.0


def join_near_duplicates(con: duckdb.DuckDBPyConnection,
                         parsed: dict[str, ParsedName]) -> dict[str, ParsedName]:
    """Map new names that are misspellings of a known agency onto that agency's id.

    Only names whose state is known, compared with known agencies of the same state and level;
    the evidence says which agency and how close.
    """
    from dataclasses import replace

    from rapidfuzz import fuzz, process

    known = con.execute("SELECT agency_id, name, state, level FROM agencies "
                        "WHERE state <> 'unknown'").fetchall()
    if not known:
        return parsed
    ids = {r[0] for r in known}
    groups: dict[tuple[str, str], dict[str, str]] = {}
    for agency_id, name, state, level in known:
        groups.setdefault((state, level), {})[agency_id] = name
    out = dict(parsed)
    for raw, p in parsed.items():
        if p.agency_id in ids or p.state == "unknown":
            continue
        candidates = groups.get((p.state, p.level))
        if not candidates:
            continue
        best = process.extractOne(p.canonical, candidates, scorer=fuzz.ratio,
                                  score_cutoff=NEAR_DUPLICATE_RATIO)
        if best:
            name, score, agency_id = best
            out[raw] = replace(p, agency_id=agency_id, canonical=name, evidence=(
                *p.evidence, f"near-duplicate of known agency '{name}' (similarity {score:.0f})"))
    return out


def upsert(con: duckdb.DuckDBPyConnection, parsed: Iterable[ParsedName]) -> None:
    """Add agencies; for known ones, add the new spellings and deactivation marks.

    Call inside the ingest's catalog transaction so a failed ingest adds no agencies.
    """
    by_id: dict[str, list[ParsedName]] = {}
    for p in parsed:
        by_id.setdefault(p.agency_id, []).append(p)
    rows = []
    for agency_id, names in sorted(by_id.items()):
        first = names[0]
        rows.append((
            agency_id, first.canonical, first.state, first.level, first.is_federal,
            first.is_private, any(n.deactivated for n in names),
            sorted({n.raw for n in names}),
        ))
    if not rows:
        return
    # One statement for all rows: executemany runs one statement per row (~3 ms each).
    columns = ["agency_id", "name", "state", "level", "is_federal", "is_private", "deactivated",
               "aliases"]
    batch = pa.table({n: [r[i] for r in rows] for i, n in enumerate(columns)})
    con.register("_new_agencies", batch)
    try:
        con.execute(
            """INSERT INTO agencies SELECT * FROM _new_agencies
            ON CONFLICT (agency_id) DO UPDATE SET
              aliases = list_sort(list_distinct(list_concat(agencies.aliases, EXCLUDED.aliases))),
              deactivated = agencies.deactivated OR EXCLUDED.deactivated"""
        )
    finally:
        con.unregister("_new_agencies")
