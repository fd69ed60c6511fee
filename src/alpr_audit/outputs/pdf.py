"""PDF documents typeset with Typst (the ``typst`` PyPI package; no external binary).

Data reaches the template as JSON through ``sys.inputs`` and is placed as Typst *strings*,
never spliced into markup, so a partner name like ``#exec`` or ``*bold*`` prints as written.
Only the fonts Typst embeds are used (system fonts are ignored), so the output is the same on
every machine and nothing is downloaded.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alpr_audit.core.errors import AlprAuditError

# The cover letter of a records-request response. ``d`` is the JSON built by
# ``requests.packet``; every field is optional text except the lists.
COVER_LETTER = r"""
#let d = json(bytes(sys.inputs.data))
#let t(x) = if x == none { "—" } else { str(x) }
#set document(title: t(d.at("doc_title", default: "Response")))
#set page(paper: "us-letter", margin: (x: 2.2cm, y: 2cm),
  footer: context [#set text(8pt, fill: luma(90)); #t(d.agency) — #t(d.tracking_label)
    #h(1fr) page #counter(page).display() of #counter(page).final().first()])
#set text(size: 10pt)
#set par(justify: false)
#show heading: set text(size: 11pt)

#text(size: 14pt, weight: "bold")[#t(d.agency)]
#linebreak()
#t(d.office)

#v(0.6em)
#t(d.generated_on)

#v(0.4em)
*Re: #t(d.title)* #linebreak()
Request #t(d.tracking_label)

#v(0.6em)
#table(columns: (auto, 1fr), stroke: none, inset: (x: 0pt, y: 2pt), column-gutter: 1em,
  ..d.dates.map(r => (t(r.at(0)), t(r.at(1)))).flatten())

#v(0.4em)
#for p in d.paragraphs [#p #parbreak()]

== Items and dispositions
#table(columns: (auto, 1fr, 22%, auto), inset: 4pt, stroke: 0.4pt + luma(150),
  table.header([*Item*], [*Request*], [*Disposition*], [*Records*]),
  ..d.items.map(i => (t(i.item_id), t(i.text), t(i.disposition), t(i.records))).flatten())

== Redactions and their grounds
#if d.redactions.len() == 0 [No information was withheld or replaced.] else [
#table(columns: (21%, 16%, 24%, 39%), inset: 4pt, stroke: 0.4pt + luma(150),
  table.header([*Information*], [*Treatment*], [*Legal basis*], [*Reason*]),
  ..d.redactions.map(r => (t(r.column), t(r.treatment), t(r.basis), t(r.reason))).flatten())
]

== Files in this response
#for f in d.files [- #raw(f) #linebreak()]

#v(1.2em)
#for p in d.closing [#p #parbreak()]

#v(2.4em)
#line(length: 6cm, stroke: 0.4pt)
#t(d.signer_name) #linebreak()
#t(d.responsible_title) #linebreak()
#t(d.agency)
"""


@dataclass
class PdfError(AlprAuditError):
    """Typst could not typeset a document (a template or data problem, not bad input)."""

    kind: str = "publish"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def render_typst(template: str, data: dict[str, Any], out: Path) -> Path:
    """Typeset ``template`` with ``data`` (as ``sys.inputs.data``) to the PDF ``out``."""
    import typst  # imported late: only packets and reports that print PDFs need it

    payload = json.dumps(data, default=_jsonable, ensure_ascii=False)
    try:
        pdf = typst.compile(template.encode("utf-8"), sys_inputs={"data": payload},
                            ignore_system_fonts=True)
    except Exception as exc:  # typst raises its own error types; they carry the diagnostics
        raise PdfError(
            f"Typst could not typeset {out.name}: {exc}",
            path=str(out),
            hint="this is a bug in alpr-audit's template; re-run with --debug and report it",
        ) from exc
    out.write_bytes(pdf)
    return out


def render_cover_letter(data: dict[str, Any], out: Path) -> Path:
    """The cover letter of a response packet (fields: see ``requests.packet``)."""
    return render_typst(COVER_LETTER, data, out)
