"""Pseudonyms computed inside DuckDB, equal to :class:`alpr_audit.core.privacy.Pseudonymizer`'s.

A 10M-row access log must be pseudonymised while it streams to CSV, without a Python call per
row: the HMAC is built from two ``sha256`` calls with the key's pads held in session variables
(never in query text, which DuckDB quotes in its errors), and the rare values whose Python and
SQL normalisation differ (non-ASCII case folding) are looked up in a map filled by the exact
Python function.
"""

from __future__ import annotations

import hashlib
from typing import Any

from alpr_audit.core import sql
from alpr_audit.core.privacy import KINDS, Pseudonymizer


def _hmac_pads(pz: Pseudonymizer) -> tuple[bytes, bytes] | None:
    key = pz.key
    if not isinstance(key, bytes):
        return None
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def pseudo_expr(pz: Pseudonymizer, kind: str, expr: str) -> str:
    """SQL giving ``pz.token(kind, expr)`` for every row, without a Python call per row.

    A Python UDF costs microseconds per row (and needs numpy in DuckDB); ten million searches
    with two personal columns would take minutes. For printable-ASCII values (plates, user
    ids, case numbers, almost all names) the HMAC-SHA256 is computed in SQL from two
    ``sha256`` calls (RFC 2104) on the same normalised text as :meth:`Pseudonymizer.token`
    (whitespace runs folded, trimmed, lower-cased: for ASCII, ``casefold`` is ``lower`` and
    the only whitespace is the space), so both give the same token. The rare other values
    are looked up in a map the Python function filled. Both live in session variables set
    by :func:`fill_pseudo_map` (call it first): no key material is ever part of a query
    text (DuckDB quotes query text in its errors), and no join is needed, so a streamed log
    keeps the order of its source files.
    """
    lookup = f"getvariable('aa_pseudo_map')[{sql.string(kind)} || chr(31) || {expr}]"
    if _hmac_pads(pz) is None:
        return f"(CASE WHEN {expr} IS NULL THEN NULL ELSE {lookup} END)"
    norm = f"trim(regexp_replace(lower({expr}), ' +', ' ', 'g'))"
    inner = (f"unhex(sha256(getvariable('aa_pseudo_ipad') || "
             f"encode({sql.string(kind)} || chr(31) || {norm})))")
    token = (f"{sql.string(KINDS.get(kind, kind) + '-')} || "
             f"left(sha256(getvariable('aa_pseudo_opad') || {inner}), 12)")
    return (f"(CASE WHEN {expr} IS NULL THEN NULL "
            f"WHEN NOT regexp_full_match({expr}, '[ -~]*') THEN {lookup} "
            f"WHEN trim({expr}) = '' THEN NULL ELSE {token} END)")


def fill_pseudo_map(con: Any, pz: Pseudonymizer, kind: str, expr: str, from_sql: str) -> int:
    """Prepare ``con`` for :func:`pseudo_expr` over ``from_sql`` (``FROM … WHERE …``):
    tokenise in Python the values SQL cannot do; returns how many."""
    pads = _hmac_pads(pz)
    if pads is not None:  # as parameters: the pads never appear in SQL text
        con.execute("SET VARIABLE aa_pseudo_ipad = unhex($1)", [pads[0].hex()]).fetchall()
        con.execute("SET VARIABLE aa_pseudo_opad = unhex($1)", [pads[1].hex()]).fetchall()
    exact = "" if pads is None else f" AND NOT regexp_full_match({expr}, '[ -~]*')"
    values = [r[0] for r in con.execute(
        f"SELECT DISTINCT {expr} {from_sql} AND {expr} IS NOT NULL{exact}").fetchall()]
    con.execute(
        "SET VARIABLE aa_pseudo_map = map_concat(coalesce(getvariable('aa_pseudo_map'), "
        "MAP {}::MAP(VARCHAR, VARCHAR)), MAP($1::VARCHAR[], $2::VARCHAR[]))",
        [[f"{kind}\x1f{v}" for v in values], [pz.token(kind, v) for v in values]]).fetchall()
    return len(values)


def clear_pseudo_state(con: Any) -> None:
    """Forget the pads and the value map on ``con`` (a long-lived connection, e.g. the web
    app's, must not keep them for later queries)."""
    for name in ("aa_pseudo_ipad", "aa_pseudo_opad", "aa_pseudo_map"):
        con.execute(f"RESET VARIABLE {name}").fetchall()
