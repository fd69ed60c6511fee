"""Hit ratio per period, the period stated exactly (rule family 9).

The State Auditor (report 2019-118) found 99.9% of LAPD's 320 million images were of vehicles
on no hot list when captured: the share of reads that are hits is the plainest measure of how
much ALPR data concerns no investigation. Two sources give it:

* ``detection_counts`` (vendor dashboard reports): one finding per (agency, period as the
  report states it); the rows with a hit count are the evidence. Where a period has an agency
  total (``system`` NULL) that total is used, else the per-system rows are summed.
* row-level ``detections`` and ``hits``: one finding per (agency, calendar month, UTC); the
  month's hits are the evidence (a month without hits: its detections).

For count rows the ratio is hits / (detections + hits) — the vendor reports count hits apart
from detections — or hits / total_records when no detections figure is given. For row-level
data it is hits / reads: every hit is one of the reads (it names its detection_id). The evidence note carries the ratio, the counts, the
exact period and the basis, so the explanation shows them.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from alpr_audit.audit.rules.base import Rule, RuleContext, evidence

_BASIS = ("California State Auditor report 2019-118: 99.9% of LAPD's stored ALPR images were "
          "not on a hot list when captured; reported for oversight (no threshold in law)")


def thousands(n: ir.IntegerValue) -> ir.StringValue:
    """``n`` (>= 0) with comma thousands separators, portably (no engine format function)."""
    def grp(k: int) -> ir.StringValue:
        return ((n // 10 ** (3 * k)) % 1000).cast("int64").cast("string")

    def pad(k: int) -> ir.StringValue:
        return grp(k).lpad(3, "0")

    out = ibis.cases(
        (n >= 10 ** 12, (n // 10 ** 12).cast("string").concat(",", pad(3), ",", pad(2), ",",
                                                               pad(1), ",", pad(0))),
        (n >= 10 ** 9, grp(3).concat(",", pad(2), ",", pad(1), ",", pad(0))),
        (n >= 10 ** 6, grp(2).concat(",", pad(1), ",", pad(0))),
        (n >= 10 ** 3, grp(1).concat(",", pad(0))),
        else_=grp(0),
    )
    return out


def percent(num: ir.IntegerValue, den: ir.IntegerValue) -> ir.StringValue:
    """num/den as a percentage with two decimals ("0.23%"), integer arithmetic only, so every
    engine prints the same text."""
    bp = ((num.cast("float64") * 10000 / den.cast("float64")).round(0)).cast("int64")
    return (bp // 100).cast("string").concat(".", (bp % 100).cast("string").lpad(2, "0"), "%")


def ratio_text(hits: ir.IntegerValue, total: ir.IntegerValue, start: ir.StringValue,
               end: ir.StringValue, basis: ir.StringValue) -> ir.StringValue:
    """'0.23% of 1,234,567 reads from 2024-01-01 to 2024-12-31 were hits (2,840 hits; …)'."""
    return ibis.ifelse(
        total > 0,
        percent(hits, total).concat(" of ", thousands(total), " reads from ", start, " to ", end,
                                    " were hits (", thousands(hits), " hits; ", basis, ")"),
        ibis.literal("no reads counted from ").concat(start, " to ", end, " (", basis, ")"))


def _stamp(ts: ir.TimestampValue) -> ir.StringValue:
    """A period bound: the date, plus the time when it is not midnight (stated exactly)."""
    day = ts.date().cast("string")
    hm = ts.hour().cast("string").lpad(2, "0").concat(":", ts.minute().cast("string").lpad(2, "0"))
    midnight = (ts.hour() == 0) & (ts.minute() == 0) & (ts.second() == 0)
    return ibis.ifelse(midnight, day, day.concat(" ", hm))


def from_counts(ctx: RuleContext) -> ir.Table | None:
    """One finding per (agency, stated period) of ``detection_counts``."""
    if not ctx.has_rows("detection_counts"):
        return None
    c = ctx.table("detection_counts")
    c = c.filter(c.hits.notnull() & (c.detections.notnull() | c.total_records.notnull()))
    c = c.mutate(
        _period=ibis.ifelse(c.period_start.notnull() & c.period_end.notnull(),
                            c.period_start.date().cast("string").concat(
                                "..", c.period_end.date().cast("string")),
                            c.period_text.fill_null("(period not stated)")),
        _den=ibis.ifelse(c.detections.notnull(), c.detections + c.hits, c.total_records),
        _sys=c.system.fill_null(""),
    )
    per = ibis.window(group_by=[c.agency_id, c._period])
    # an agency total, where the period has one, instead of summing its systems with it
    c = c.mutate(_has_total=c.system.isnull().cast("int64").max().over(per))
    c = c.filter(c.system.isnull() | (c._has_total == 0))
    # the same total (or system) repeated by several releases counts once
    dup = ibis.window(group_by=[c.agency_id, c._period, c._sys],
                      order_by=[c.source_id, c.locator])
    c = c.mutate(_first=ibis.row_number().over(dup) == 0)
    per = ibis.window(group_by=[c.agency_id, c._period])
    c = c.mutate(
        _h=ibis.ifelse(c._first, c.hits, 0).sum().over(per),
        _d=ibis.ifelse(c._first, c._den, 0).sum().over(per),
        _start=c.period_start.min().over(per), _end=c.period_end.max().over(per),
        _basis=c.basis.max().over(per), _text=c.period_text.max().over(per),
    )
    basis = ibis.literal("source: detection report").concat(
        ibis.ifelse(c._basis.notnull(), ibis.literal(", ").concat(c._basis), ibis.literal("")),
        ibis.ifelse(c._text.notnull(), ibis.literal("; period as written: ").concat(c._text),
                    ibis.literal("")))
    note = ratio_text(c._h, c._d, _stamp(c._start), _stamp(c._end), basis)
    return evidence(c, agency=c.agency_id, subject=c._period, table_name="detection_counts",
                    at=c.period_end, note=note)


def from_rows(ctx: RuleContext) -> ir.Table | None:
    """One finding per (agency, UTC calendar month) of row-level ``detections``/``hits``."""
    has_d, has_h = ctx.has_rows("detections"), ctx.has_rows("hits")
    if not (has_d or has_h):
        return None
    parts = []
    if has_d:
        d = ctx.table("detections")
        d = d.filter(d.seen_at.notnull())
        parts.append(d.select(_a=d.agency_id.fill_null(""), _m=d.seen_at.truncate("M"),
                              _nd=ibis.literal(1, "int64"), _nh=ibis.literal(0, "int64")))
    if has_h:
        h = ctx.table("hits")
        h = h.filter(h.hit_at.notnull())
        parts.append(h.select(_a=h.agency_id.fill_null(""), _m=h.hit_at.truncate("M"),
                              _nd=ibis.literal(0, "int64"), _nh=ibis.literal(1, "int64")))
    u = ibis.union(*parts) if len(parts) > 1 else parts[0]
    months = u.group_by("_a", "_m").aggregate(_nd=u._nd.sum(), _nh=u._nh.sum())
    first = months._m.date()
    # timestamp arithmetic then .date(): date ± interval is a timestamp on some engines
    last = (months._m + ibis.interval(months=1) - ibis.interval(days=1)).date()
    months = months.mutate(
        _subject=first.cast("string").concat("..", last.cast("string")),
        # a hit is one of the reads (it names its detection_id): the reads are the total
        _note=ratio_text(months._nh, months._nd, first.cast("string"), last.cast("string"),
                         ibis.literal("source: row-level data, ").concat(
                             thousands(months._nd), " reads of which ", thousands(months._nh),
                             " were hits")),
    )
    out = []
    if has_h:
        h = ctx.table("hits")
        h = h.mutate(_hm=h.hit_at.truncate("M"))
        j = h.inner_join(months, (h.agency_id.fill_null("") == months._a) & (h._hm == months._m))
        out.append(evidence(j, agency=j.agency_id, subject=j._subject, table_name="hits",
                            at=j.hit_at, note=j._note))
    if has_d:
        # a month without a single hit still gets its finding (0.00%): its reads are the rows
        zero = months.filter(months._nh == 0)
        d = ctx.table("detections")
        d = d.mutate(_dm=d.seen_at.truncate("M"))
        j = d.inner_join(zero, (d.agency_id.fill_null("") == zero._a) & (d._dm == zero._m))
        out.append(evidence(j, agency=j.agency_id, subject=j._subject, table_name="detections",
                            at=j.seen_at, note=j._note))
    return ibis.union(*out) if len(out) > 1 else out[0]


def period(ctx: RuleContext) -> ir.Table | None:
    parts = [p for p in (from_counts(ctx), from_rows(ctx)) if p is not None]
    if not parts:
        return None
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


RULES = [
    Rule("hit_ratio.period", "Share of plate reads that were hot-list hits", "info", _BASIS,
         "{agency}, {subject}: {notes}.",
         period, needs=("detection_counts", "detections", "hits")),
]
