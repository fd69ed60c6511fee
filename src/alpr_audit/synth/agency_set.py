"""One agency's worth of synthetic Flock records: what ``alpr-audit synth`` writes.

The folder imitates a records-request response: monthly network-audit CSVs that overlap by a
day and drift in layout, an org-audit workbook, two overlapping portal downloads, a couple of
unparseable rows and one exact duplicate. ``.manifest.json`` states what a correct importer must
count, derived from the generation rules (never from running an importer).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from alpr_audit.synth._duck import epoch_s, mix
from alpr_audit.synth.flock_audit import write_stream_csv
from alpr_audit.synth.flock_portal import write_portal_csv
from alpr_audit.synth.flock_stream import AuditStream, stream_stats
from alpr_audit.synth.flock_xlsx import write_audit_xlsx

_COUNTS = ("rows_read", "rows_rejected", "rows_duplicate", "rows_loaded")

# The network log covers Aug-Oct 2025. Each monthly file runs one day into the next month, and
# the layout drifts: Sep was re-saved with stray header spaces, Oct lost Moderation.
_NET_START = datetime(2025, 8, 1)
_NET_END = datetime(2025, 11, 1)
_NET_FILES = (
    # (file name, first day, end exclusive, variant, header_spaces)
    ("flock_network-audit_2025-08.csv", datetime(2025, 8, 1), datetime(2025, 9, 2), "2025-08", False),
    ("flock_network-audit_2025-09.csv", datetime(2025, 9, 1), datetime(2025, 10, 2), "2025-08", True),
    ("flock_network-audit_2025-10.csv", datetime(2025, 10, 1), datetime(2025, 11, 1), "2025-10", False),
)
_ORG_FILE = "flock_org-audit_2025-08_2025-10.xlsx"
_ORG_VARIANT = "2025-10"  # its Search Time cells are real Excel datetimes
# Two downloads of the portal's 30-day window, 15 days apart.
_PORTAL_START = datetime(2025, 9, 15)
_PORTAL_FILES = ("flock_portal-search-audit_2025-10-15.csv", "flock_portal-search-audit_2025-10-30.csv")
_PORTAL_VARIANT = "2025"
_MAX_ORG_ROWS_PER_MONTH = 20_000
_MAX_PORTAL_ROWS = 100_000


def _sub_seed(seed: int, salt: int) -> int:
    """A per-log seed, so the org log and portal do not reuse the network log's IDs."""
    return mix(seed, salt) >> 2  # fits a signed BIGINT


#: Hidden, so that ``alpr-audit ingest DIR`` (which skips hidden files) reads only the data.
MANIFEST_NAME = ".manifest.json"


def write_agency_set(
    out_dir: str | Path,
    *,
    scale: int = 1000,
    seed: int = 0,
    publisher: str = "Mapleton CA PD",
) -> dict[str, Any]:
    """Write one agency's synthetic Flock files into ``out_dir`` and return the manifest.

    ``scale`` is the approximate number of network-audit records (the org workbook gets about
    ``scale / 10``, each portal download about ``scale / 5``, both capped). The manifest (also
    written to ``out_dir/.manifest.json``) lists every file's own manifest under ``files`` (a
    list in ingest order; ``file`` is the name, ``path`` where it was written) and, under
    ``expected``, the counts a correct importer must report per file name (``files``), per log
    kind and in ``total`` when it ingests the files in sorted path order: rows_read,
    rows_rejected, rows_duplicate and rows_loaded (distinct records loaded).
    """
    if scale < 20:
        raise ValueError("scale must be at least 20")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {}
    expected: dict[str, dict[str, int]] = {}

    # (a) + (d): one continuous network stream, cut into overlapping monthly files.
    stream = AuditStream(
        seed=seed,
        n=scale - 1,  # plus the one duplicate copy = scale records before overlaps
        start_s=epoch_s(_NET_START),
        end_s=epoch_s(_NET_END),
        log_kind="network",
        publisher=publisher,
        duplicate_rows=1,
        bad_rows=2,
    )
    prior: list[tuple[int, int]] = []
    for name, first, stop, variant, spaces in _NET_FILES:
        window = (epoch_s(first), epoch_s(stop))
        m = write_stream_csv(out / name, stream, variant=variant, header_spaces=spaces, window=window)
        m["header_spaces"] = spaces
        m["window"] = [first.isoformat() + "Z", stop.isoformat() + "Z"]
        files[name] = m
        # Every variant here has an ID, so records are keyed by (kind, ID, time, org, type):
        # rows of the overlap day were loaded from the previous file and are duplicates now.
        st = stream_stats(stream, window, prior, keyed_by_id=True)
        expected[name] = {k: st[k] for k in _COUNTS}
        prior.append(window)

    # (b) the agency's own searches, one sheet per month.
    # Org logs are small; the cap also keeps the Python-written workbook quick at scale 10^8.
    org_rows = min(max(10, scale // 30), _MAX_ORG_ROWS_PER_MONTH)
    m = write_audit_xlsx(
        out / _ORG_FILE,
        3,
        org_rows,
        seed=_sub_seed(seed, 7),
        variant=_ORG_VARIANT,
        log_kind="org",
        publisher=publisher,
        start=_NET_START,
    )
    files[_ORG_FILE] = m
    expected[_ORG_FILE] = {
        "rows_read": m["rows"],
        "rows_rejected": m["bad_rows"],
        "rows_duplicate": m["duplicate_rows"],
        "rows_loaded": m["rows"] - m["bad_rows"] - m["duplicate_rows"],
    }

    # (c) two portal downloads whose 30-day windows overlap by half.
    # A portal download only ever holds the last 30 days, so it stays small too.
    portal_rows = min(max(10, scale // 5), _MAX_PORTAL_ROWS)
    overlap = portal_rows // 2
    portal_seed = _sub_seed(seed, 13)
    per_day = portal_rows / 30.0
    for k, name in enumerate(_PORTAL_FILES):
        ids_from = k * (portal_rows - overlap)
        m = write_portal_csv(
            out / name,
            portal_rows,
            seed=portal_seed,
            variant=_PORTAL_VARIANT,
            start=_PORTAL_START,
            ids_from=ids_from,
            publisher=publisher,
            per_day=per_day,
        )
        m["per_day"] = per_day
        files[name] = m
        dup = overlap if k else 0  # keyed by id: the shared searches were loaded already
        expected[name] = {
            "rows_read": portal_rows,
            "rows_rejected": 0,
            "rows_duplicate": dup,
            "rows_loaded": portal_rows - dup,
        }

    for n, m in files.items():
        m["file"] = n  # relative to out_dir; "path" is where it was written
    names = sorted(files)
    # The counts above assume this ingest order (chronological network files first).
    assert [n for n in names if n.startswith("flock_network")] == [f[0] for f in _NET_FILES]
    total = {k: sum(expected[n][k] for n in names) for k in _COUNTS}
    by_kind: dict[str, dict[str, int]] = {}
    for n in names:
        kind = files[n]["log_kind"]
        acc = by_kind.setdefault(kind, dict.fromkeys(_COUNTS, 0))
        for count in _COUNTS:
            acc[count] += expected[n][count]
    manifest = {
        "generator": "alpr_audit.synth.write_agency_set",
        "scale": scale,
        "seed": seed,
        "publisher": publisher,
        "ingest_order": names,
        "files": [files[n] for n in names],  # in ingest order; "file" is the name
        "expected": {"files": {n: expected[n] for n in names}, "by_log_kind": by_kind, "total": total},
        "dedup_rule": (
            "ID files: key (log kind, ID, search time, org name, search type); ID-less files: "
            "all cells + occurrence number; portal: id. First copy in sorted path order is "
            "loaded; rows with an unparseable Search Time are rejected, not duplicates."
        ),
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    return manifest
