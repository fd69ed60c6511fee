"""Purpose classification of search reasons: one label and the term that decided it.

Every search carries a free-text reason (§1798.90.52(a)(4)). The audit sorts each reason into
one of :data:`LABELS` with term lists (``reason_terms.toml``, overridable by the user) compiled
into regular expressions (the common subset of RE2 and Java's syntax), written once as an Ibis
expression so the audit classifies 10^7 rows vectorised on DuckDB or Spark. :func:`classify`
evaluates the *same* expression on one value; there is no second implementation. See docs/purposes.md for the labels, the precedence and the measured quality.
"""

from __future__ import annotations

import re
import threading
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir

from alpr_audit.core.errors import UsageError

#: Labels in precedence order: when several match, the first one wins. ``missing`` is decided
#: first on the raw text; unmatched non-empty text falls back to ``generic`` (matched NULL): it names no offense, case or purpose the lists know.
PRECEDENCE = ("immigration", "protest", "reproductive", "personal", "test", "specific",
              "case_number", "generic")
LABELS = ("missing", *PRECEDENCE)
#: Label given to a non-empty reason no term matched (matched is NULL then).
FALLBACK = "generic"

_SECTIONS = ("ignore", *LABELS)
_KEYS = ("terms", "patterns", "replace", "remove")
_DEFAULTS = "reason_terms.toml"


@dataclass(frozen=True)
class TermList:
    """Whole-word phrases (``*`` = any word ending) and raw RE2 patterns for one label."""

    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Terms:
    """The term lists of every label plus the ``ignore`` list (phrases deleted first)."""

    lists: Mapping[str, TermList] = field(default_factory=dict)
    source: str = _DEFAULTS

    def get(self, label: str) -> TermList:
        return self.lists.get(label, TermList())


# --- term lists ----------------------------------------------------------------------------

def normalise_term(term: str) -> str:
    """A term in the form matching sees: no accents, lower case, punctuation → one space."""
    text = unicodedata.normalize("NFKD", term)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9*]+", " ", text).strip()


def _term_regex(term: str) -> str:
    # words are [a-z0-9] only after normalisation, so nothing needs escaping
    return " ".join(w[:-1] + "[a-z0-9]*" if w.endswith("*") else w for w in term.split())


def _check_term(term: str, where: str, path: str) -> str:
    norm = normalise_term(term)
    if not norm or any("*" in w[:-1] for w in norm.split()) or norm == "*":
        raise UsageError(
            f"bad term {term!r} in [{where}]", path=path, locator=f"{where}.terms",
            hint="a term is words separated by spaces; '*' may only end a word (deport*)")
    return norm


_check_con = threading.local()


def _check_pattern(pattern: str, where: str, path: str) -> str:
    con = getattr(_check_con, "con", None)
    if con is None:
        con = _check_con.con = duckdb.connect()
    try:
        con.execute("SELECT regexp_matches('', $1)", [pattern]).fetchone()
    except duckdb.Error as exc:
        raise UsageError(
            f"bad regular expression {pattern!r} in [{where}]: {str(exc).splitlines()[0]}",
            path=path, locator=f"{where}.patterns",
            hint="patterns are RE2 syntax: no lookbehind/lookahead; use \\b for word edges") from exc
    return pattern


def _str_list(value: Any, where: str, key: str, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"[{where}] {key} must be a list of strings", path=path,
                         locator=f"{where}.{key}", hint=f'write {key} = ["…", "…"]')
    return value


def _merge(base: dict[str, TermList], data: Mapping[str, Any], path: str) -> dict[str, TermList]:
    out = dict(base)
    for section, body in data.items():
        if section not in _SECTIONS:
            raise UsageError(f"unknown section [{section}] in the term file", path=path,
                             locator=section, hint=f"sections are: {', '.join(_SECTIONS)}")
        if not isinstance(body, dict):
            raise UsageError(f"{section} must be a table ([{section}])", path=path,
                             locator=section, hint=f'write [{section}] then terms = ["…"]')
        for key in body:
            if key not in _KEYS:
                raise UsageError(f"unknown key {key!r} in [{section}]", path=path,
                                 locator=f"{section}.{key}", hint=f"keys are: {', '.join(_KEYS)}")
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise UsageError(f"[{section}] replace must be true or false", path=path,
                             locator=f"{section}.replace", hint="write replace = true")
        old = TermList() if replace else out.get(section, TermList())
        remove = {normalise_term(t) for t in _str_list(body.get("remove", []), section, "remove", path)}
        terms = [t for t in old.terms if t not in remove]
        patterns = [p for p in old.patterns if p not in remove]
        for t in _str_list(body.get("terms", []), section, "terms", path):
            norm = _check_term(t, section, path)
            if norm not in terms:
                terms.append(norm)
        for p in _str_list(body.get("patterns", []), section, "patterns", path):
            if _check_pattern(p, section, path) not in patterns:
                patterns.append(p)
        out[section] = TermList(tuple(terms), tuple(patterns))
    return out


def _read_toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"the term file is not valid TOML: {exc}", path=path,
                         hint="see docs/purposes.md, 'Overriding the terms', for the layout") from exc


def load_terms(path: Path | None = None) -> Terms:
    """The default term lists, extended or overridden per label by the TOML file ``path``."""
    text = resources.files("alpr_audit.audit").joinpath(_DEFAULTS).read_text(encoding="utf-8")
    lists = _merge({}, _read_toml(text, _DEFAULTS), _DEFAULTS)
    if path is None:
        return Terms(lists)
    try:
        user = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the term file: {exc.strerror}", path=str(path),
                         hint="give the path of a readable TOML file") from exc
    return Terms(_merge(lists, _read_toml(user, str(path)), str(path)), source=str(path))


# --- the classifier as an Ibis expression ----------------------------------------------------

def _accent_map() -> tuple[str, str]:
    """Accented Latin letters and their base letters, for a portable ``translate``.

    Neither Ibis nor Spark has DuckDB's ``strip_accents``; a character map is portable.
    """
    src, dst = [], []
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch)[0].lower()
        if base != ch.lower() and "a" <= base <= "z":
            src.append(ch)
            dst.append(base)
    return "".join(src), "".join(dst)


_ACCENTS = _accent_map()
#: Whitespace trimmed around the raw reason: space, tab, LF, CR, NBSP, zero-width space, BOM.
_WS_CLASS = "[ \t\n\r\u00a0\u200b\ufeff]"


def label_regex(tl: TermList) -> str | None:
    """One regex for a label: its terms as whole words, then its patterns."""
    parts = []
    if tl.terms:
        # longest first: alternation is leftmost-first, and 'ice ero' should beat 'ice'
        alts = "|".join(_term_regex(t) for t in sorted(set(tl.terms), key=lambda t: (-len(t), t)))
        parts.append(f"(?:^| )(?:{alts})(?: |$)")
    parts.extend(f"(?:{p})" for p in tl.patterns)
    return "|".join(parts) or None


def _normalised(reason: ir.StringValue, terms: Terms) -> ir.StringValue:
    """No accents, lower case, words separated by one space, ``ignore`` phrases deleted."""
    text = reason.lower().translate(*_ACCENTS)
    norm = text.re_replace("[^a-z0-9]+", " ").strip()
    ignore = label_regex(terms.get("ignore"))
    if ignore:
        padded = ibis.literal(" ").concat(norm, ibis.literal(" "))
        norm = padded.re_replace(ignore, " ").re_replace(" +", " ").strip()
    return norm


def purpose_table(t: ir.Table, column: str = "reason", terms: Terms | None = None) -> ir.Table:
    """``t`` with ``purpose_label`` and ``purpose_matched`` added for its reason ``column``.

    ``matched`` is the text (normalised) that decided the label: the term or pattern match,
    the raw marker for ``missing``, NULL for the fallback. Written once in Ibis so the audit
    runs it on DuckDB and Spark alike; :func:`classify` evaluates the same expression. The
    normalised text is a column of its own first, so it is computed once per row, not once per
    label.
    """
    terms = terms or load_terms()
    text = t[column].cast("string")
    t = t.mutate(
        _p_null=text.isnull(),
        _p_raw=text.re_replace(f"^{_WS_CLASS}+|{_WS_CLASS}+$", "").lower(),
        _p_norm=_normalised(text, terms),
    )
    missing_rx = label_regex(TermList(patterns=terms.get("missing").patterns))
    is_missing = t._p_raw.re_search(f"^(?:{missing_rx})$") if missing_rx else t._p_raw == ""
    t = t.mutate(_p_missing=t._p_null | is_missing.fill_null(True))
    labels, matched = [], []
    for label in PRECEDENCE:
        rx = label_regex(terms.get(label))
        if rx is None:
            continue
        hit = t._p_norm.re_search(rx)
        labels.append((hit, label))
        found = t._p_norm.re_extract(rx, 0).strip()
        matched.append((hit, ibis.ifelse(found == "", "(no words)", found)))
    t = t.mutate(
        purpose_label=ibis.cases((t._p_missing, "missing"), *labels, else_=FALLBACK),
        purpose_matched=ibis.cases(
            (t._p_null, "(null)"),
            (t._p_missing, ibis.ifelse(t._p_raw == "", "(blank)", t._p_raw)),
            *matched, else_=ibis.null().cast("string")),
    )
    return t.drop("_p_null", "_p_raw", "_p_norm", "_p_missing")


def purpose_query_sql(table: str, columns: Mapping[str, str], terms: Terms | None = None) -> str:
    """DuckDB SQL selecting every column of ``table`` (name → Ibis type) plus the purpose
    columns; for SQL reports that filter and group on top of it."""
    unbound = ibis.table(dict(columns), name=table)
    return str(ibis.to_sql(purpose_table(unbound, terms=terms), dialect="duckdb"))


# --- one value -----------------------------------------------------------------------------

_local = threading.local()
_default_terms: Terms | None = None


def _one_sql(terms: Terms) -> str:
    return purpose_query_sql("_purpose_one", {"i": "int32", "reason": "string"}, terms)


def classify(reason: str | None, terms: Terms | None = None) -> tuple[str, str | None]:
    """``(label, matched)`` for one reason, by evaluating :func:`purpose_exprs` in DuckDB."""
    return classify_many([reason], terms)[0]


def classify_many(reasons: list[str | None], terms: Terms | None = None) -> list[tuple[str, str | None]]:
    """``(label, matched)`` per reason, in order, in one DuckDB query."""
    global _default_terms
    if terms is None:
        if _default_terms is None:
            _default_terms = load_terms()
        terms = _default_terms
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    cache: dict[int, tuple[Terms, str]] = getattr(_local, "sql", {})
    _local.sql = cache
    hit = cache.get(id(terms))
    if hit is None or hit[0] is not terms:
        hit = cache[id(terms)] = (terms, _one_sql(terms))
    con.execute("CREATE OR REPLACE TEMP TABLE _purpose_one (i INTEGER, reason VARCHAR)")
    con.executemany("INSERT INTO _purpose_one VALUES (?, ?)", list(enumerate(reasons)))
    rows = con.execute(f"SELECT i, purpose_label, purpose_matched FROM ({hit[1]}) ORDER BY i").fetchall()
    return [(r[1], r[2]) for r in rows]
