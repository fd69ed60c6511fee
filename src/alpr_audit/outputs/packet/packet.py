"""The response packet: one folder (and its zip) answering a records request.

Files: ``response.xlsx`` (a Request sheet with every item's disposition, one sheet per item),
one CSV per item, ``cover-letter.pdf``, ``redaction-log.csv`` and ``manifest.json`` (every
file's SHA-256 and size, the sources used with their hashes, the tool version, the time).

The packet folder and its zip are written with :mod:`alpr_audit.outputs.atomic`: built in
hidden siblings and swapped in whole, so a failed or killed run leaves the earlier packet (or
none) under the requested name, never a half-written one, and the next run clears what a kill
left. ``manifest.json`` is also the marker that lets a later run replace the packet. Personal
values are pseudonymised by default (invariant 7); ``release`` opts fields in. Every text
cell of every CSV and sheet is formula-neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpr_audit.core import sql
from alpr_audit.core.errors import UsageError
from alpr_audit.core.privacy import Pseudonymizer, store_key
from alpr_audit.core.privacy_sql import clear_pseudo_state
from alpr_audit.core.timing import Laps
from alpr_audit.outputs import atomic
from alpr_audit.outputs.packet.answers import (
    MANUAL,
    NO_RECORDS,
    RELEASE_FIELDS,
    ItemAnswer,
    Redaction,
    answer_item,
)
from alpr_audit.outputs.pdf import render_cover_letter
from alpr_audit.outputs.safe import safe_cell
from alpr_audit.outputs.xlsx import EXCEL_MAX_ROWS, HEADER_ROWS, Sheet, write_workbook
from alpr_audit.reports.registry import resolve_agency
from alpr_audit.requests.model import RecordsRequest
from alpr_audit.store import Store

MANIFEST = "manifest.json"


@dataclass
class PacketResult:
    """Where the packet is, what it holds and how long each step took (seconds)."""

    dir: Path
    zip_path: Path
    files: list[Path]
    manifest: dict[str, Any]
    answers: list[ItemAnswer] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def agency_ids(store: Store, agency: str) -> list[str]:
    """Ids of ``agency`` (id, name or alias), with spellings that differ only in punctuation.

    A source that writes "Sheriffs" and one that writes "Sheriff's" can leave two registry
    entries for one agency; a packet must answer from both.
    """
    ids = resolve_agency(store, agency)
    loose = store.con.execute(
        """SELECT agency_id FROM agencies WHERE regexp_replace(lower(name), '[^a-z0-9]', '', 'g')
           IN (SELECT regexp_replace(lower(name), '[^a-z0-9]', '', 'g') FROM agencies
               WHERE list_contains($1, agency_id)) ORDER BY agency_id""", [ids]).fetchall()
    return ids + [r[0] for r in loose if r[0] not in ids]


def write_packet(
    store: Store,
    request: RecordsRequest,
    agency: str,
    out_dir: Path,
    *,
    release: set[str] | frozenset[str] = frozenset(),
    responsible_title: str = "Custodian of Records",
    signer_name: str | None = None,
    overwrite: bool = False,
    sheet_row_cap: int | None = None,
) -> PacketResult:
    """Answer ``request`` for ``agency`` from ``store`` as a packet folder ``out_dir`` + zip.

    ``release`` names fields published as written (``names``, ``plates``, ``user_ids``,
    ``emails``, ``case_numbers``); everything else personal is pseudonymised. An existing
    ``out_dir`` is replaced only when it holds an earlier packet (its manifest says so); any
    other non-empty folder is refused. ``overwrite`` is accepted for callers of earlier
    versions and changes nothing: an earlier packet is replaced either way.
    ``sheet_row_cap`` lowers the rows an item sheet holds (default: Excel's limit); the CSV
    always holds every row.
    """
    unknown = set(release) - set(RELEASE_FIELDS)
    if unknown:
        raise UsageError(f"cannot release {', '.join(sorted(unknown))}",
                         hint=f"release one of: {', '.join(RELEASE_FIELDS)}")
    out_dir = Path(out_dir).expanduser().resolve()
    atomic.check_target(out_dir, "packet")
    laps = Laps()
    timings, lap = laps.timings, laps.lap

    ids = agency_ids(store, agency)
    agency_name = store.con.execute("SELECT name FROM agencies WHERE agency_id = ?",
                                    [ids[0]]).fetchall()[0][0]
    pz = Pseudonymizer(store_key(store.root))
    try:
        answers = [answer_item(store, item, ids, pseudonymizer=pz, release=set(release),
                               agency_name=agency_name) for item in request.items]
        lap("answers")
        return _write(store, request, answers, ids, agency_name, out_dir, release,
                      responsible_title, signer_name, sheet_row_cap, timings, lap)
    finally:
        clear_pseudo_state(store.con)


def _write(store: Store, request: RecordsRequest, answers: list[ItemAnswer], ids: list[str],
           agency_name: str, out_dir: Path, release: set[str] | frozenset[str],
           responsible_title: str, signer_name: str | None, sheet_row_cap: int | None,
           timings: dict[str, float], lap: Callable[[str], None]) -> PacketResult:
    """Write the packet's files and its zip, each built aside and swapped in whole (the
    folder first, then the zip)."""
    zip_path = out_dir.parent / f"{out_dir.name}.zip"
    with atomic.atomic_file(zip_path) as zip_tmp, atomic.atomic_dir(out_dir, "packet") as work:
        _fill(store, request, answers, ids, agency_name, work, _Zipper(out_dir.name, zip_tmp),
              release, responsible_title, signer_name, sheet_row_cap, lap)
    manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    return PacketResult(out_dir, zip_path, sorted(out_dir.iterdir()), manifest, answers,
                        timings)


def _fill(store: Store, request: RecordsRequest, answers: list[ItemAnswer], ids: list[str],
          agency_name: str, work: Path, zipper: _Zipper, release: set[str] | frozenset[str],
          responsible_title: str, signer_name: str | None, sheet_row_cap: int | None,
          lap: Callable[[str], None]) -> None:
    """Write every file of the packet into ``work``, each zipped as soon as it is final."""
    try:
        stems = _stems([a.item_id for a in answers])
        for a, stem in zip(answers, stems, strict=False):
            if a.columns and a.row_count:
                _write_csv(store, a, work / f"{stem}.csv")
        lap("csv")
        # The CSVs are final: hash and zip them in the background while the workbook is built.
        for p in sorted(work.iterdir()):
            zipper.add(p)
        cap = EXCEL_MAX_ROWS - HEADER_ROWS if sheet_row_cap is None else sheet_row_cap
        write_workbook(work / "response.xlsx", _sheets(store, request, answers, stems, cap, work))
        zipper.add(work / "response.xlsx")
        lap("xlsx")
        redactions = [r for a in answers for r in a.redactions]
        _write_rows(work / "redaction-log.csv",
                    ["item", "column", "treatment", "legal_basis", "reason"],
                    [(r.item_id, r.column, r.treatment, r.basis, r.reason) for r in redactions])
        zipper.add(work / "redaction-log.csv")
        generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
        files = sorted(p.name for p in work.iterdir())
        render_cover_letter(_letter(request, agency_name, answers, stems, redactions,
                                    files + ["cover-letter.pdf", MANIFEST], generated,
                                    responsible_title, signer_name, release),
                            work / "cover-letter.pdf")
        zipper.add(work / "cover-letter.pdf")
        lap("pdf")
        hashes = zipper.wait()
        lap("zip")
        manifest = _manifest(store, request, agency_name, ids, answers, stems, release,
                             hashes, generated)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
        zipper.add(work / MANIFEST)
        zipper.close()
        lap("manifest")
    except BaseException:
        zipper.abort()
        raise


def _stems(item_ids: Sequence[str]) -> list[str]:
    """A file name per item (``A1``, ``R1`` …), unique and safe on every file system."""
    seen: set[str] = set()
    out = []
    for i, item_id in enumerate(item_ids):
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", item_id).strip("_")[:40] or f"item{i + 1}"
        base, n = stem, 2
        while stem.casefold() in seen or stem.casefold() in {"response", "manifest",
                                                             "redaction-log", "cover-letter"}:
            stem, n = f"{base}_{n}", n + 1
        seen.add(stem.casefold())
        out.append(stem)
    return out


# --- CSV ---------------------------------------------------------------------------------------

def _text(value: Any) -> Any:
    """How a value is written to a CSV cell (the same forms DuckDB's COPY writes)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value if v is not None)
    if isinstance(value, (dt.date, dt.datetime)):
        return str(value)
    return safe_cell(value) if isinstance(value, str) else value


def _write_rows(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([safe_cell(h) for h in header])
        w.writerows([_text(v) for v in row] for row in rows)


def _write_csv(store: Store, answer: ItemAnswer, path: Path) -> None:
    if answer.query is None:
        _write_rows(path, answer.columns, answer.rows)
        return
    # Millions of rows: DuckDB writes them itself (text cells are neutralised in the query).
    store.con.execute(f"COPY ({answer.query}) TO {sql.path(path)} (FORMAT csv, HEADER true)"
                      ).fetchall()


# --- XLSX --------------------------------------------------------------------------------------

def _sheets(store: Store, request: RecordsRequest, answers: Sequence[ItemAnswer],
            stems: Sequence[str], cap: int, work: Path) -> Iterator[Sheet]:
    head = [request.title, request.tracking_no and f"tracking no. {request.tracking_no}",
            request.received_on and f"received {request.received_on}"]
    yield Sheet(
        "Request",
        ["item", "kind", "text", "disposition", "records", "file", "note"],
        [(a.item_id, a.kind, item.text, a.disposition, a.row_count,
          f"{stem}.csv" if a.columns and a.row_count else None, a.note)
         for a, item, stem in zip(answers, request.items, stems, strict=False)],
        title=" — ".join(str(h) for h in head if h),
        note="one sheet per item follows; CSV files hold the same rows, every row",
        widths=[8, 14, 60, 30, 10, 12, 80],
    )
    for a, stem in zip(answers, stems, strict=False):
        title = f"{a.item_id}: {a.title}"
        if a.query is None:
            yield Sheet(stem, a.columns, a.rows, title=title, note=a.note, max_rows=cap)
            continue
        yield Sheet(
            stem, a.columns, [], title=title, note=a.note, max_rows=cap, total=a.row_count,
            query=_csv_head(store, a, work / f"{stem}.csv"), con=store.con,
            overflow_note=(f"only the first {{shown:,}} of {{total:,}} rows fit in this sheet; "
                           f"all rows are in {stem}.csv. " + a.note),
        )


def _csv_head(store: Store, answer: ItemAnswer, csv_path: Path) -> str:
    """A query over the streamed answer's CSV, typed as the answer's query.

    The sheet shows the CSV's first rows: reading them back costs a second, where running
    the sorted query again would sort ten million rows a second time.
    """
    desc = store.con.execute(f"DESCRIBE {answer.query}").fetchall()
    columns = ", ".join(f"{sql.string(d[0])}: {sql.string(d[1])}" for d in desc)
    return (f"SELECT * FROM read_csv({sql.path(csv_path)}, header = true, auto_detect = false, "
            f"delim = ',', quote = '\"', escape = '\"', columns = {{{columns}}})")


# --- cover letter and manifest -----------------------------------------------------------------

def _letter(request: RecordsRequest, agency: str, answers: Sequence[ItemAnswer],
            stems: Sequence[str], redactions: Sequence[Redaction], files: Sequence[str],
            generated: dt.datetime, title: str, signer: str | None,
            release: set[str] | frozenset[str]) -> dict[str, Any]:
    due = request.due_on or (request.received_on and
                             request.received_on + dt.timedelta(days=10))
    dates = [("Received", request.received_on),
             ("Determination due", due and f"{due} (10 calendar days, Gov. Code §7922.535(a))"),
             ("Extended due", request.extended_due_on),
             ("Estimated", request.estimated_on),
             ("Response date", generated.date())]
    grounds: dict[tuple[str, str, str], list[str]] = {}
    for r in redactions:
        grounds.setdefault((r.column, r.treatment, r.basis), []).append(r.item_id)
    reasons = {(r.column, r.treatment, r.basis): r.reason for r in redactions}
    paragraphs = [
        f"This letter responds to your request{_received(request)} under the California Public "
        "Records Act (Gov. Code §7920.000 et seq.). The records are in response.xlsx "
        "(one sheet per item) and in one CSV file per item; manifest.json lists every file "
        "with its SHA-256 hash and the source records each answer was drawn from.",
        "Where a record holds exempt information, only that information was replaced or "
        f"removed and the rest is released (Gov. Code §7922.525). {_replaced(release)}"
        "Each replacement and its legal basis is listed below and in redaction-log.csv.",
    ]
    if any(a.disposition == NO_RECORDS for a in answers):
        paragraphs.append("For items marked \u201cno responsive records\u201d, the ALPR records "
                          "searched hold none; the note of each item in response.xlsx says "
                          "what was looked for.")
    if any(a.disposition == MANUAL for a in answers):
        paragraphs.append("Items marked \u201cmanual\u201d are answered separately.")
    return {
        "doc_title": f"Response to {request.title}",
        "agency": agency, "office": title, "generated_on": generated.date().isoformat(),
        "title": request.title, "tracking_label": request.tracking_no or request.request_id or "",
        "dates": [(k, v) for k, v in dates if v],
        "paragraphs": paragraphs,
        "items": [{"item_id": a.item_id, "text": _short(item.text), "disposition": a.disposition,
                   "records": f"{a.row_count:,}" + (f" ({stem}.csv)" if a.row_count else "")}
                  for a, item, stem in zip(answers, request.items, stems, strict=False)],
        "redactions": [{"column": f"{c} ({', '.join(dict.fromkeys(ids))})", "treatment": t,
                        "basis": b or "—", "reason": reasons[(c, t, b)]}
                       for (c, t, b), ids in grounds.items()],
        "files": list(files),
        "closing": ["The person responsible for this determination is the undersigned "
                    f"{title} (Gov. Code §7922.540)."],
        "signer_name": signer or "", "responsible_title": title,
    }


_FIELDS = {"plates": "license plates", "names": "names", "emails": "e-mail addresses",
           "user_ids": "user ids", "case_numbers": "case numbers"}


def _replaced(release: set[str] | frozenset[str]) -> str:
    """The sentence saying which personal fields are pseudonymised and which released."""
    def join(words: list[str]) -> str:
        return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
    hidden = [w for f, w in _FIELDS.items() if f not in release]
    shown = [w for f, w in _FIELDS.items() if f in release]
    out = ""
    if hidden:
        out += (f"{join(hidden).capitalize()} are replaced by consistent pseudonyms, so that "
                "repeats can still be counted (ACLU Foundation v. Superior Court (2017) "
                "3 Cal.5th 1032). ")
    if shown:
        out += f"At the agency's choice, {join(shown)} are released as recorded. "
    return out


def _received(request: RecordsRequest) -> str:
    parts = []
    if request.tracking_no:
        parts.append(f"no. {request.tracking_no}")
    if request.received_on:
        parts.append(f"received on {request.received_on}")
    return " " + ", ".join(parts) + ("," if request.received_on else "") if parts else ""


def _short(text: str, n: int = 220) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _manifest(store: Store, request: RecordsRequest, agency: str, ids: Sequence[str],
              answers: Sequence[ItemAnswer], stems: Sequence[str],
              release: set[str] | frozenset[str], hashes: dict[str, tuple[str, int]],
              generated: dt.datetime) -> dict[str, Any]:
    used = sorted({s for a in answers for s in a.sources})
    sources = store.query(
        "SELECT source_id, sha256, format, path, rows_loaded FROM sources "
        "WHERE list_contains($1, source_id) ORDER BY source_id", [used]) if used else []
    return {
        **atomic.marker("packet"),
        "generated_at": generated.isoformat().replace("+00:00", "Z"),
        "request": {"request_id": request.request_id, "title": request.title,
                    "tracking_no": request.tracking_no,
                    "received_on": request.received_on and request.received_on.isoformat()},
        "agency": {"name": agency, "agency_ids": list(ids)},
        "released_fields": sorted(release),
        "items": [{"item_id": a.item_id, "kind": a.kind, "disposition": a.disposition,
                   "records": a.row_count, "file": f"{stem}.csv" if a.row_count else None,
                   "sources": a.sources} for a, stem in zip(answers, stems, strict=False)],
        # Only the file name of a source: its full path describes the operator's disk.
        "sources": [{"source_id": s["source_id"], "sha256": s["sha256"], "format": s["format"],
                     "file": Path(s["path"]).name, "rows_loaded": s["rows_loaded"]}
                    for s in sources],
        "files": [{"path": name, "sha256": sha, "size": size}
                  for name, (sha, size) in sorted(hashes.items())],
    }


class _Zipper:
    """``<out_dir>.zip``, filled file by file on one background thread as files are final.

    Each file is read once: hashed for the manifest and compressed into the zip (zlib and
    hashlib release the GIL, so this overlaps with building the workbook). The zip is
    written to ``tmp`` (the caller's :func:`~alpr_audit.outputs.atomic.atomic_file`, which
    renames it into place).
    """

    def __init__(self, folder: str, tmp: Path) -> None:
        self.folder = folder
        self.zf = zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="packet-zip")
        self.jobs: dict[str, Future[tuple[str, int]]] = {}

    def add(self, path: Path) -> None:
        self.jobs[path.name] = self.pool.submit(self._add, path)

    def _add(self, path: Path) -> tuple[str, int]:
        info = zipfile.ZipInfo(f"{self.folder}/{path.name}",
                               date_time=time.localtime(path.stat().st_mtime)[:6])
        # Workbooks and PDFs are compressed already: deflating them again gains nothing.
        info.compress_type = (zipfile.ZIP_STORED if path.suffix in (".xlsx", ".pdf")
                              else zipfile.ZIP_DEFLATED)
        info._compresslevel = 1  # type: ignore[attr-defined]  # 3.13 keeps it as an alias
        h, size = hashlib.sha256(), 0
        with path.open("rb") as src, self.zf.open(info, "w", force_zip64=True) as out:
            while chunk := src.read(4 << 20):
                h.update(chunk)
                out.write(chunk)
                size += len(chunk)
        return h.hexdigest(), size

    def wait(self) -> dict[str, tuple[str, int]]:
        """SHA-256 and size of every file added so far (re-raises a failed job's error)."""
        return {name: job.result() for name, job in self.jobs.items()}

    def close(self) -> None:
        self.wait()
        self.pool.shutdown()
        self.zf.close()

    def abort(self) -> None:
        self.pool.shutdown(cancel_futures=True)
        self.zf.close()
