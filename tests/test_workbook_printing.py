"""Every workbook the app hands out prints as it is: no column cut off the page, no instruction running off its edge.

The office prints the 奖励发放表 for finance and the 表彰名单 for the leaders from WPS or LibreOffice, and a unit
prints an import template's 填写说明 to fill it in by hand first. Each workbook of test_spreadsheet_formulas' cases
(every maker of an .xlsx, a test there checks) is downloaded from a finished demo year and

- carries its print setup on each sheet shown: A4, one page wide (fitToWidth=1, fitToHeight=0), the header row
  repeated on each page, 第 &P 页 共 &N 页 in the footer, landscape exactly when the columns are wide;
- printed to PDF by LibreOffice (headless, as WPS would lay it out): each page starting with a sheet's repeated
  header holds its last column's header too, every page of a table starts with some sheet's header (columns
  pushed to a page of their own would start it otherwise), page 1 says 第 1 页 共 n 页, and each line of a
  填写说明 reads whole.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from conftest import ON_SQLITE
from flask.testing import FlaskClient
from test_spreadsheet_formulas import CASES, Made

from app.spreadsheets.template import GENERAL_NOTES, INSTRUCTIONS
from reports import cells

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
_SPACE = re.compile(r"\s+")


@pytest.fixture
def workbooks(finished_year: object, client: FlaskClient, as_user: Callable[[str], None]) -> list[Made]:
    """Every .xlsx of every case, from the demo county's finished 2025."""
    current: list[str] = []

    def sign_in(name: str) -> None:  # once per user: the sign-in form is rate limited
        if current != [name]:
            as_user(name)
            current[:] = [name]

    found = [made for _, fetch in CASES.values() for made in fetch(client, sign_in) if made.data[:2] == b"PK"]
    assert len(found) >= 20
    return found


def _shown(data: bytes) -> list[openpyxl.worksheet.worksheet.Worksheet]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [ws for ws in book.worksheets if ws.sheet_state == "visible"]


def _header(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[str]:
    return [str(c.value) for c in ws[1] if c.value not in (None, "")]


def test_every_sheet_shown_prints_one_page_wide_with_its_header_and_page_numbers(workbooks: list[Made]) -> None:
    sheets = 0
    for made in workbooks:
        for ws in _shown(made.data):
            where = f"{made.label} {ws.title}"
            setup = ws.page_setup
            assert ws.sheet_properties.pageSetUpPr.fitToPage, f"{where}: not fitted to the page"
            assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), f"{where}: not one page wide"
            assert setup.paperSize == 9, f"{where}: not A4"
            assert ws.oddFooter.center.text == "第 &P 页 共 &N 页", f"{where}: no page numbers"
            if ws.title != INSTRUCTIONS:
                assert ws.print_title_rows == "$1:$1", f"{where}: its header is not repeated on each page"
            widths = sum(ws.column_dimensions[c.column_letter].width or cells.DEFAULT_WIDTH for c in ws[1])
            wide = widths > cells.PORTRAIT_WIDTH
            assert setup.orientation == ("landscape" if wide else "portrait"), f"{where}: {widths} wide"
            sheets += 1
    assert sheets >= len(workbooks)


def _printed(workbooks: list[Made], folder: Path) -> dict[str, list[str]]:
    """Each workbook printed to PDF by LibreOffice: label → its pages' text without blanks."""
    names = {}
    for number, made in enumerate(workbooks):
        path = folder / f"{number:03d}.xlsx"
        path.write_bytes(made.data)
        names[made.label] = path
    profile = folder / "profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, names.values())],
                   check=True, capture_output=True, timeout=600)
    pages = {}
    for label, path in names.items():
        pdf = path.with_suffix(".pdf")
        assert pdf.is_file(), f"{label}: LibreOffice printed nothing"
        text = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True).stdout
        pages[label] = [_SPACE.sub("", page) for page in text.decode("utf-8").split("\f")[:-1]]
    return pages


@pytest.mark.slow
@pytest.mark.skipif(not ON_SQLITE, reason="run once per CI run, on SQLite: how a workbook prints does not depend on "
                    "the database it was made from (test_reviews_golden checks both give the same results)")
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install "
                    "libreoffice-calc-nogui, as .ci/run does")
@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext is not installed: apt-get install poppler-utils")
def test_libreoffice_prints_every_column_of_every_workbook_on_the_page(workbooks: list[Made], tmp_path: Path) -> None:
    printed = _printed(workbooks, tmp_path)
    checked = 0
    for made in workbooks:
        pages = printed[made.label]
        assert pages, f"{made.label}: no page printed"
        assert all(pages), f"{made.label}: a blank page (a column or a margin pushed off the sheet?)"
        pages_of: dict[int, str] = {}  # page → the sheet whose repeated header starts it
        for ws in _shown(made.data):
            if ws.title == INSTRUCTIONS:
                for line in GENERAL_NOTES:
                    assert any(_SPACE.sub("", line) in page for page in pages), \
                        f"{made.label} {INSTRUCTIONS}: {line!r} does not read whole"
                continue
            header = [_SPACE.sub("", h) for h in _header(ws)]
            first, last = header[0], header[-1]
            own = [n for n, page in enumerate(pages, 1) if page.startswith(first)]
            assert own, f"{made.label} {ws.title}: no page starts with its header {first!r}"
            cut = [n for n in own if last not in pages[n - 1]]
            assert not cut, f"{made.label} {ws.title}: page(s) {cut} lack the last column {last!r}"
            pages_of.update(dict.fromkeys(own, ws.title))
            checked += 1
        if not any(ws.title == INSTRUCTIONS for ws in _shown(made.data)):
            stray = [n for n in range(1, len(pages) + 1) if n not in pages_of]
            assert not stray, f"{made.label}: page(s) {stray} start with no sheet's header (columns cut off?)"
        assert "第1页共" in pages[0], f"{made.label}: no page number in the footer"
    assert checked >= len(workbooks)
