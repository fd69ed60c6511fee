"""Sharing agreements on file (CSV/XLSX) → ``agreements``.

Layout: ``Agency,Partner,Kind,Signed On,Expires On,Document`` — the list an agency keeps of
its MOUs, interagency agreements and the certifications partners signed (California SB 34
partners certify they will not share onward). No vendor standard; columns are found by name.

* **Who signed with whom.** ``Agency`` is the signing, data-owning agency (the publisher;
  the shared rules of :mod:`.readings`: one agency per file, else ``--agency``). ``Partner``
  (``Partner Agency``, ``Other Party`` …) is the other party, kept as written in
  ``partner_name_raw``. A list without a partner column but with an ``Agency`` /
  ``Agency Name`` column is the publisher's list of the agencies it signed with: that
  column is the partner then.
* **Dates** (``signed_on``, ``expires_on``): ISO, ``M/D/YYYY``, ``M/D/YY`` (two-digit years
  are 20YY), ``March 5, 2024``, ``5-Mar-2024``, Excel serial numbers and workbook dates.
  ``Expires`` words such as ``None``, ``Open-ended``, ``Until terminated`` mean no end
  (NULL); ``Signed`` words such as ``Pending`` or ``Unsigned`` mean not signed yet (NULL).
  Any other text rejects the row; a withheld date is NULL.
* ``kind`` and ``document`` are kept as written.
* A row without a partner is rejected.

Natural key: (partner as written, case- and space-insensitive; kind; signed date) — an
overlapping re-sent list repeats these; a renewed agreement has a new signing date and is a
new row. The key holds no record id, so two identical rows in one list stay two rows.
"""

from __future__ import annotations

from typing import ClassVar

from alpr_audit.core import sql
from alpr_audit.ingest.base import StageContext, StageResult
from alpr_audit.ingest.formats.generic.readings import (
    AgencyRowsImporter,
    meta_columns,
    raw_json,
    syn,
    trimmed,
    variants,
)
from alpr_audit.ingest.tabular import HeaderMap

SYNONYMS: dict[str, str] = {
    # An "Agency" column is the signer when a partner column is present, else the partner.
    **syn("agency", "agency", "agency name", "owner agency", "data owner", "signing agency",
          "organization", "organisation"),
    **syn("partner", "partner", "partner agency", "partner name", "partner agency name",
          "other party", "counterparty", "party", "receiving agency", "shared with",
          "requesting agency"),
    **syn("kind", "kind", "agreement type", "type", "agreement", "document type",
          "agreement kind"),
    **syn("signed_on", "signed on", "signed", "date signed", "signed date", "signature date",
          "effective", "effective date", "executed", "date executed", "start date"),
    **syn("expires_on", "expires on", "expires", "expiration", "expiration date", "expiry",
          "expiry date", "end date", "expires date", "valid until", "term end"),
    **syn("document", "document", "file", "link", "url", "document name", "document link",
          "attachment", "file name"),
}

#: Columns of plate reads, hits and search logs: not an agreements list.
FOREIGN = frozenset(variants("plate", "license plate", "read time", "alert time", "hotlist",
                             "reason", "search reason", "searched at"))

#: Words meaning an agreement does not expire.
OPEN_ENDED = ("none", "never", "open", "open-ended", "open ended", "no end date",
              "no expiration", "no expiration date", "no expiry", "indefinite", "indefinitely",
              "perpetual", "until terminated", "until revoked", "ongoing", "continuous",
              "evergreen", "does not expire", "n/a - open")
#: Words meaning an agreement is not signed yet.
NOT_SIGNED = ("pending", "unsigned", "not signed", "draft", "in progress",
              "awaiting signature", "not yet signed")

_TWO_DIGIT_YEAR = r"\d{1,2}[/-]\d{1,2}[/-]\d{2}"
_NUMERIC_FORMS = ("%d-%b-%y", "%d-%b-%Y", "%d %B %Y", "%d %b %Y", "%m-%d-%Y", "%m.%d.%Y")
_WORD_FORMS = ("%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%b. %d, %Y", "%b-%d-%Y")


def date_sql(t: str) -> str:
    """SQL reading the trimmed cell ``t`` as a DATE (NULL when it is no date).

    ``M/D/YY`` is tested first: DuckDB's ``%Y`` takes ``24`` as the year 24.
    """
    return (f"CAST(CASE WHEN regexp_full_match({t}, '{_TWO_DIGIT_YEAR}') "
            f"THEN try_strptime(replace({t}, '-', '/'), '%m/%d/%y') "
            f"WHEN ascii({t}) BETWEEN 48 AND 57 THEN coalesce(aa_ts_t({t}), "
            f"try_strptime({t}, {sql.array(_NUMERIC_FORMS)})) "
            f"ELSE try_strptime({t}, {sql.array(_WORD_FORMS)}) END AS DATE)")


def _date_checks(field: str, label: str, words: tuple[str, ...]) -> tuple[str, str]:
    """(value SQL, reject branch) of a date column whose ``words`` mean NULL."""
    t = f"t_{field}"
    value = (f"CASE WHEN lower({t}) IN ({', '.join(sql.string(w) for w in words)}) THEN NULL "
             f"ELSE {date_sql(t)} END")
    found = f"'\"' || {t} || '\"'"
    reject = (f"WHEN {field} IS NULL AND aa_bad_t({t}, NULL) "
              f"AND lower({t}) NOT IN ({', '.join(sql.string(w) for w in words)}) THEN "
              f"{sql.string(label + ': expected a date such as 2024-03-05 or 3/5/2024, found ')} || {found} "
              f"WHEN year({field}) < 1900 THEN {sql.string(label + ': year before 1900, found ')} "
              f"|| {found}")
    return value, reject


def build_agreements(hm: HeaderMap, relation: str) -> str:
    """The SELECT turning text columns ``c0…cN`` into ``agreements`` stage rows."""
    f = hm.fields
    label = {field: hm.headers[i] for i, field in enumerate(f) if field}
    partner_col = "partner" if "partner" in f else "agency"
    signer = partner_col == "partner" and "agency" in f
    agency = "aa_text_t(t_agency)" if signer else "CAST(NULL AS VARCHAR)"
    rejects = [(f"WHEN aa_empty_t(t_{partner_col}) THEN "
               f"{sql.string(label[partner_col] + ' empty: an agreement needs the other party')}")]
    dates = []
    for field, words in (("signed_on", NOT_SIGNED), ("expires_on", OPEN_ENDED)):
        if field in f:
            value, reject = _date_checks(field, label[field], words)
            dates.append(f"{value} AS {field}")
            rejects.append(reject)
        else:
            dates.append(f"CAST(NULL AS DATE) AS {field}")

    def text(field: str) -> str:
        return f"aa_text_t(t_{field})" if field in f else "CAST(NULL AS VARCHAR)"

    return f"""
SELECT _locator, _rj AS _reject,
  CASE WHEN _rj IS NOT NULL THEN coalesce(_raw, {raw_json(hm)}) END AS _raw,
  hash(lower(regexp_replace(partner_name_raw, '\\s+', ' ', 'g')), lower(kind), signed_on) AS _kb,
  false AS _has_id,
  partner_name_raw, kind, signed_on, expires_on, document, _agency,
  {meta_columns(hm, None)}
FROM (SELECT *, CASE WHEN _reject IS NOT NULL THEN _reject {" ".join(rejects)} END AS _rj
  FROM (SELECT *,
      aa_text_t(t_{partner_col}) AS partner_name_raw,
      {text('kind')} AS kind,
      {", ".join(dates)},
      {text('document')} AS document,
      {agency} AS _agency
    FROM (SELECT *, {trimmed(hm)} FROM {relation})))"""


class AgreementsImporter(AgencyRowsImporter):
    """Sharing agreements / certifications on file (CSV/XLSX) → ``agreements``."""

    format_id: ClassVar[str] = "agreements_csv"
    label: ClassVar[str] = ("Sharing agreements list "
                            "(CSV/XLSX: Partner, Kind, Signed On, Expires On)")
    table: ClassVar[str] = "agreements"
    synonyms = SYNONYMS
    # the other party and a signing date (plus one more column)
    required_any = ({"partner", "signed_on"}, {"agency", "signed_on"})
    min_fields = 3
    foreign = FOREIGN

    def build(self, hm: HeaderMap, relation: str) -> str:
        return build_agreements(hm, relation)

    def finish(self, ctx: StageContext, locator_base: int) -> StageResult:
        publisher, details = self.publisher(ctx)
        return StageResult(locator_base, None, publisher, details=details, tables=(self.table,))
