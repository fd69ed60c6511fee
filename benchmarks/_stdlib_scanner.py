"""A plain-Python reference: what a stdlib csv + regex scanner of a network audit costs.

It reads every record with the csv module, parses the search time and both time-frame ends
with datetime.strptime and tests the redaction pattern on four text cells — a fraction of
what alpr-audit does (no de-duplication, no rejects table, no output) — so its time is a
lower bound for row-by-row Python normalisation. Run: python _stdlib_scanner.py FILE
"""

from __future__ import annotations

import csv
import re
import sys
from datetime import datetime

MARKER = re.compile(r"\*{3,}|#{3,}|\[?redacted\]?|\d{4}\.\d{3}\s*GC", re.I)
FMT = "%m/%d/%Y, %I:%M:%S %p UTC"


def main(path: str) -> int:
    n = 0
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader)]
        col = {h: i for i, h in enumerate(header)}
        st, tf = col["Search Time"], col["Time Frame"]
        texts = [col[h] for h in ("Name", "License Plate", "Reason", "Org Name")]
        for row in reader:
            datetime.strptime(row[st].strip(), FMT)
            a, _, b = row[tf].partition("\n") if "\n" in row[tf] else row[tf].partition(" to ")
            try:
                datetime.strptime(a.strip(), FMT), datetime.strptime(b.strip(), FMT)
            except ValueError:
                pass
            for i in texts:
                MARKER.fullmatch(row[i].strip())
            n += 1
    return n


if __name__ == "__main__":
    print(main(sys.argv[1]))
