"""Property: for any mix of good, broken and repeated rows, nothing is lost.

rows_read = rows_loaded + rows_rejected + rows_duplicate, and each count is exactly what the
generated mix implies — for files with and without a record id, read by either CSV reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.store import Store

HEADER = ["ID", "Name", "Org Name", "Total Networks Searched", "Time Frame", "License Plate",
          "Reason", "Case #", "Filters", "Search Time", "Search Type"]

# a row kind: ("good", n) a distinct search; ("bad", n) an unparseable search time;
# ("repeat", k) an exact copy of the k-th earlier good row (mod the number of good rows)
kinds = st.lists(
    st.one_of(
        st.tuples(st.just("good"), st.integers(0, 10**6)),
        st.tuples(st.just("bad"), st.integers(0, 10**6)),
        st.tuples(st.just("repeat"), st.integers(0, 50)),
    ),
    min_size=1,
    max_size=40,
)


def _record(n: int, bad: bool, with_id: bool) -> list[str]:
    when = dt.datetime(2025, 1, 1) + dt.timedelta(seconds=n * 37)
    text = "not a time" if bad else when.strftime("%m/%d/%Y, %I:%M:%S %p UTC")
    rec = [f"id-{n}", "***", f"ORG {n % 5} CA PD", str(n % 90),
           "01/01/2025, 12:00:00 AM UTC\n01/01/2025, 01:00:00 AM UTC", "***",
           f"reason {n % 3}", "", "", text, "search"]
    return rec if with_id else rec[1:]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds, st.booleans(), st.booleans())
def test_row_accounting_identity_holds_for_any_mix(mix, with_id, ragged) -> None:
    rows: list[list[str]] = []
    good: list[list[str]] = []
    seen_good: set[int] = set()
    expect = {"loaded": 0, "rejected": 0, "duplicate": 0}
    for kind, n in mix:
        if kind == "good":
            rec = _record(n, False, with_id)
            if n in seen_good:
                # the same search drawn twice: an exact duplicate with ids, a second search without
                expect["duplicate" if with_id else "loaded"] += 1
            else:
                expect["loaded"] += 1
            seen_good.add(n)
            good.append(rec)
        elif kind == "bad":
            rec = _record(n, True, with_id)
            expect["rejected"] += 1
        else:
            if not good:
                continue
            rec = list(good[n % len(good)])
            expect["duplicate" if with_id else "loaded"] += 1
            good.append(rec)
        rows.append(rec)
    if ragged:  # one malformed line sends the file through the row-by-row reader
        rows.append(["only", "three", "cells"])
        expect["rejected"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
            w.writerow(HEADER if with_id else HEADER[1:])
            w.writerows(rows)
        with Store.open(Path(tmp) / "store") as store:
            r = ingest_file(store, path)
            assert r.rows_read == len(rows)
            assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
            assert (r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (
                expect["loaded"], expect["rejected"], expect["duplicate"])
            stored = store.query("SELECT count(*) AS n FROM searches")[0]["n"]
            kept = store.query("SELECT count(*) AS n FROM rejects")[0]["n"]
            assert (stored, kept) == (r.rows_loaded, r.rows_rejected)
