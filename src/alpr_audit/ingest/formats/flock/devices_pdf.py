"""Flock "Devices - <Agency>" page printed to PDF → ``sharing``.

The page lists device networks as repeated label/value blocks, one line each::

    Name           Akron OH PD (143 cameras)
    Relationship   Access
    Search         Enabled
    Hotlist Tool   Disabled

(docs/formats.md writes this ``Name <Org> (<N> cameras) | Relationship | Access | Search …``; on
the page "Access" is the value under the small "Relationship" label.) One ``sharing`` row per
block: ``partner_name_raw`` is the name without the camera count, ``camera_count`` the count,
``relationship`` the value as written, ``search_enabled`` / ``hotlist_enabled`` the two
switches; data_kind is ``detections``; the publisher is the agency in the page title.

Direction: the page lists the networks *visible to* the publisher, with the publisher's
relationship to each — ``Owner`` for its own cameras, ``Access`` for a network another
organisation shares with it (the list holds HOAs and a country club, which own cameras and
share them with police, and shows each partner's camera count). So ``Access`` → direction
``in``; an ``Owner`` block is the publisher's own network, not a sharing relationship, and is
rejected with that reason; any other relationship, or none, is rejected rather than guessed.
Should a print carry a separate "Access" label, its value goes to ``access``.

Blocks run across page breaks (a label at the foot of one page, its value on the next); the
locator is the page of the block's "Name". The sample is a scan with an OCR layer: words are
split by position (small fonts otherwise glue "AkronOHPD"), labels are matched with the usual
OCR confusions (``Hot!ist Too!``), and a camera count OCR could not read (``(S cameras)``) is
left empty rather than guessed. The page shows no date, so ``observed_on`` stays empty.
Pages that are images without any text layer are OCR'd through ``ingest.pdftext`` (tesseract);
without tesseract that is an IngestError saying how to install it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from alpr_audit.core.errors import IngestError
from alpr_audit.ingest import pdftext
from alpr_audit.ingest.base import Plan, Probe, StageContext, StageResult, stage_name

_X_TOLERANCE_RATIO = 0.15  # OCR word gaps are ~0.3 em; pdfplumber's default glues 7-pt words
_TITLE = re.compile(r"^\s*Devices\s*[-\u2013\u2014]\s*(?P<agency>\S.*?)\s*$", re.I)
_NAME = re.compile(r"^(?P<name>.*?)\s*\(\s*(?P<count>[^()]*?)\s*cameras?\s*\)\s*$", re.I)
#: label key (lower case, no spaces, OCR's ! | 1 read as l) → field
LABELS = {"name": "name", "relationship": "relationship", "access": "access",
          "search": "search", "hotlisttool": "hotlist"}
DIRECTIONS = {"access": "in"}
_DEACTIVATED = re.compile(r"\(\s*deactivated\s*\)|\bdeactivated\b", re.I)


def _key(text: str) -> str:
    return re.sub(r"[!|1]", "l", re.sub(r"\s+", "", text).lower())


def _switch(text: str | None) -> bool | None:
    key = _key(text or "")
    return True if key == "enabled" else False if key == "disabled" else None


@dataclass
class _Block:
    page: int
    fields: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def _page_lines(page: Any) -> list[str]:
    text = page.extract_text(x_tolerance_ratio=_X_TOLERANCE_RATIO) or ""
    return _clean(text.splitlines())


def _blocks(pages: list[list[str]]) -> tuple[list[_Block], str | None]:
    """Label/value blocks in page order, and the agency of the page title."""
    blocks: list[_Block] = []
    publisher: str | None = None
    pending: str | None = None  # the label whose value the next line is
    for number, lines in enumerate(pages, start=1):
        for line in lines:
            if pending is None and (m := _TITLE.match(line)):
                publisher = publisher or m.group("agency")
                continue
            label = LABELS.get(_key(line))
            # a label's value; "Access" is also a value (of Relationship), the other label
            # words are not, so OCR dropping a value does not shift every field after it
            if pending is not None and label in (None, "access"):
                blocks[-1].fields[pending] = line
                blocks[-1].lines.append(line)
                pending = None
                continue
            pending = None
            if label == "name":
                blocks.append(_Block(number))
            if label is not None and blocks:
                pending = label
                blocks[-1].lines.append(line)
            elif blocks:
                # text outside the label/value pattern: a wrapped name, or noise kept in raw
                blk = blocks[-1]
                blk.lines.append(line)
                name = blk.fields.get("name", "")
                if set(blk.fields) == {"name"} and not _NAME.match(name):
                    blk.fields["name"] = f"{name} {line}".strip()
    return blocks, publisher


def _clean(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines if line.strip()]


class FlockDevicesPdfImporter:
    """Flock "Devices - <Agency>" network-sharing page printed to PDF → ``sharing``."""

    format_id: ClassVar[str] = "flock_devices_pdf"
    label: ClassVar[str] = "Flock Devices / network-sharing page printed to PDF"
    table: ClassVar[str] = "sharing"

    def sniff(self, probe: Probe) -> Plan | None:
        """A plan when page 1 has the "Devices - …" title and Name/Relationship blocks."""
        if probe.kind != "pdf":
            return None
        # shared with the other PDF sniffers (cached; OCR'd when the page is an image and
        # tesseract is installed); "" when unreadable. The checks ignore spaces.
        try:
            lines = _clean(pdftext.first_page_text(probe.path).splitlines())
        except Exception:  # a sniffer never raises
            return None
        keys = {_key(line) for line in lines}
        if (any(_TITLE.match(line) for line in lines[:5]) and {"name", "relationship"} <= keys
                and ("search" in keys or "hotlisttool" in keys)):
            return Plan(self.format_id, None)
        return None

    def stage(self, ctx: StageContext) -> StageResult:
        """Read every page's lines, cut them into blocks, fill ``stage_sharing``."""
        pages = pdftext.map_pages(ctx.path, lambda page, _n: _page_lines(page),
                                  lambda ocr: _clean(ocr.text.splitlines()),
                                  ctx.progress, ctx.set_total)
        blocks, publisher = _blocks(pages)
        if not blocks:
            raise IngestError("no Name/Relationship blocks found on the Devices page",
                              path=str(ctx.path),
                              hint="check that the PDF has a text layer (OCR it with ocrmypdf)")
        _stage(ctx, blocks)
        return StageResult(0, None, publisher or ctx.publisher, tables=("sharing",))


def _stage(ctx: StageContext, blocks: list[_Block]) -> None:
    cols: dict[str, list[Any]] = {k: [] for k in (
        "name", "count", "relationship", "access", "direction", "status", "_locator",
        "_reject", "_raw")}
    search: list[bool | None] = []
    hotlist: list[bool | None] = []
    flags: list[list[str] | None] = []
    for blk in blocks:
        f = blk.fields
        m = _NAME.match(f.get("name", ""))
        name = m.group("name") if m else f.get("name", "")
        rel = f.get("relationship")
        direction = DIRECTIONS.get(_key(rel or ""))
        reject = None
        if not name:
            reject = "block without an organisation name"
        elif rel is None:
            reject = ("no Relationship value: cannot tell the publisher's own network "
                      "from a shared one")
        elif _key(rel) == "owner":
            reject = "the publisher's own network (Relationship: Owner), not a sharing relationship"
        elif direction is None:
            reject = f"unknown relationship {rel!r} (known: Access, Owner)"
        cols["name"].append(name or None)
        cols["count"].append(m.group("count") if m else None)
        cols["relationship"].append(rel)
        cols["access"].append(f.get("access"))
        cols["direction"].append(direction)
        cols["status"].append("deactivated" if _DEACTIVATED.search(name) else "active")
        cols["_locator"].append(f"page {blk.page}")
        cols["_reject"].append(reject)
        cols["_raw"].append(json.dumps(blk.lines))
        search.append(_switch(f.get("search")))
        hotlist.append(_switch(f.get("hotlist")))
        flags.append(["federal"] if re.search(r"\[\s*federal\s*\]", name, re.I) else None)
    tbl = pa.table({**{k: pa.array(v, pa.string()) for k, v in cols.items()},
                    "search_enabled": pa.array(search, pa.bool_()),
                    "hotlist_enabled": pa.array(hotlist, pa.bool_()),
                    "flags": pa.array(flags, pa.list_(pa.string())),
                    "_i": pa.array(range(len(blocks)), pa.int64())})
    ctx.con.register("_fdp_rows", tbl)
    try:
        ctx.con.execute(f"DROP TABLE IF EXISTS {stage_name('sharing')}")
        # No date on the page, so the key is the block's content: a later capture that
        # shows the same block adds nothing; a changed switch or count is a new row.
        ctx.con.execute(f"""CREATE TEMP TABLE {stage_name('sharing')} AS
            SELECT * EXCLUDE (_i), hash(partner_name_raw, camera_count, relationship, access,
                                       search_enabled, hotlist_enabled, status) AS _kb,
                   false AS _has_id
            FROM (SELECT aa_text(name) AS partner_name_raw, aa_int(count) AS camera_count,
                         aa_text(relationship) AS relationship, aa_text(access) AS access,
                         search_enabled, hotlist_enabled, direction,
                         'detections' AS data_kind, status, flags,
                         _locator, _reject, _raw, _i
                  FROM _fdp_rows) ORDER BY _i""")
    finally:
        ctx.con.unregister("_fdp_rows")
