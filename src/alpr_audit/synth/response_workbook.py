"""Synthetic agency response workbooks: the standard ALPR request answered item by item.

No real sample is public (docs/formats.md, "Agency response workbooks"), so this writes the
layouts agencies are known to send, with their quirks: sheet-name variants (``A1`` /
``A1 - Sharing Out``, ``B1&2`` / ``B1 & B2``, ``Audit`` / ``Audit Log``), title rows above
headers, the period line in several wordings, counts as Excel numbers or as text
(``107,472,041``, ``107472041.0``), reasons such as ``211`` that Excel turned into numbers
(``21-16030`` stays text), DateTime as real Excel datetimes or as text, ``-`` for months
that do not apply, a ``None`` answer, blank tails and an unrelated sheet.

The manifest states what a correct importer must produce, computed while generating (never
by running the importer). Variants: ``standard``, ``renamed``, ``partial`` (some sheets
missing), ``compact`` (A1–A4 side by side, month/count layout for other agencies).
"""

from __future__ import annotations

import calendar
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

from alpr_audit.synth.vocab import AGENCY_NAMES, REASONS, SURNAMES, expand

VARIANTS = ("standard", "renamed", "partial", "compact")

_CREATED = datetime(2025, 2, 11)  # fixed, so the same arguments give the same bytes
PERIOD = (date(2019, 1, 1), date(2025, 2, 11))
_PERIOD_LINES = {
    "standard": "Data provided between 1/1/19 and 2/11/25",
    "renamed": "Data from 01/01/2019 through 02/11/2025",
    "partial": "Period: 2019-01-01 to 2025-02-11",
    "compact": "Date range: January 1, 2019 - February 11, 2025",
}
_SHEETS = {  # role -> sheet name per variant (None: the variant has no such sheet)
    "standard": {"request": "Request", "A1": "A1", "A2": "A2", "A3": "A3", "A4": "A4",
                 "counts": "B1&2", "users": "Users", "audit": "Audit", "other": "OtherAgencies"},
    "renamed": {"request": "Request Items", "A1": "A1 - Sharing Out", "A2": "A2 - Sharing In",
                "A3": "A3 - Hotlist Out", "A4": "A4 - Hotlist In", "counts": "B1 & B2",
                "users": "Users List", "audit": "Audit Log", "other": "Other Agencies",
                "notes": "Notes"},
    "partial": {"request": "Request", "A1": "A1", "counts": "B1&2", "audit": "Audit"},
    "compact": {"request": "Request", "sharing": "A1-A4", "counts": "B1&2", "users": "Users",
                "audit": "Audit", "other": "OtherAgencies"},
}
ITEMS = (  # (id as the request numbers it, short text, sheet role that answers it)
    ("A1", "The names of agencies and organizations with which the Agency shares ALPR data", "A1"),
    ("A2", "The names of agencies and organizations from which the Agency receives ALPR data", "A2"),
    ("A3", "The names of agencies and organizations with which the Agency shares hot list "
           "information", "A3"),
    ("A4", "The names of agencies and organizations from which the Agency receives hot list "
           "information", "A4"),
    ("A5", "Agreements external agencies signed under Sec 1798.90.52(b)", None),
    ("A6", "Agreements the Agency signed under Sec 1798.90.52(b)", None),
    ("A7", "Records of access required by Sec. 1798.90.52(a)", None),
    ("B1", 'The aggregate number of "detections" collected 2019 to today\'s date', "counts"),
    ("B2", 'The aggregate number of "hits" 2019 to today\'s date', "counts"),
    ("", "Officers with authorized access to ALPR systems", "users"),
    ("", "Audits that include the reason of the search, misuse, and how many searches", "audit"),
    ("", "The number of times other agencies accessed the department's ALPR data", "other"),
)
_BAD_TIMES = ("", "unknown", "31/02/2024 10:00")  # rows a correct importer rejects


def _dispositions(sheets: dict[str, str], role: str | None, shared: bool) -> str:
    if role is None:
        return "Not applicable: items A1-A4 were provided" if shared else "No responsive records"
    name = sheets.get(role) or (sheets.get("sharing") if role.startswith("A") else None)
    return f"Provided - see sheet {name}" if name else "No responsive records"


def write_response_workbook(
    path: str | Path,
    *,
    seed: int = 0,
    agency: str = "Mapleton CA PD",
    audit_rows: int = 20000,
    variant: str = "standard",
) -> dict[str, Any]:
    """Write one response workbook to ``path`` and return its manifest.

    ``manifest["expected"][table]`` gives rows_read / rows_rejected / rows_loaded per target
    table for a first ingest (the importer's tables; absent sheets give absent tables), and
    ``manifest["values"]`` the values a correct importer must read back.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; variants: {', '.join(VARIANTS)}")
    if audit_rows < len(_BAD_TIMES) + 5:
        raise ValueError(f"audit_rows must be at least {len(_BAD_TIMES) + 5}")
    rng = random.Random(f"{seed}:{variant}")
    names = _SHEETS[variant]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": _CREATED, "author": "alpr-audit synth"})
    w = _Writer(wb, rng, variant, agency, names)
    w.request()
    if "sharing" in names:
        w.sharing_combined()
    for item in ("A1", "A2", "A3", "A4"):
        if item in names:
            w.sharing(item)
    w.counts()
    if "users" in names:
        w.users()
    w.audit(audit_rows)
    if "other" in names:
        w.other()
    if "notes" in names:
        ws = wb.add_worksheet(names["notes"])
        ws.write_string(0, 0, "Records were exported from the ALPR system on 2/11/2025.")
    wb.close()
    return {"path": str(path), "format": "response_workbook", "variant": variant, "seed": seed,
            "agency": agency, "sheets": [ws.name for ws in wb.worksheets()],
            "expected": w.expected, "values": w.values}


class _Writer:
    """Writes the sheets in workbook order and records what they hold."""

    def __init__(self, wb: Any, rng: random.Random, variant: str, agency: str,
                 names: dict[str, str]) -> None:
        self.wb, self.rng, self.variant, self.agency, self.names = wb, rng, variant, agency, names
        self.titled = variant == "renamed"  # title rows above the headers
        self.dt_fmt = wb.add_format({"num_format": "m/d/yyyy h:mm:ss AM/PM"})
        self.month_fmt = wb.add_format({"num_format": "mmm yyyy"})
        self.blank_fmt = wb.add_format({"bg_color": "#FFFFFF"})
        self.expected: dict[str, dict[str, int]] = {}
        self.values: dict[str, Any] = {
            "publisher_in_workbook": agency if variant in ("renamed", "compact") else None,
            "observed_on": "2025-02-11" if variant in ("renamed", "compact") else None,
            "unknown_sheets": [names["notes"]] if "notes" in names else [],
        }
        self.picked = rng.sample(AGENCY_NAMES, 40 + 30 + 12 + 8)
        self.lists = self._lists()

    def _expect(self, table: str, read: int, rejected: int = 0) -> None:
        acc = self.expected.setdefault(table, {"rows_read": 0, "rows_rejected": 0, "rows_loaded": 0})
        acc["rows_read"] += read
        acc["rows_rejected"] += rejected
        acc["rows_loaded"] += read - rejected

    def _sheet(self, role: str, title: str | None) -> tuple[Any, int]:
        ws = self.wb.add_worksheet(self.names[role])
        if self.titled and title:
            ws.write_string(0, 0, title)
            return ws, 1
        return ws, 0

    def _blank_tail(self, ws: Any, r: int, n: int) -> None:
        """Rows that look blank: formatted empty cells, then cells holding a space (text
        deleted with the space bar). Readers see the second kind; neither is a record."""
        for k in range(n):
            if k % 2:
                ws.write_string(r + k, 0, " ")
            else:
                ws.write_blank(r + k, 1, None, self.blank_fmt)

    def request(self) -> None:
        ws, r = self._sheet("request", f"{self.agency} - Response to CPRA Request 25-2170")
        if self.variant == "compact":
            for label, value in (("Agency", self.agency), ("Date", "2/11/2025")):
                ws.write_string(r, 0, label)
                ws.write_string(r, 1, value)
                r += 1
        if self.variant == "renamed":
            ws.write_string(r - 1, 3, "as of 2/11/2025")
        for c, h in enumerate(("Item", "Request", "Response")):
            ws.write_string(r, c, h)
        r += 1
        shared = all(k in self.names for k in ("A1", "A2", "A3", "A4")) or "sharing" in self.names
        items = []
        for k, (item, text, role) in enumerate(ITEMS):
            shown = item or (f"R{k - 8}" if self.variant == "renamed" else "")
            disp = _dispositions(self.names, role, shared)
            for c, v in enumerate((shown, text, disp)):
                if v:
                    ws.write_string(r, c, v)
            items.append({"item": shown or None, "text": text, "disposition": disp})
            r += 1
        self.values["request_items"] = items
        self._blank_tail(ws, r + 1, 5)

    def _name(self, k: int) -> str:
        """A partner name with the markers real lists carry."""
        name = self.picked[k]
        if k == 3:
            return f"{name} (Deactivated)"
        if k == 5:
            return f"Inactive {name}"
        return name

    def _lists(self) -> dict[str, list[str]]:
        sizes = {"A1": 40, "A2": 30, "A3": 12, "A4": 8}
        out, at = {}, 0
        for item, n in sizes.items():
            n = n - self.rng.randrange(0, n // 3)
            out[item] = [self._name(at + k) for k in range(n)]
            at += sizes[item]
        if self.variant == "renamed":
            out["A4"] = []  # answered "None"
        return out

    def _note_list(self, item: str, names: list[str]) -> None:
        self.values.setdefault("sharing", {})[item] = {
            "rows": len(names), "deactivated": sum("Deactivated" in n for n in names),
            "inactive": sum(n.startswith("Inactive") for n in names),
            "federal": sum(n.startswith("[Federal]") for n in names)}
        self._expect("sharing", len(names))

    def sharing(self, item: str) -> None:
        names = self.lists[item]
        text = {i: t for i, t, _ in ITEMS}[item]
        ws, r = self._sheet(item, f"{item}. {text} (as of 2/11/2025)")
        ws.write_string(r, 0, "ORGANIZATION NAME " if self.titled else "ORGANIZATION NAME")
        r += 1
        for n in names or ["None"]:
            ws.write_string(r, 0, n)
            r += 1
        self._note_list(item, names)
        self._blank_tail(ws, r, 20)

    def sharing_combined(self) -> None:
        lists = self.lists
        ws, _ = self._sheet("sharing", None)
        heads = ("A1 - Shares ALPR data with", "A2 - Receives ALPR data from",
                 "A3 - Shares hot lists with", "A4 - Receives hot lists from")
        for c, (_item, h) in enumerate(zip(lists, heads, strict=False)):
            ws.write_string(0, c, h)
        for r in range(max(len(v) for v in lists.values())):
            for c, item in enumerate(lists):
                if r < len(lists[item]):
                    ws.write_string(r + 1, c, lists[item][r])
        for item, names in lists.items():
            self._note_list(item, names)

    def counts(self) -> None:
        det = self.rng.randrange(2_000_000, 200_000_000)
        hits = self.rng.randrange(5_000, 90_000)
        ws, r = self._sheet("counts", None)
        line = _PERIOD_LINES[self.variant]
        rows: list[tuple[Any, ...]]
        if self.variant == "standard":
            rows = [(line,), (), ("B1", '"Detections"', float(det)), ("B2", '"Hits"', float(hits))]
        elif self.variant == "renamed":
            rows = [(line,), ("B1", "Detections", f"{det:,}"), ("B2", "Hits", f"{hits:,}")]
        elif self.variant == "partial":
            rows = [(line,), ("B1", "Detections", f"{det}.0"), ("B2", "Hits", f"{hits}.0")]
        else:
            rows = [("Item", "Description", "Count"), ("B1", "Detections", float(det)),
                    ("B2", "Hits", float(hits)), (), (line,)]
        for row in rows:
            for c, v in enumerate(row):
                (ws.write_number if isinstance(v, float) else ws.write_string)(r, c, v)
            r += 1
        start, end = PERIOD
        self.values.update(detections=det, hits=hits, period_text=line,
                           period_start=datetime.combine(start, time()).isoformat(),
                           period_end=datetime.combine(end, time.max).isoformat())
        self._expect("detection_counts", 1)

    def users(self) -> None:
        n = 20 + self.rng.randrange(0, 30)
        ws, r = self._sheet("users", "Authorized ALPR users")
        ws.write_string(r, 0, "User Name")
        r += 1
        for k in range(n):
            name = f"{SURNAMES[k % len(SURNAMES)]}, {chr(65 + (k * 7) % 26)}{k // len(SURNAMES) or ''}"
            ws.write_string(r, 0, "REDACTED" if self.titled and k in (4, 9) else name)
            r += 1
        self.values["users"] = n
        self._expect("users", n)
        self._blank_tail(ws, r, 10)

    def audit(self, n: int) -> None:
        rng = self.rng
        reasons = [v for v in expand(REASONS) if v != "@ALERT"] + ["21-16030"] * 10
        start = datetime.combine(PERIOD[0], time())
        span = int((datetime.combine(PERIOD[1], time()) - start).total_seconds())
        times = sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(n))
        bad_at = set(rng.sample(range(5, n), len(_BAD_TIMES)))
        as_datetime = self.variant in ("standard", "compact")
        ws, r = self._sheet("audit", "ALPR search audit")
        for c, h in enumerate(("Reason", "DateTime")):
            ws.write_string(r, c, h)
        r += 1
        numeric, first_numeric, bad = 0, None, iter(_BAD_TIMES)
        for k, when in enumerate(times):
            if k == n // 2:
                r += 1  # a blank row inside the log: not a record
            reason = reasons[rng.randrange(len(reasons))]
            if reason == "@CASE":
                reason = f"{rng.randrange(19, 26)}-{rng.randrange(1, 99999):05d}"
            if reason.isdigit():  # Excel made it a number
                ws.write_number(r, 0, float(reason))
                numeric += 1
                first_numeric = first_numeric or {"locator": f"{self.names['audit']}!{r + 1}",
                                                  "reason": reason}
            elif reason:
                ws.write_string(r, 0, reason)
            if k in bad_at:
                text = next(bad)
                if text:
                    ws.write_string(r, 1, text)
                elif not reason:
                    ws.write_string(r, 0, "investigation")  # keep the row non-blank
            elif as_datetime:
                ws.write_datetime(r, 1, when, self.dt_fmt)
            elif self.variant == "renamed":
                ws.write_string(r, 1, f"{when.month}/{when.day}/{when.year} "
                                      f"{when.strftime('%I:%M:%S %p').lstrip('0')}")
            else:
                ws.write_string(r, 1, when.isoformat(sep=" "))
            r += 1
        self._blank_tail(ws, r, 200)
        good = [t for k, t in enumerate(times) if k not in bad_at]
        self.values.update(audit_rows=n, audit_rejected=len(_BAD_TIMES), numeric_reasons=numeric,
                           first_search=good[0].isoformat(), last_search=good[-1].isoformat(),
                           first_numeric_reason=first_numeric,
                           audit_datetime_cells="datetime" if as_datetime else "text")
        self._expect("searches", n, len(_BAD_TIMES))

    def other(self) -> None:
        ws, r = self._sheet("other", "Accesses of our ALPR data by other agencies")
        counts: dict[str, int] = {}
        rejected = 0
        if self.variant == "compact":  # Month | Accesses, months as real dates
            ws.write_string(r, 0, "Month")
            ws.write_string(r, 1, "Accesses")
            r += 1
            for year, month in [(2024, m) for m in range(1, 13)] + [(2025, 1), (2025, 2)]:
                v = self.rng.randrange(50, 5000)
                ws.write_datetime(r, 0, datetime(year, month, 1), self.month_fmt)
                ws.write_number(r, 1, v)
                counts[f"{year}-{month:02d}"] = v
                r += 1
        else:
            ws.write_string(r, 0, "Month")
            for c, y in enumerate((2025, 2024), start=1):
                (ws.write_string(r, c, str(y)) if self.titled else ws.write_number(r, c, y))
            r += 1
            sums = {2025: 0, 2024: 0}
            for m in range(1, 13):
                ws.write_string(r, 0, calendar.month_name[m])
                for c, y in enumerate((2025, 2024), start=1):
                    if y == 2025 and m > 2:
                        ws.write_string(r, c, "-" if m % 4 else "N/A")  # not applicable
                    elif self.titled and (y, m) == (2024, 12):
                        ws.write_string(r, c, "pending")
                        rejected += 1
                    else:
                        v = self.rng.randrange(50, 5000)
                        ws.write_number(r, c, v)
                        counts[f"{y}-{m:02d}"] = v
                        sums[y] += v
                r += 1
            if self.titled:
                ws.write_string(r, 0, "Total")
                for c, y in enumerate((2025, 2024), start=1):
                    ws.write_number(r, c, sums[y])
                self.values["external_access_totals"] = {str(y): s for y, s in sums.items()}
        self.values["external_access"] = counts
        self._expect("external_access_counts", len(counts) + rejected, rejected)
