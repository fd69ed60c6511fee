"""No spreadsheet formula and no Typst code can run from anything the project writes.

The store of ``payload_world`` holds formula payloads (``=HYPERLINK(…)``, ``+1``, ``-2+3``,
``@SUM(A1)``, ``=cmd|…``), Typst markup and code (``#sys.exit``, ``#read("/etc/passwd")``,
``#import``, ``]``, ``$…$``, backslashes) and HTML in search reasons, people's names and the
agency's name. Every CSV and XLSX cell of the audit report and of the response packet — in the
default mode and with every personal field released — is read back and checked; the PDFs must
compile and show the payloads as text.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import payload_world as W
import pypdfium2
import pytest
from python_calamine import CalamineWorkbook

from alpr_audit.outputs.safe import needs_quote
from outputs import payload_outputs  # noqa: F401 - the fixture

NEUTRALISED = re.compile(r"^'[=+\-@\t\r]")


def _files(outputs, suffix: str) -> list[Path]:  # noqa: ANN001
    return sorted(p for d in (outputs.default, outputs.opted_in) for p in d.rglob(f"*{suffix}"))


def csv_cells(path: Path) -> Iterator[str]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            yield from row


def xlsx_cells(path: Path) -> Iterator[str]:
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python():
            yield from (c for c in row if isinstance(c, str))


def test_no_csv_cell_can_run_as_a_formula(payload_outputs) -> None:  # noqa: ANN001
    files = _files(payload_outputs, ".csv")
    assert len(files) >= 6  # findings.csv and the packet's item CSVs, both modes
    neutralised = 0
    for path in files:
        for cell in csv_cells(path):
            assert not needs_quote(cell), f"{path.name}: {cell!r}"
            neutralised += bool(NEUTRALISED.match(cell))
    # the payloads did reach the CSVs (a test of nothing would pass too)
    assert neutralised >= len(W.FORMULAS)


def test_no_xlsx_cell_is_a_formula_or_reads_as_one(payload_outputs) -> None:  # noqa: ANN001
    files = _files(payload_outputs, ".xlsx")
    assert len(files) == 4  # findings.xlsx and response.xlsx, both modes
    neutralised = 0
    for path in files:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.startswith("xl/worksheets/"):
                    xml = zf.read(member).decode("utf-8")
                    assert not re.search(r"<f[ >]", xml), f"{path.name}!{member} has a formula"
        for cell in xlsx_cells(path):
            assert not needs_quote(cell), f"{path.name}: {cell!r}"
            neutralised += bool(NEUTRALISED.match(cell))
    assert neutralised >= len(W.FORMULAS)


def _pdf_text(path: Path) -> str:
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_typst_markup_in_the_data_prints_as_written_and_never_runs(payload_outputs) -> None:  # noqa: ANN001
    pdfs = _files(payload_outputs, ".pdf")
    assert len(pdfs) == 4  # audit report and cover letter, both modes: all compiled
    text = {p: _pdf_text(p) for p in pdfs}
    for path, body in text.items():
        assert "root:x:0:0" not in body  # #read("/etc/passwd") did not run
        assert "#sys.exit" in body, path  # the agency's name, as written
    report = next(b for p, b in text.items() if p.name == "audit-report.pdf")
    # the reasons of the purpose findings' evidence, in the report's detail tables
    for payload in ('#read("/etc/passwd")', "$x^2$", '#{panic("x")}', "<b>Police</b>"):
        assert payload in report.replace("\r", ""), payload


def test_portal_html_shows_markup_in_the_data_as_text(payload_outputs, cli, tmp_path: Path) -> None:  # noqa: ANN001
    """Cross-check of the portal's own escaping tests with this store's payloads."""
    import shutil

    import lxml.html

    if cli("portal", "build", "--help").code != 0:
        pytest.skip("alpr-audit portal build has not landed yet")
    store = tmp_path / "store"
    shutil.copytree(payload_outputs.store, store)
    res = cli("--store", store, "portal", "build", "--out", tmp_path / "portal")
    assert res.code == 0, res.stderr
    pages = sorted((tmp_path / "portal").rglob("*.html"))
    assert pages
    shown = False
    for page in pages:
        root = lxml.html.fromstring(page.read_bytes())
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            assert not any(a.lower().startswith("on") for a in el.attrib), (page.name, el.attrib)
            if el.tag == "script":
                assert "alert(" not in (el.text or ""), page.name
            if el.tag == "b":
                assert "Police" not in (el.text or ""), page.name  # the agency name's <b>
        shown = shown or "<b>Police</b>" in root.text_content()
    assert shown  # the agency's name, markup and all, is on a page as text
