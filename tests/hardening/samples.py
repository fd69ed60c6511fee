"""Small valid inputs of every format alpr-audit reads, the seeds of the broken-input corpus.

Each seed is written at test time into a tmp dir: with the project's own synthetic generators
(``alpr_audit.synth``) where one exists, else from a small hand-written table, page or PDF
shaped as docs/formats.md describes. Tabular seeds are kept as rows (:class:`Table`) so that the
corpus can break them *before* serialising (duplicated header, quotes never closed …) as well
as after (truncated bytes, other encodings).

Adding a format = one entry in :data:`TABLES` (CSV/XLSX) or :data:`DOCUMENTS` (PDF/HTML).
"""

from __future__ import annotations

import base64
import csv
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from pdf_builder import write_pdf

Rows = list[list[str]]


@dataclass(frozen=True)
class Table:
    """A tabular seed: header and rows as text (the first row of ``rows()`` is the header)."""

    name: str
    make: Callable[[], Rows]
    file_name: str = "export"  # stem; some formats read a date or a kind from the name

    def rows(self) -> Rows:
        """A fresh copy of the rows (callers change them); made once per seed."""
        return [list(r) for r in _made(self.make)]


@functools.cache
def _made(make: Callable[[], Rows]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(r) for r in make())


def write_csv_bytes(rows: Rows, *, newline: str = "\r\n", quote_all: bool = True) -> bytes:
    """CSV text of ``rows`` (UTF-8), every field quoted by default as vendor exports do."""
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
                   lineterminator=newline)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_xlsx(path: Path, sheets: dict[str, Rows]) -> Path:
    """A workbook with one sheet per entry, every cell written as a string."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value != "":
                    ws.write_string(r, c, value)
    wb.close()
    return path


# --- tabular seeds ---------------------------------------------------------------------------

def _synth_audit() -> Rows:
    """A Flock network audit from the synthetic generator (bad and duplicated rows included)."""
    import tempfile

    from alpr_audit.synth import write_audit_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.csv"
        write_audit_csv(path, 40, seed=7, variant="2025-08", bad_rows=2, duplicate_rows=2)
        with path.open(newline="", encoding="utf-8") as fh:
            return [list(r) for r in csv.reader(fh)]


def _synth_portal() -> Rows:
    import tempfile

    from alpr_audit.synth import write_portal_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.csv"
        write_portal_csv(path, 30, seed=3, variant="2026")
        with path.open(newline="", encoding="utf-8") as fh:
            return [list(r) for r in csv.reader(fh)]


def _shared_networks() -> Rows:
    return [["Organization Name", "Networks Shared With Me", "Networks I'm Sharing"],
            ["Yuma AZ PD", "Yuma AZ PD,Yuma AZ PD - Condor", "Mapleton CA PD"],
            ["[Federal] Loma Linda Healthcare System CA Veterans Affairs PD ", "", "Mapleton CA PD"],
            ["University of California, Berkeley", "UC Berkeley PD", ""],
            ["Old Town PD deactivated", "Old Town PD", "Mapleton CA PD"],
            ["Mesa AZ PD", "", ""]]


def _entry(plate: str, expiry: str) -> str:
    return (f"Hotlist Name: STOLEN\nLicense: {plate}\nState: california\nReason: stolen vehicle\n"
            f"Case: 25-001\nExpiry: {expiry}\nConsolidated: false")


def _event_log() -> Rows:
    rows = [["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"]]
    for i in range(12):
        rows.append([f"2025-08-{10 + i:02d}T20:29:05.808Z", f"user{i % 3}@example.gov", "create",
                     "Custom Hotlist Entry", _entry(f"7ABC{i:03d}", f"2025-09-{10 + i:02d}T20:29:02Z")])
    rows.append(["2025-08-30T10:00:00Z", "admin@example.gov", "update", "networkShare",
                 "Network Name: Mapleton CA PD\nPermissions: Search, Hotlist\n"
                 "Receiving Organization: Yuma AZ PD"])
    rows.append(["not a time", "x@example.gov", "create", "customHotlist", "Name: GANG"])
    return rows


def _flock_users() -> Rows:
    return [["First Name", "Last Name", "Email", "Phone", "Title", "Role", "Identity Provider",
             "User Mgmt", "Search", "Hotlist Tool", "Last Login"],
            ["Jane", "Doe", "jdoe@example.gov", "5551234567", "Sergeant", "Admin", "Flock",
             "Enabled", "Enabled", "Disabled", "12/01/2025, 3:45:12 PM UTC"],
            ["REDACTED", "REDACTED", "***", "", "Officer", "Standard", "Okta",
             "Disabled", "Enabled", "Enabled", "Never"],
            ["Al", "Poe", "apoe@example.gov", "", "", "Standard", "Flock", "", "", "", ""],
            ["Bo", "Li", "bli@example.gov", "", "", "Standard", "Flock", "Maybe", "Enabled",
             "Enabled", "2025-11-02 08:30:00"]]


def _vigilant_users() -> Rows:
    names = ["Adams, Jane", "Baker, Luis", "Chen, Wei", "REDACTED", "Diaz, Ana", "Evans, Tom",
             "Fox, Kim", "Garcia, Rosa", "Hill, Sam", "Ito, Ken", "Jones, Amy"]
    return [["Name"]] + [[n] for n in names]


#: Tabular seeds: (table, containers it is written as).
TABLES: dict[str, tuple[Table, tuple[str, ...]]] = {
    "flock_audit": (Table("flock_audit", _synth_audit, "network-audit"), ("csv", "xlsx")),
    "flock_portal_audit": (Table("flock_portal_audit", _synth_portal, "public_search_audit"),
                           ("csv",)),
    "flock_shared_networks": (Table("flock_shared_networks", _shared_networks,
                                    "SharedNetworks_2025_December_30"), ("csv", "xlsx")),
    "flock_event_log": (Table("flock_event_log", _event_log, "event-log"), ("csv", "xlsx")),
    "flock_users": (Table("flock_users", _flock_users, "users"), ("csv", "xlsx")),
    "vigilant_users": (Table("vigilant_users", _vigilant_users, "Mapleton CA PD users"),
                       ("csv", "xlsx")),
}


def write_table(table: Table, container: str, path_dir: Path, rows: Rows | None = None) -> Path:
    """Write ``table`` (or ``rows`` derived from it) as ``container`` into ``path_dir``."""
    rows = table.rows() if rows is None else rows
    if container == "csv":
        path = path_dir / f"{table.file_name}.csv"
        path.write_bytes(write_csv_bytes(rows))
        return path
    path = path_dir / f"{table.file_name}.xlsx"
    return write_xlsx(path, {"Sheet1" if table.name != "vigilant_users" else "Mapleton CA PD": rows})


# --- documents (PDF, HTML, workbooks with their own layout) ----------------------------------

def response_workbook(path_dir: Path) -> Path:
    from alpr_audit.synth.response_workbook import write_response_workbook

    path = path_dir / "response.xlsx"
    write_response_workbook(path, seed=5, audit_rows=30)
    return path


def _footer(created: str, page: int, of: int) -> list[tuple[float, float, float, str]]:
    return [(40, 770, 10, f"Date Created: {created}"), (330, 770, 10, "VehicleManager Report"),
            (520, 770, 10, f"Page {page} of {of}")]


def hit_ratio_pdf(path_dir: Path) -> Path:
    items = [(200, 40, 10, "Dashboard Hit Ratio Report"), (250, 85, 10, "Report Details"),
             (160, 115, 10, "Report By: Test User"), (460, 115, 10, "Hit Ratio Count: 2"),
             (70, 140, 10, "Time Frame: From 1-01-19 12 AM To 03-11-25 12 AM"),
             (420, 140, 10, "Total Records: 4,979,388"),
             (60, 570, 10, "Contributor"), (290, 570, 10, "Record Type"), (485, 570, 10, "Records"),
             (90, 600, 10, "1"), (300, 600, 10, "Detections"), (495, 600, 10, "4944782"),
             (90, 622, 10, "2"), (315, 622, 10, "Hits"), (505, 622, 10, "34606"),
             *_footer("03-10-25", 1, 1)]
    return write_pdf(path_dir / "hit-ratio.pdf", [items])


def detection_pdf(path_dir: Path) -> Path:
    systems = [("OCSD Dana Point LPR Car", "1,131,043"), ("OCSD San Clemente LPR", "795,476"),
               ("Mobile Companion", "4"), ("OCSD North LPR (Deleted)", "0")]
    items = [(200, 40, 10, "Dashboard Detection Report"), (250, 85, 10, "Report Details"),
             (160, 115, 10, "Report By: Test User"), (440, 115, 10, f"System Count: {len(systems)}"),
             (70, 140, 10, "Time Frame: From 1-01-19 12 AM To 03-11-25 12 AM"),
             (410, 140, 10, "Total Detections: 1,926,523"),
             (60, 570, 10, "Contributor"), (290, 570, 10, "System"), (480, 570, 10, "Detections")]
    for i, (name, n) in enumerate(systems):
        y = 600 + 22 * i
        items += [(90, y, 10, str(i + 1)), (230, y, 10, name), (495, y, 10, n)]
    return write_pdf(path_dir / "detections.pdf", [items + _footer("03-10-25", 1, 1)])


def sharing_report_pdf(path_dir: Path) -> Path:
    head = [(250, 9, 20, "Agency"), (224, 33, 16, "Data Sharing Report")]
    foot = "Date Created: 11-18-22 VehicleManager Agency Data Sharing Report Page {} of 2"
    page1 = head + [
        (230, 80, 16, "Detections Shared"),
        (74, 110, 9.5, "The Irvine Police Department Agency is Sharing its Detection data "
                       "with the following Agencies:"),
        (67.5, 140, 11, "Anaheim Police Department"), (294.5, 140, 11, "Brea Police Department"),
        (67.5, 167.6, 11, "California Department of Fish And Wildlife"),
        (294.5, 167.6, 11, "Inactive Chino Police Department"),
        (67.5, 195, 11, "Orange County Sheriff"),
        (6, 760, 10, foot.format(1)),
    ]
    page2 = head + [
        (222, 80, 16, "Detections Received"),
        (76, 110, 9.5, "The Irvine Police Department Agency is receiving Detection data from "
                       "the following Agencies:"),
        (174, 135, 11, "Agency"), (418, 135, 11, "City"), (520, 135, 11, "State"),
        (130, 157, 11, "Carson City Sheriffs Dept"), (400, 157, 11, "Carson City"),
        (527, 157, 11, "NV"),
        (239, 230, 16, "Hot List Sharing"),
        (78, 260, 9.5, "The Irvine Police Department Agency is sharing Hot List records with "
                       "the following Agencies:"),
        (47.5, 290, 12, "Agency:"), (296.5, 290, 12, "Hot List(s):"),
        (67.5, 315, 11, "Tustin Police Department"), (321.5, 315, 11, "IPD Stolen Vehicles"),
        (233, 370, 16, "Hot List Received"),
        (57, 400, 9.5, "The Irvine Police Department Agency is receiving Shared Hot List "
                       "records from the following Agencies:"),
        (47.5, 430, 12, "Agency:"), (296.5, 430, 12, "Hot List(s):"), (272, 455, 20, "None"),
        (6, 760, 10, foot.format(2)),
    ]
    return write_pdf(path_dir / "sharing-report.pdf", [page1, page2])


def devices_pdf(path_dir: Path) -> Path:
    blocks = [["Name", "[Federal] Test Agency (3 cameras)", "Relationship", "Access",
               "Search", "Enabled", "Hotlist Tool", "Disabled"],
              ["Name", "Springfield OR PD (12 cameras)", "Relationship", "Owner",
               "Search", "Enabled", "Hotlist Tool", "Enabled"],
              ["Name", "Partner County SO (7 cameras)", "Relationship", "Access",
               "Search", "Enabled", "Hotlist Tool", "Disabled"]]
    items, top = [(239.0, 31.0, 12.0, "Devices - Springfield OR PD")], 58.0
    for block in blocks:
        for i, text in enumerate(block):
            items.append((120, top, 5 if i % 2 == 0 else 7, text))
            top += 8.5
        top += 30
    return write_pdf(path_dir / "devices.pdf", [items])


def portal_html(*, csv_text: str | None = None, body_extra: str = "") -> str:
    """A saved transparency-portal page with a few cards and (optionally) an embedded CSV."""
    def card(label: str, value: str) -> str:
        return ('<div><div style="display:flex;flex-direction:column">'
                f'<p style="font-weight:700;margin:0">{label}</p>'
                f'<div style="font-weight:400;white-space:pre-line">{value}</div></div></div>')

    cards = [card("What's Detected", "License Plates, Vehicles"),
             card("Data Retention (days)", "30 days"),
             card("Number of LPR and other cameras", "1,024"),
             card("Hotlists Alerted On", "NCIC, CA DOJ SVS"),
             card("Organizations granted access to Mapleton CA PD data",
                  "Yuma AZ PD\nMesa AZ PD\n[Federal] Test Agency")]
    if csv_text is not None:
        uri = "data:text/csv;base64," + base64.b64encode(csv_text.encode()).decode()
        cards.append(card("Public Search Audit",
                          f'<a download="public_search_audit.csv" href="{uri}">Download</a>'))
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>Flock Safety - Mapleton CA PD Transparency Portal</title></head><body><div>"
            '<header><a href="https://www.flocksafety.com/?utm_medium=transparency_portal">Flock'
            "</a><h1>Mapleton CA PD</h1><p>Last Updated: <span>Mon Apr 27 2026</span></p></header>"
            f'<div id="usage"><h3>Usage</h3><div>{"".join(cards)}</div></div>{body_extra}'
            "</div></body></html>")


def portal_page(path_dir: Path) -> Path:
    csv_text = write_csv_bytes(TABLES["flock_portal_audit"][0].rows()[:8], newline="\n",
                               quote_all=False).decode()
    path = path_dir / "flock-portal_mapleton-ca-pd_2026-04-28.html"
    path.write_text(portal_html(csv_text=csv_text), encoding="utf-8")
    return path


#: Document seeds: name -> (container, writer).
DOCUMENTS: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "response_workbook": ("xlsx", response_workbook),
    "flock_portal_page": ("html", portal_page),
    "vigilant_hit_ratio": ("pdf", hit_ratio_pdf),
    "vigilant_detection_report": ("pdf", detection_pdf),
    "vigilant_sharing_report": ("pdf", sharing_report_pdf),
    "flock_devices_pdf": ("pdf", devices_pdf),
}

#: Real public records (read through conftest.fixture_file; absent ones skip): name -> kind.
FIXTURES: dict[str, str] = {
    "flock/constructed_network-audit_sample.csv": "csv",
    "flock/eugene-or-pd_portal-search-audit_2025.csv": "csv",
    "flock/eugene-or-pd_businesses-sharing-flock-data.csv": "csv",
    "flock/ocsd_flock-shared-networks_2025-12.xlsx": "xlsx",
    "flock/riverside-so_flock-event-log_cpra-c001586.xlsx": "xlsx",
    "vigilant/ocsd_vehiclemanager-users.xlsx": "xlsx",
    "flock/irvine-pd_flock-devices-sharing_2022.pdf": "pdf",
    "vigilant/ocsd_agency-data-sharing-report_2025-03-11.pdf": "pdf",
    "vigilant/ocsd_dashboard-hit-ratio-report_2019-2025.pdf": "pdf",
    "vigilant/ocsd_dashboard-detection-report_2019-2025.pdf": "pdf",
    "portal/flock-portal_oakland-ca-pd_2026-04-28.html": "html",
    "portal/flock-portal_los-altos-ca-pd_2026-04-26.html": "html",
}
