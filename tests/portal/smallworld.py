"""A small store with exactly known figures for the portal tests (and the browser tests).

Two publishing agencies: Mapleton CA PD and one whose name carries markup, each with searches
whose reasons, users and plates are known, sharing partners in and out of state, two portal
captures and monthly detection counts; then the audit runs, so findings exist.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audit"))

from rowkit import put_agency, put_rows  # noqa: E402

from alpr_audit.audit.engine import run_audit  # noqa: E402
from alpr_audit.store import Store  # noqa: E402

EVIL = '<script>alert("x")</script> Evil CA PD'
USER = "jdoe42"
PLATE = "7ABC123"
REASONS = (["stolen vehicle 24-1234"] * 6 + ["investigation"] * 2 + ["ICE ERO assist"]
           + ['<script>alert("reason")</script>'])
POLICY = {"what_detected": "Authorized purposes: stolen vehicles. Users complete training. "
                           "The system is audited monthly. Data is shared only with California "
                           "agencies. The custodian is the Chief of Police. Hits are verified "
                           "for accuracy. Data is retained 30 days and then destroyed."}


def _own(store: Store, source_id: str, agency_id: str) -> None:
    store.con.execute("UPDATE sources SET publisher_agency_id = ? WHERE source_id = ?",
                      [agency_id, source_id])


def build(root: Path) -> Store:
    """The store at ``root`` (created), audited; the caller closes it."""
    store = Store.open(root)
    pub = put_agency(store, "Mapleton CA PD")
    evil = put_agency(store, EVIL)
    reno = put_agency(store, "Reno NV PD")
    dhs = put_agency(store, "US Department of Homeland Security")
    local = put_agency(store, "Loma Verde CA PD")
    searches = []
    for month in (1, 2, 3):
        for i, reason in enumerate(REASONS):
            searches.append(dict(publisher_agency_id=pub, searcher_agency_id=pub, user_ref=USER,
                                 searched_at=datetime(2025, month, 1 + i, 10), reason=reason,
                                 plate_query=PLATE, log_kind="network_audit"))
    # the same searches in the organisation log must not be counted twice
    org = [dict(s, log_kind="org_audit") for s in searches[:5]]
    _own(store, put_rows(store, "searches", searches), pub)
    _own(store, put_rows(store, "searches", org), pub)
    _own(store, put_rows(store, "searches", [dict(
        publisher_agency_id=evil, searcher_agency_id=evil, user_ref="evil-user",
        searched_at=datetime(2025, 2, 1), reason="burglary 25-1", plate_query="9XYZ999",
        log_kind="org_audit")]), evil)
    share = [dict(publisher_agency_id=pub, partner_agency_id=p, partner_name_raw=p,
                  direction=d, data_kind="detections", status="active",
                  observed_on=date(2025, 3, 31), flags=["NVLS"] if p == reno else None)
             for p, d in ((reno, "out"), (dhs, "out"), (local, "out"), (evil, "out"),
                          (local, "in"))]
    _own(store, put_rows(store, "sharing", share), pub)
    snaps = [dict(agency_id=pub, captured_on=date(2025, 1, 31), retention_days=30,
                  camera_count=10, vehicles_30d=1000, hits_30d=5, searches_30d=30, **POLICY),
             dict(agency_id=pub, captured_on=date(2025, 3, 31), retention_days=30,
                  camera_count=12, vehicles_30d=1200, hits_30d=6, searches_30d=30, **POLICY),
             dict(agency_id=evil, captured_on=date(2025, 3, 31), camera_count=3,
                  what_detected="We use cameras.")]
    _own(store, put_rows(store, "portal_snapshots", snaps), pub)
    counts = [dict(agency_id=pub, period_start=datetime(2025, m, 1),
                   period_end=datetime(2025, m, 28, 23, 59), detections=990 + m, hits=10 * m)
              for m in (1, 2, 3)]
    _own(store, put_rows(store, "detection_counts", counts), pub)
    run_audit(store)
    return store
