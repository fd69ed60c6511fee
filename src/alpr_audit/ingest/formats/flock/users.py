"""Flock user list (CSV/XLSX) → ``users``.

Layout (docs/formats.md): ``First Name, Last Name, Email, Phone, Title, Role, Identity Provider,
User Mgmt, Search, Hotlist Tool, Last Login``; the three permission columns hold
``Enabled``/``Disabled``. Releases drop columns (Phone, Title), hand-edit header names
(``HotlistTool``, ``User Management``, ``Last Login (UTC)``) or give one ``Name`` column, and
redact personal cells; columns are found by name.

* ``display_name`` is first and last name joined (or the ``Name`` column); ``user_ref`` is the
  e-mail — the account's sign-in, unique in Flock — else the display name.
* ``permissions`` lists the enabled permissions (``user_mgmt``, ``search``, ``hotlist_tool``)
  among the columns present; NULL when the list has none of them or the row's are all blank. A value other than
  Enabled/Disabled (or yes/no, true/false) rejects the row; a redacted one puts
  ``permissions`` in ``redacted``.
* ``Last Login`` is read by the shared timestamp rules (naive text is UTC, as Flock writes it);
  ``Never`` is empty.

The list has no record id: a row is keyed by all its cells, so a re-sent list is recognised and
two identical rows in one list stay two accounts.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

from alpr_audit.core import sql
from alpr_audit.ingest.base import StageContext, StageResult
from alpr_audit.ingest.tabular import HeaderMap
from alpr_audit.ingest.tabular_importer import TabularImporter

SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["first name", "firstname", "first", "given name"], "first_name"),
    **dict.fromkeys(["last name", "lastname", "last", "surname", "family name"], "last_name"),
    **dict.fromkeys(["name", "full name", "user"], "name"),
    **dict.fromkeys(["email", "e-mail", "email address", "e-mail address"], "email"),
    **dict.fromkeys(["phone", "phone number", "mobile", "telephone"], "phone"),
    **dict.fromkeys(["title", "job title", "rank"], "title"),
    **dict.fromkeys(["role", "user role"], "role"),
    **dict.fromkeys(["identity provider", "identityprovider", "idp", "sso provider"],
                    "identity_provider"),
    **dict.fromkeys(["user mgmt", "usermgmt", "user management", "user mgmt."], "user_mgmt"),
    **dict.fromkeys(["search", "search access", "search permission"], "search"),
    **dict.fromkeys(["hotlist tool", "hotlisttool", "hot list tool", "hot-list tool",
                     "hotlist"], "hotlist_tool"),
    **dict.fromkeys(["last login", "lastlogin", "last login (utc)", "last log in",
                     "last sign in", "last sign-in", "last login date"], "last_login"),
}

#: Permission columns, in the order the list is built.
PERMISSIONS = ("user_mgmt", "search", "hotlist_tool")
_PERSON = ("first_name", "last_name", "name", "email")
_ENABLED = ("enabled", "enable", "yes", "y", "true", "on", "x", "\u2713", "\u2714")
_DISABLED = ("disabled", "disable", "no", "n", "false", "off")
_NEVER = ("never", "never logged in", "no login", "not logged in")

_NULL = "CAST(NULL AS VARCHAR)"


def build_select(hm: HeaderMap, relation: str) -> str:
    """The SELECT turning text columns ``c0…cN`` of a user list into ``users`` stage rows."""
    f = hm.fields
    label = {field: hm.headers[i] for i, field in enumerate(f) if field}

    def t(field: str) -> str:
        return f"t_{field}" if field in f else _NULL

    def red(field: str) -> str:
        return f"aa_redacted_t(t_{field})" if field in f else "false"

    trimmed = ", ".join(f'aa_trim("c{i}") AS t_{field}' for i, field in enumerate(f) if field)
    if "name" in f:
        name_expr = f"aa_text_t({t('name')})"
        name_red = red("name")
    else:
        name_expr = (f"nullif(concat_ws(' ', aa_text_t({t('first_name')}), "
                     f"aa_text_t({t('last_name')})), '')")
        name_red = f"{red('first_name')} OR {red('last_name')}"
    perms = [p for p in PERMISSIONS if p in f]

    def perm_on(p: str) -> str:
        return f"lower(t_{p}) IN ({sql.values(_ENABLED)})"

    def perm_bad(p: str) -> str:
        return (f"NOT aa_empty_t(t_{p}) AND NOT aa_redacted_t(t_{p}) AND NOT perm_on_{p} "
                f"AND lower(t_{p}) NOT IN ({sql.values(_DISABLED)})")

    perm_flags = "".join(f", {perm_on(p)} AS perm_on_{p}" for p in perms)
    # blank permission cells say nothing: NULL unless at least one cell holds a value
    known = " OR ".join(f"NOT aa_empty_t(t_{p}) AND NOT aa_redacted_t(t_{p})" for p in perms)
    permissions = ("CAST(NULL AS VARCHAR[])" if not perms else
                   f"CASE WHEN {known} THEN [x FOR x IN ["
                   + ", ".join(f"CASE WHEN perm_on_{p} THEN '{p}' END" for p in perms)
                   + "] IF x IS NOT NULL] END")
    redactions = [("display_name", name_red), ("email", red("email")), ("phone", red("phone")),
                  ("title", red("title")), ("role", red("role")),
                  ("identity_provider", red("identity_provider")),
                  ("permissions", " OR ".join(red(p) for p in perms) or "false"),
                  ("last_login", red("last_login"))]
    redacted = ("[x FOR x IN [" + ", ".join(f"CASE WHEN {cond} THEN '{col}' END"
                                            for col, cond in redactions) + "] IF x IS NOT NULL]")
    login = t("last_login")
    login_value = f"CASE WHEN lower({login}) IN ({sql.values(_NEVER)}) THEN NULL ELSE {login} END"
    someone = " OR ".join(f"NOT aa_empty_t(t_{p})" for p in _PERSON if p in f) or "false"
    rejects = [f"WHEN {perm_bad(p)} THEN {sql.string(label[p] + ': expected Enabled or Disabled, found ')}"
               f" || '\"' || t_{p} || '\"'" for p in perms]
    if "last_login" in f:
        expected = label["last_login"] + ': expected a timestamp such as "2025-12-01 14:03:00", found '
        rejects.append(f"WHEN last_login IS NULL AND aa_bad_t(_login, NULL) THEN {sql.string(expected)}"
                       " || '\"' || _login || '\"'")
    persons = "/".join(label[p] for p in _PERSON if p in f) or "name"
    rejects.insert(0, f"WHEN NOT ({someone}) THEN "
                      f"{sql.string(persons + ' empty: a user row needs a name or an e-mail')}")
    raw_json = "json_object(" + ", ".join(
        f'{sql.string(h)}, "c{i}"' for i, h in enumerate(hm.headers)) + ")::VARCHAR"
    key = ", ".join(f"t_{field}" for field in f if field)
    return f"""
SELECT _locator, _rj AS _reject,
  CASE WHEN _rj IS NOT NULL THEN coalesce(_raw, {raw_json}) END AS _raw,
  hash({key}) AS _kb, false AS _has_id,
  coalesce(email, display_name) AS user_ref, display_name, email, phone, title, role,
  identity_provider, permissions, last_login, redacted
FROM (SELECT *, CASE WHEN _reject IS NOT NULL THEN _reject {" ".join(rejects)} END AS _rj
  FROM (SELECT *,
      {name_expr} AS display_name,
      aa_text_t({t('email')}) AS email,
      aa_text_t({t('phone')}) AS phone,
      aa_text_t({t('title')}) AS title,
      aa_text_t({t('role')}) AS role,
      aa_text_t({t('identity_provider')}) AS identity_provider,
      {permissions} AS permissions,
      aa_ts_t(_login) AS last_login,
      {redacted} AS redacted
    FROM (SELECT *, {login_value} AS _login{perm_flags}
      FROM (SELECT *, {trimmed} FROM {relation}))))"""


class FlockUsersImporter(TabularImporter):
    """Flock user list → ``users`` (one row per account)."""

    format_id: ClassVar[str] = "flock_users"
    label: ClassVar[str] = "Flock user list (CSV/XLSX)"
    table: ClassVar[str] = "users"
    synonyms = SYNONYMS
    # A person column plus a column only Flock's user list has: a bare "Name, Email, Role"
    # sheet is not enough to call it Flock's.
    required_any = tuple({person, flock} for person, flock in itertools.product(
        _PERSON, ("identity_provider", "user_mgmt", "search", "hotlist_tool")))
    min_fields = 4

    def build(self, hm: HeaderMap, relation: str) -> str:
        return build_select(hm, relation)

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        # The list does not name its agency (e-mail domains are not agency names).
        return StageResult(locator_base, None, ctx.publisher, tables=(self.table,))
