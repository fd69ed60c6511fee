"""How often the agency registry gets a real agency list's states right.

Ground truth comes from real public records that state each agency's state next to its name:
- the Eugene PD list of agencies and businesses sharing Flock data (`Name,State,Type`);
- the OCSD Vigilant Agency Data Sharing Report, whose "Detections Received" table gives
  `Agency | City | State` (names there are mostly without a state: "Riverside Police
  Department").
Each name is parsed alone (no other evidence); a state is right, wrong or unknown. The
target (issue 3): ≥ 95 % right, ≤ 10 % unknown. Run: python benchmarks/agency_states.py
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from alpr_audit.agencies.names import parse_agency_name
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.store import Store

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def eugene() -> list[tuple[str, str]]:
    path = FIXTURES / "flock" / "eugene-or-pd_businesses-sharing-flock-data.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return [(r["Name"], r["State"].strip()) for r in csv.DictReader(fh)
                if len(r["State"].strip()) == 2 and r["State"].strip().isalpha()]


def vigilant_received() -> list[tuple[str, str]]:
    path = FIXTURES / "vigilant" / "ocsd_agency-data-sharing-report_2025-03-11.pdf"
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s") as store:
        ingest_file(store, path)
        rows = store.query("""SELECT partner_name_raw AS name,
            [substr(f, 7) FOR f IN flags IF starts_with(f, 'state:')][1] AS state
            FROM sharing WHERE direction = 'in' AND data_kind = 'detections'""")
    return [(r["name"], r["state"]) for r in rows if r["state"] and len(r["state"]) == 2]


def registry_after_ingest() -> list[tuple[str, str, str]]:
    """(name, truth, state in the registry) after ingesting the Vigilant report, where the
    report's own State column is evidence for names that carry none."""
    path = FIXTURES / "vigilant" / "ocsd_agency-data-sharing-report_2025-03-11.pdf"
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s") as store:
        ingest_file(store, path)
        rows = store.query("""SELECT s.partner_name_raw AS name,
            [substr(f, 7) FOR f IN s.flags IF starts_with(f, 'state:')][1] AS truth, a.state
            FROM sharing s JOIN agencies a ON a.agency_id = s.partner_agency_id
            WHERE s.direction = 'in' AND s.data_kind = 'detections'""")
    return [(r["name"], r["truth"], r["state"]) for r in rows if r["truth"] and len(r["truth"]) == 2]


def score(pairs: list[tuple[str, str]]) -> dict[str, object]:
    outcome: Counter[str] = Counter()
    wrong = []
    for name, truth in pairs:
        got = parse_agency_name(name).state
        kind = "unknown" if got == "unknown" else "right" if got == truth else "wrong"
        outcome[kind] += 1
        if kind == "wrong":
            wrong.append(f"{name} → {got} (list says {truth})")
    n = len(pairs)
    return {"names": n, "right": outcome["right"], "wrong": outcome["wrong"],
            "unknown": outcome["unknown"], "right_pct": round(100 * outcome["right"] / n, 1),
            "unknown_pct": round(100 * outcome["unknown"] / n, 1), "wrong_examples": wrong}


def main() -> None:
    if not FIXTURES.exists():
        sys.exit("needs ../shared/fixtures")
    result = {"eugene_flock_list": score(eugene()),
              "ocsd_vigilant_received": score(vigilant_received())}
    both = eugene() + vigilant_received()
    result["all_names_alone"] = score(both)
    stored = registry_after_ingest()
    right = sum(1 for _, t, s in stored if s == t)
    result["ocsd_vigilant_received_in_registry"] = {
        "names": len(stored), "right": right,
        "unknown": sum(1 for _, _, s in stored if s == "unknown"),
        "right_pct": round(100 * right / len(stored), 1)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
