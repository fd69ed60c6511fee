"""A small store whose texts are hostile: formula, Typst and HTML payloads in search reasons,
people's names and the agency's name, plus real-looking personal values (names, e-mails,
plates, user ids) for the leak scanner to find when an output lets them through.

Built from the project's own synthetic Flock org audit (names, plates, reasons) and a Flock
user list written here, ingested the way an operator would.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from alpr_audit.ingest.pipeline import ingest_paths
from alpr_audit.requests.model import RecordsRequest, RequestItem
from alpr_audit.store import Store
from alpr_audit.synth.flock import write_audit_csv

#: spreadsheet formula payloads (OWASP CSV injection), as a search reason or a person's name
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
            "=cmd|' /C calc'!A0", "-1+1"]
#: Typst markup and code that would run if a template spliced text instead of quoting it
TYPST = ['#sys.exit', '#read("/etc/passwd")', '#import "/etc/hosts"', "]", "$x^2$",
         "\\", "#{panic(\"x\")}", "*bold* _it_ `raw` <lbl> @ref"]
HTML = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']
PAYLOADS = FORMULAS + TYPST + HTML
#: the agency's name carries payloads too (the registry keeps names as written)
AGENCY = '=HYPERLINK("http://x","y") #sys.exit <b>Police</b> Department'
USERS = [  # first, last, e-mail
    ("Evelyn", "Quarterman", "evelyn.quarterman@pd.example.gov"),
    ("=HYPERLINK(\"http://x\",\"y\")", "Formula", "formula.user@pd.example.gov"),
    ("#sys.exit", "Typstman", "typst.user@pd.example.gov"),
    ("<script>alert(1)</script>", "Htmlson", "html.user@pd.example.gov"),
    ("Bartholomew", "Okonkwo-Reyes", "b.okonkwo@pd.example.gov"),
]
USER_HEADER = ["First Name", "Last Name", "Email", "Phone", "Title", "Role",
               "Identity Provider", "User Mgmt", "Search", "Hotlist Tool", "Last Login"]


def org_audit(path: Path, rows: int = 300, seed: int = 5) -> Path:
    """A synthetic Flock org audit whose first reasons (and a name) are payloads."""
    write_audit_csv(path, rows, seed=seed, log_kind="org", publisher="Mapleton CA PD",
                    start=dt.datetime(2025, 1, 1))
    with path.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    reason = table[0].index("Reason")
    name_col = next(i for i, h in enumerate(table[0]) if h.lower() in ("name", "user"))
    for row, payload in zip(table[1:], PAYLOADS, strict=False):
        row[reason] = payload
    for row, user in zip(table[1 + len(PAYLOADS):], USERS, strict=False):  # some searches by listed users
        row[name_col] = f"{user[0]} {user[1]}"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(table)
    return path


def user_list(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(USER_HEADER)
        for first, last, email in USERS:
            w.writerow([first, last, email, "", "Officer", "User", "Okta", "Disabled",
                        "Enabled", "Enabled", "2025-01-02 10:00:00"])
    return path


def build(root: Path) -> tuple[Path, list[Path]]:
    """Write the files and ingest them into ``root/store``; returns (store dir, files)."""
    files = [org_audit(root / "org-audit.csv"), user_list(root / "users.csv")]
    with Store.open(root / "store") as store:
        results = ingest_paths(store, files, agency=AGENCY)
    bad = [r.message for r in results if r.status != "ingested"]
    assert not bad, bad
    return root / "store", files


def request() -> RecordsRequest:
    """A records request asking for the access log and the user list."""
    items = [RequestItem("A7", "All records of access to ALPR data", "access_records",
                         dt.date(2024, 1, 1)),
             RequestItem("R1", "Officers with authorized access to ALPR systems", "users")]
    return RecordsRequest("ALPR access records", agency=AGENCY, tracking_no="25-0001",
                          received_on=dt.date(2025, 2, 10), items=items)
