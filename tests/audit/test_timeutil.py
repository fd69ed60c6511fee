"""The portable UTC → local clock conversion agrees with the tz database, minute for minute,
around every daylight-saving change and for US, fixed-offset and other zones."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import ibis
import pytest

from alpr_audit.audit.rules.timeutil import (
    local_hour,
    local_minute_of_day,
    us_dst_bounds,
    zone_plan,
)


def _local_minutes(tz: str, stamps: list[datetime]) -> list[int]:
    t = ibis.memtable({"ts": stamps}, schema={"ts": "timestamp"})
    con = ibis.duckdb.connect()
    return con.to_pyarrow(t.select(m=local_minute_of_day(t.ts, tz)))["m"].to_pylist()


def _expected(tz: str, stamps: list[datetime]) -> list[int]:
    zone = ZoneInfo(tz)
    out = []
    for ts in stamps:
        local = ts.replace(tzinfo=UTC).astimezone(zone)
        out.append(local.hour * 60 + local.minute)
    return out


def _around_changes(tz: str, years: range) -> list[datetime]:
    """Every half hour over the two days from the (local) midnight before each offset change."""
    zone = ZoneInfo(tz)
    stamps = []
    for year in years:
        day = datetime(year, 1, 1)
        while day.year == year:
            nxt = day + timedelta(days=1)
            if zone.utcoffset(day.replace(tzinfo=None)) != zone.utcoffset(nxt.replace(tzinfo=None)):
                stamps += [day + timedelta(minutes=m) for m in range(0, 48 * 60, 30)]
            day = nxt
    return stamps


@pytest.mark.parametrize("tz,kind", [
    ("America/Los_Angeles", "us"), ("America/Chicago", "us"), ("America/New_York", "us"),
    ("America/Denver", "us"), ("America/Anchorage", "us"), ("America/Phoenix", "fixed"),
    ("Pacific/Honolulu", "fixed"), ("UTC", "fixed"), ("Asia/Kolkata", "fixed"),
    ("Europe/Berlin", "table"), ("Australia/Sydney", "table"), ("America/St_Johns", "table"),
])
def test_local_clock_matches_the_tz_database(tz: str, kind: str) -> None:
    assert zone_plan(tz)[0] == kind
    rng = random.Random(7)
    stamps = [datetime(1990, 1, 1) + timedelta(seconds=rng.randrange(45 * 365 * 86400))
              for _ in range(1500)]
    stamps += _around_changes(tz, range(2004, 2009)) + _around_changes(tz, range(2024, 2027))
    assert _local_minutes(tz, stamps) == _expected(tz, stamps)


def test_us_rule_bounds_for_pacific_time() -> None:
    # 2025: second Sunday of March (9th) 02:00 PST = 10:00 UTC; first Sunday of November (2nd)
    # 02:00 PDT = 09:00 UTC. 2006 (old rule): April 2nd and October 29th.
    assert us_dst_bounds(2025, -480) == (datetime(2025, 3, 9, 10), datetime(2025, 11, 2, 9))
    assert us_dst_bounds(2006, -480) == (datetime(2006, 4, 2, 10), datetime(2006, 10, 29, 9))


def test_local_hour_either_side_of_the_spring_change() -> None:
    stamps = [datetime(2025, 3, 9, 9, 59, 59, 999999), datetime(2025, 3, 9, 10, 0),
              datetime(2025, 11, 2, 8, 59, 59), datetime(2025, 11, 2, 9, 0)]
    t = ibis.memtable({"ts": stamps}, schema={"ts": "timestamp"})
    got = ibis.duckdb.connect().to_pyarrow(
        t.select(h=local_hour(t.ts, "America/Los_Angeles")))["h"].to_pylist()
    assert got == [1, 3, 1, 1]  # 01:59 PST → 03:00 PDT; 01:59 PDT → 01:00 PST


def test_null_timestamp_gives_null_hour() -> None:
    t = ibis.memtable({"ts": [None, datetime(2025, 7, 1, 12)]}, schema={"ts": "timestamp"})
    got = ibis.duckdb.connect().to_pyarrow(
        t.select(h=local_hour(t.ts, "America/Los_Angeles")))["h"].to_pylist()
    assert got == [None, 5]
