"""Tracking over the store: import (atomic, idempotent), statutory dates, list/show/batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from alpr_audit.core.errors import UsageError
from alpr_audit.requests import tracking
from alpr_audit.requests.tracking import (
    batches,
    import_request,
    list_requests,
    load_request,
    show_request,
)
from fixturekit import fixture_file

D = dt.date
LAPD = "requests/muckrock_lapd-25-2170_alpr-audits.txt"
LAPD_ID = "los-angeles-ca-pd-25-2170"

IRVINE = """ALPR Audits (Irvine Police Department)
Tracking # | 25-0211 |
Multi Request | ALPR Audits |
Submitted | Feb. 10, 2025 |
Communications
From: Joey Scott
Pursuant to the California Public Records Act, I hereby request the following records:
A1. The names of agencies and organizations with which the Agency shares ALPR data;
From: Irvine Police Department
Your request was received. We will respond on or before March 7, 2025.
"""

RELEASED = """ALPR Audits (Fresno Police Department)
Tracking # | F-77 |
Multi Request | ALPR Audits |
Submitted | 2/7/2025 |
Communications
From: Joey Scott
Pursuant to the California Public Records Act, I hereby request the following records:
B1. The aggregate number of "detections" collected 2019 to today's date
From: Fresno Police Department
The responsive records are attached. This request is now closed.
"""


def _counts(store) -> tuple[int, int, int]:
    return tuple(store.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("requests", "request_items", "communications"))


def test_import_fixture_stores_request_items_communications_with_statutory_dates(store):
    req = import_request(store, fixture_file(LAPD))
    assert req.request_id == LAPD_ID
    assert _counts(store) == (1, 12, 5)
    row = store.query("SELECT * FROM requests")[0]
    assert (row["received_on"], row["due_on"], row["extended_due_on"], row["estimated_on"]) == (
        D(2025, 2, 10), D(2025, 2, 20), D(2025, 3, 6), D(2025, 4, 18))
    assert (row["batch_id"], row["status"], row["agency_id"]) == (
        "alpr-audits", "processing", "los-angeles-ca-pd")
    assert row["source_path"] == str(fixture_file(LAPD).resolve())
    assert len(row["source_sha256"]) == 64
    status = store.query("SELECT cited_sections, estimated_on FROM communications WHERE seq = 5")[0]
    assert status == {"cited_sections": ["7927.200", "7927.700", "7923.600-7923.625", "7927.705",
                                         "7922.000"], "estimated_on": D(2025, 4, 18)}


def test_same_file_twice_updates_and_keeps_dispositions_and_batch(store):
    path = fixture_file(LAPD)
    import_request(store, path, batch_id="wave-2025")
    store.con.execute("UPDATE request_items SET disposition = 'released' WHERE item_id = 'A1'")
    again = import_request(store, str(path))  # str path, no batch this time
    assert again.request_id == LAPD_ID
    assert _counts(store) == (1, 12, 5)
    assert store.query("SELECT batch_id FROM requests") == [{"batch_id": "wave-2025"}]
    assert store.query("SELECT item_id FROM request_items WHERE disposition = 'released'") == [
        {"item_id": "A1"}]


def test_a_thread_saved_again_with_a_new_reply_updates_the_same_request(store):
    text = fixture_file(LAPD).read_text(encoding="utf-8")
    import_request(store, text)
    later = text + ("\nFrom: Los Angeles Police Department\n"
                    "The responsive records are attached.\n")
    req = import_request(store, later)
    assert req.request_id == LAPD_ID
    assert _counts(store) == (1, 12, 6)
    assert show_request(store, LAPD_ID)["status"] == "done"


def test_request_without_tracking_number_gets_a_stable_hash_id(store):
    text = "Re: ALPR records\nTo: Irvine Police Department\nPlease provide all ALPR audits."
    first = import_request(store, text)
    second = import_request(store, text + "\n")
    assert first.request_id == second.request_id
    assert first.request_id.startswith("req-") and len(first.request_id) == 16
    assert _counts(store) == (1, 1, 1)


def test_import_is_atomic(store, monkeypatch):
    class FailingCon:
        """The store's connection, failing when communications are written."""

        def __init__(self, con):
            self._con = con

        def executemany(self, sql, rows):
            if "communications" in sql:
                raise RuntimeError("disk full")
            return self._con.executemany(sql, rows)

        def __getattr__(self, name):
            return getattr(self._con, name)

    real = store.con
    monkeypatch.setattr(store, "con", FailingCon(real))
    with pytest.raises(RuntimeError):
        import_request(store, fixture_file(LAPD))
    monkeypatch.setattr(store, "con", real)
    assert _counts(store) == (0, 0, 0)


def test_deadlines_come_from_compute_deadlines_with_the_extension(store, monkeypatch):
    from alpr_audit.requests import deadlines

    calls = []

    def stub(received_on, *, extended, extension_days=14, roll_forward=False, **_):
        calls.append((received_on, extended, extension_days, roll_forward))
        return deadlines.Deadlines(received_on, D(2030, 1, 1),
                                   D(2030, 1, 15) if extended else None)

    monkeypatch.setattr(deadlines, "compute_deadlines", stub)
    req = import_request(store, fixture_file(LAPD), roll_forward=False)
    assert calls == [(D(2025, 2, 10), True, 14, False)]
    assert (req.due_on, req.extended_due_on) == (D(2030, 1, 1), D(2030, 1, 15))
    import_request(store, IRVINE)
    assert calls[-1] == (D(2025, 2, 10), False, 14, True)  # no extension; roll-forward default on


def test_roll_forward_default_moves_a_holiday_deadline(store):
    # Received Friday 2025-02-07: the 10th day is Monday 2025-02-17, Presidents' Day.
    assert import_request(store, RELEASED).due_on == D(2025, 2, 18)
    assert import_request(store, RELEASED, roll_forward=False).due_on == D(2025, 2, 17)


def test_receipt_date_the_thread_states_starts_the_clock(store):
    text = IRVINE.replace("Your request was received.",
                          "Your request received on February 12, 2025 was logged.")
    req = import_request(store, text, roll_forward=False)
    assert (req.submitted_on, req.received_on, req.due_on) == (
        D(2025, 2, 10), D(2025, 2, 12), D(2025, 2, 22))


def test_list_filters_and_overdue_as_of_a_day(store):
    import_request(store, fixture_file(LAPD))
    irvine = import_request(store, IRVINE).request_id
    fresno = import_request(store, RELEASED, batch_id="other").request_id
    rows = list_requests(store, today=D(2025, 3, 7))
    assert [(r["request_id"], r["status"], r["overdue"]) for r in rows] == [
        (irvine, "acknowledged", True),  # due 2/20, no extension
        (LAPD_ID, "processing", True),  # extended to 3/6
        (fresno, "done", False)]  # closed: never overdue
    assert irvine.endswith("-25-0211") and fresno.endswith("-f-77")
    assert [r["request_id"] for r in list_requests(store, status="overdue",
                                                   today=D(2025, 3, 6))] == [
        irvine]  # LAPD's extended date is not yet past
    assert [r["request_id"] for r in list_requests(store, batch_id="other")] == [fresno]
    assert [r["items"] for r in rows] == [1, 12, 1]
    with pytest.raises(UsageError) as exc:
        list_requests(store, status="pending")
    assert "processing" in exc.value.hint


def test_batches_count_statuses_and_overdue(store):
    import_request(store, fixture_file(LAPD))
    import_request(store, IRVINE)
    import_request(store, RELEASED)
    assert batches(store, today=D(2025, 3, 1)) == [{
        "batch_id": "alpr-audits", "requests": 3,
        "statuses": {"acknowledged": 1, "done": 1, "processing": 1}, "overdue": 1,
        "agencies": ["Fresno Police Department", "Irvine Police Department",
                     "Los Angeles Police Department"]}]


def test_show_and_load_round_trip(store):
    parsed = import_request(store, fixture_file(LAPD))
    shown = show_request(store, LAPD_ID, today=D(2025, 3, 1))
    assert [i["item_id"] for i in shown["items"]] == [i.item_id for i in parsed.items]
    assert [c["kind"] for c in shown["communications"]] == [
        "request", "confirmation", "acknowledgement", "extension", "status"]
    assert (shown["applicable_due_on"], shown["overdue"]) == (D(2025, 3, 6), False)
    loaded = load_request(store, LAPD_ID)
    assert loaded.items == parsed.items
    assert loaded.communications == parsed.communications
    assert (loaded.due_on, loaded.extended_due_on) == (parsed.due_on, parsed.extended_due_on)


def test_unknown_request_id_says_how_to_see_ids(store):
    with pytest.raises(UsageError) as exc:
        show_request(store, "nope")
    assert "request import" in exc.value.hint  # empty store: import first
    import_request(store, fixture_file(LAPD))
    with pytest.raises(UsageError) as exc:
        load_request(store, "los-angeles-ca-pd-25-217")
    assert "alpr-audit request list" in exc.value.hint and LAPD_ID in exc.value.hint


def test_bad_input_is_a_usage_error_not_a_traceback(store, tmp_path: Path):
    with pytest.raises(UsageError, match="no request file"):
        import_request(store, tmp_path / "missing.txt")
    with pytest.raises(UsageError, match="no request file"):
        import_request(store, str(tmp_path / "missing.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(UsageError, match="no text"):
        import_request(store, empty)
    assert _counts(store) == (0, 0, 0)


def test_cp1252_file_is_read(store, tmp_path: Path):
    path = tmp_path / "thread.txt"
    path.write_bytes(IRVINE.replace("shares ALPR data", "shares \u201chot list\u201d data")
                     .encode("cp1252"))
    req = import_request(store, path)
    assert req.items[0].text.endswith("\u201chot list\u201d data")
    assert tracking.request_id_for(req) == req.request_id
