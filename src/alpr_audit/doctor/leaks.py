"""Privacy leak scanner: does an output folder carry personal values of the store's sources?

Invariant 7 says public outputs carry no raw plate, person's name, e-mail or user id unless
the operator opts in. :func:`scan` proves it for a folder after the fact, whatever wrote it:

1. :func:`sensitive_values` collects, from the store, every value of a column the schema marks
   as personal data (``plate_query``, ``user_ref``, ``display_name``, ``email``) plus every
   e-mail address found in any text column of an ingested table. Values that are also an
   agency's name or alias are public and dropped, as are values too short or too common to
   mean anything (see :func:`_usable`).
2. :mod:`.extract` turns every file of the folder into texts with their place — CSV cells,
   JSON strings, XLSX cells, PDF page text, HTML/SVG text and attribute values, SQLite and
   Parquet cells, members of zip files — and each text is searched for those values.

A :class:`Leak` names the file, the place and the kind, and shows the value masked
(``7A…23``): the scanner's own report must not be a leak.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from alpr_audit.core.errors import UsageError
from alpr_audit.core.schema import INGEST_TABLES, TABLES
from alpr_audit.doctor.extract import texts
from alpr_audit.store.store import Store

#: personal-data columns (schema docs say "(personal data)") → the kind of value they hold
KIND_OF_COLUMN = {"plate_query": "plate", "user_ref": "user_id", "display_name": "name",
                  "email": "email"}
KINDS = ("plate", "name", "user_id", "email")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_EMAIL_SQL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
#: user ids that name a role, not a person (vendor exports use them for system actions)
_GENERIC = {"admin", "administrator", "system", "unknown", "none", "null", "n/a", "user",
            "redacted", "test", "support", "flock", "api", "service", "automation"}


@dataclass(frozen=True)
class Leak:
    """A personal value of the store found in an output file."""

    file: str  # relative to the scanned folder
    place: str  # row/column, sheet!cell, page, line, JSON path, table/row/column …
    kind: str  # plate, name, user_id, email
    masked: str  # the value with its middle hidden

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Sensitive:
    """The values to look for, by kind (plates normalised to upper-case letters and digits)."""

    plates: set[str]
    words: dict[str, str]  # case-folded name / user id / e-mail → kind

    def count(self) -> dict[str, int]:
        out = {k: 0 for k in KINDS}
        out["plate"] = len(self.plates)
        for kind in self.words.values():
            out[kind] += 1
        return out


def mask(value: str) -> str:
    """``value`` with all but its first and last character hidden (``J…h`` for John Smith)."""
    value = str(value)
    if len(value) <= 2:
        return "*" * len(value)
    return f"{value[0]}…{value[-1]} ({len(value)} chars)"


def _plate_norm(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def _usable(kind: str, value: str) -> bool:
    """Whether a value is specific enough that finding it in an output means a leak."""
    if kind == "plate":  # 4+ characters with a letter and a digit: not a count or a word
        return (4 <= len(value) <= 10 and any(c.isdigit() for c in value)
                and any(c.isalpha() for c in value))
    if kind == "email":
        return EMAIL.fullmatch(value) is not None
    if value in _GENERIC or len(value) < 4 or value.isdigit():
        return False
    return any(c.isalpha() for c in value)


def sensitive_values(store: Store) -> Sensitive:
    """Every personal value of the store's sources worth looking for (see the module doc)."""
    con = store.con
    public = {r[0].casefold() for r in con.execute(
        "SELECT name FROM agencies UNION SELECT unnest(aliases) FROM agencies").fetchall()
        if r[0]}
    plates: set[str] = set()
    words: dict[str, str] = {}
    for table in TABLES.values():
        for column in table.columns:
            kind = KIND_OF_COLUMN.get(column.name)
            if not kind or "personal data" not in column.doc:
                continue
            for (value,) in con.execute(
                    f'SELECT DISTINCT "{column.name}" FROM "{table.name}" '
                    f'WHERE "{column.name}" IS NOT NULL').fetchall():
                _add(kind, str(value), plates, words, public)
    for table in INGEST_TABLES:  # e-mails typed into reasons, details, names …
        text_cols = [c.name for c in table.columns if c.type == "VARCHAR"]
        if not text_cols:
            continue
        found = " UNION ".join(
            f"SELECT DISTINCT unnest(regexp_extract_all(\"{c}\", '{_EMAIL_SQL}')) AS e "
            f'FROM "{table.name}" WHERE "{c}" LIKE \'%@%\'' for c in text_cols)
        for (value,) in con.execute(found).fetchall():
            _add("email", value, plates, words, public)
    return Sensitive(plates, words)


def _add(kind: str, value: str, plates: set[str], words: dict[str, str], public: set[str]) -> None:
    value = " ".join(value.split())
    if EMAIL.fullmatch(value):  # a user id that is an e-mail is reported as an e-mail
        kind = "email"
    if kind == "plate":
        norm = _plate_norm(value)
        if _usable("plate", norm):
            plates.add(norm)
        return
    key = value.casefold()
    if key in public or not _usable(kind, key):
        return
    if words.get(key) not in ("email", "name"):  # the more telling kind wins
        words[key] = kind


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


class _Matcher:
    """Finds the sensitive values inside one text.

    Values and texts are compared as sequences of words (letters and digits, case-folded), so
    ``Hall, K`` matches ``hall k`` and ``evelyn.quarterman@pd.example.gov`` matches wherever the
    address is written, while ``Ann`` never matches inside ``Annual``. Plates also match with a
    space or dash inside (``7ABC 123``). One set lookup per word n-gram; repeated texts (the
    same agency name in every row) are looked up once.
    """

    def __init__(self, sensitive: Sensitive) -> None:
        self.grams: dict[tuple[str, ...], tuple[str, str]] = {}
        for value, kind in sensitive.words.items():
            words = _words(value)
            if words:
                self.grams.setdefault(words, (kind, value))
        for plate in sensitive.plates:
            self.grams.setdefault((plate.casefold(),), ("plate", plate))
        self.plates = {p.casefold() for p in sensitive.plates}
        self.longest = max((len(g) for g in self.grams), default=0)
        self._seen: dict[str, list[tuple[str, str]]] = {}

    def find(self, text: str) -> list[tuple[str, str]]:
        hit = self._seen.get(text)
        if hit is None:
            hit = self._find(text)
            if len(self._seen) > 200_000:
                self._seen.clear()
            self._seen[text] = hit
        return hit

    def _find(self, text: str) -> list[tuple[str, str]]:
        words = _words(text)
        found: list[tuple[str, str]] = []
        for i in range(len(words)):
            for n in range(1, min(self.longest, len(words) - i) + 1):
                value = self.grams.get(words[i:i + n])
                if value:
                    found.append(value)
            if self.plates:  # a plate written in two or three parts
                for n in (2, 3):
                    joined = "".join(words[i:i + n])
                    if i + n <= len(words) and joined in self.plates:
                        found.append(("plate", joined.upper()))
        return found


def scan(store: Store, folder: str | Path, *, sensitive: Sensitive | None = None,
         unscanned: list[str] | None = None) -> list[Leak]:
    """Every place in the files under ``folder`` that holds a personal value of ``store``.

    Files no reader knows (images, fonts) are appended to ``unscanned`` when it is given."""
    folder = Path(folder)
    matcher = _Matcher(sensitive or sensitive_values(store))
    leaks: dict[tuple[str, str, str, str], Leak] = {}
    for text in texts(folder, unscanned):
        for kind, value in matcher.find(text.text):
            leak = Leak(text.file, text.place, kind, mask(value))
            leaks.setdefault((leak.file, leak.place, leak.kind, leak.masked), leak)
    return sorted(leaks.values(), key=lambda k: (k.file, k.place, k.kind, k.masked))


def check_folder(store: Store, folder: str | Path) -> dict[str, Any]:
    """Scan ``folder`` and summarise (the ``doctor --leaks --json`` object): ``ok``, every
    leak, counts by kind, how many values of each kind were looked for, unscanned files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder", path=str(folder),
                         hint="pass the folder an output was written to (audit --out, "
                         "respond --out, portal build --out, export …)")
    sensitive = sensitive_values(store)
    unscanned: list[str] = []
    leaks = scan(store, folder, sensitive=sensitive, unscanned=unscanned)
    by_kind = {k: sum(1 for x in leaks if x.kind == k) for k in KINDS}
    return {"folder": str(folder), "ok": not leaks, "leaks": [x.to_json() for x in leaks],
            "by_kind": by_kind, "values_checked": sensitive.count(), "unscanned": unscanned}
