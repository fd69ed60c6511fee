"""Portable UTC → local clock time for the rules that judge local hours (off-shift searches).

Timestamps are stored as naive UTC (docs/index.md, invariant 4). Ibis has no time-zone
conversion that we trust to give identical answers on DuckDB and Spark, so the UTC offset is
computed per row from plain date arithmetic that compiles to both:

* a zone that follows the US daylight-saving rule (``America/Los_Angeles``, ``Chicago``,
  ``New_York``, ``Denver``, ``Anchorage`` …) gets the rule itself: daylight time from the second
  Sunday of March 02:00 local standard time to the first Sunday of November 02:00 local
  daylight time (2007 on; 1987–2006: first Sunday of April to last Sunday of October);
* a zone with one fixed offset (``America/Phoenix``, ``Pacific/Honolulu``, ``UTC``) gets it;
* any other zone gets a ``CASE`` over its transitions 1970–2050 read from the tz database.

Which of the three applies is decided once per zone in Python by checking the tz database
itself, so the rule is never assumed for a zone that does not follow it. Everything is in
minutes, so half-hour zones work too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

#: years in which a zone must match the US rule exactly for the rule to be used
_RULE_YEARS = range(1987, 2038)
#: years covered by the transition table of a zone that follows no known rule
_TABLE_YEARS = (1970, 2050)
_US_RULE_SINCE = 2007


def _offset_minutes(zone: ZoneInfo, utc: datetime) -> int:
    """The zone's UTC offset (minutes) at the naive-UTC instant ``utc``."""
    off = utc.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int(off.total_seconds() // 60) if off is not None else 0


def _sunday_on_or_after(year: int, month: int, day: int) -> date:
    d = date(year, month, day)
    return d + timedelta(days=(6 - d.weekday()) % 7)


def us_dst_bounds(year: int, std_minutes: int) -> tuple[datetime, datetime]:
    """Naive-UTC start and end of US daylight time in ``year`` for standard offset ``std_minutes``.

    Both changes happen at 02:00 local clock time: standard time at the start, daylight time
    (one hour ahead) at the end, i.e. 01:00 standard time.
    """
    if year >= _US_RULE_SINCE:
        start_day, end_day = _sunday_on_or_after(year, 3, 8), _sunday_on_or_after(year, 11, 1)
    else:  # the 1987–2006 rule: first Sunday of April, last Sunday of October
        start_day, end_day = _sunday_on_or_after(year, 4, 1), _sunday_on_or_after(year, 10, 25)
    start = datetime.combine(start_day, datetime.min.time()) + timedelta(minutes=120 - std_minutes)
    end = datetime.combine(end_day, datetime.min.time()) + timedelta(minutes=60 - std_minutes)
    return start, end


@lru_cache(maxsize=32)
def zone_plan(tz: str) -> tuple[str, int, tuple[tuple[datetime, int], ...]]:
    """How ``tz`` is converted: ``("fixed", offset, ())``, ``("us", std_offset, ())`` or
    ``("table", first_offset, ((utc_instant, offset_from_then), …))``; offsets in minutes."""
    zone = ZoneInfo(tz)
    samples = {_offset_minutes(zone, datetime(y, m, 15)) for y in range(*_TABLE_YEARS)
               for m in (1, 4, 7, 10)}
    if len(samples) == 1:
        return "fixed", samples.pop(), ()
    std = _offset_minutes(zone, datetime(2024, 1, 15))
    if _follows_us_rule(zone, std):
        return "us", std, ()
    return "table", _offset_minutes(zone, datetime(_TABLE_YEARS[0], 1, 1)), _transitions(zone)


def _follows_us_rule(zone: ZoneInfo, std: int) -> bool:
    us = timedelta(microseconds=1)
    for year in _RULE_YEARS:
        start, end = us_dst_bounds(year, std)
        checks = ((datetime(year, 1, 15), std), (start - us, std), (start, std + 60),
                  (datetime(year, 7, 15), std + 60), (end - us, std + 60), (end, std),
                  (datetime(year, 12, 15), std))
        if any(_offset_minutes(zone, at) != want for at, want in checks):
            return False
    return True


def _transitions(zone: ZoneInfo) -> tuple[tuple[datetime, int], ...]:
    """Every offset change 1970–2050 as (naive-UTC instant, new offset), found by a daily scan
    refined to the minute (tz changes happen on whole minutes)."""
    out: list[tuple[datetime, int]] = []
    day = datetime(_TABLE_YEARS[0], 1, 1)
    prev = _offset_minutes(zone, day)
    while day.year < _TABLE_YEARS[1]:
        nxt = day + timedelta(days=1)
        off = _offset_minutes(zone, nxt)
        if off != prev:
            lo, hi = 0, 24 * 60  # minutes after `day`: offset(lo) == prev, offset(hi) == off
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset_minutes(zone, day + timedelta(minutes=mid)) == prev:
                    lo = mid
                else:
                    hi = mid
            out.append((day + timedelta(minutes=hi), off))
            prev = off
        day = nxt
    return tuple(out)


def utc_offset_minutes(ts: ir.TimestampValue, tz: str) -> ir.IntegerValue:
    """The offset of zone ``tz`` from UTC, in minutes, at each naive-UTC timestamp ``ts``."""
    kind, base, table = zone_plan(tz)
    if kind == "fixed":
        return ibis.literal(base, "int32")
    if kind == "us":
        year = ts.year()
        # The two change days are Sundays in fixed 7-day ranges: the Sunday on or after
        # March 8 / November 1 (2007 on), April 1 / October 25 (before).
        new = year >= _US_RULE_SINCE
        start = _sunday_after(year, ibis.ifelse(new, 3, 4), ibis.ifelse(new, 8, 1))
        end = _sunday_after(year, ibis.ifelse(new, 11, 10), ibis.ifelse(new, 1, 25))
        start_at = start.cast("timestamp") + ibis.interval(minutes=120 - base)
        end_at = end.cast("timestamp") + ibis.interval(minutes=60 - base)
        return ibis.ifelse((ts >= start_at) & (ts < end_at), base + 60, base).cast("int32")
    branches = [(ts < ibis.literal(at, "timestamp"), prev)
                for (at, _), prev in zip(table, (base, *(o for _, o in table)), strict=False)]
    last = table[-1][1] if table else base
    return (ibis.cases(*branches, else_=last) if branches else ibis.literal(last)).cast("int32")


def _sunday_after(year: ir.IntegerValue, month: ir.IntegerValue,
                  day: ir.IntegerValue) -> ir.DateValue:
    """The first Sunday on or after year-month-day (day_of_week.index(): Monday = 0)."""
    first = ibis.date(year, month, day)
    return ibis.date(year, month, day + (6 - first.day_of_week.index()) % 7)


def local_minute_of_day(ts: ir.TimestampValue, tz: str) -> ir.IntegerValue:
    """Minutes since local midnight in zone ``tz`` (0–1439) of each naive-UTC timestamp."""
    utc_min = ts.hour() * 60 + ts.minute()
    # + 1440 before the modulo: SQL engines keep the sign of the dividend in %
    return (utc_min + utc_offset_minutes(ts, tz) + 1440) % 1440


def local_hour(ts: ir.TimestampValue, tz: str) -> ir.IntegerValue:
    """The local clock hour (0–23) in zone ``tz`` of each naive-UTC timestamp."""
    return local_minute_of_day(ts, tz) // 60
