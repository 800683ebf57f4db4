"""Every tab of a blank hub as LibreOffice renders it: each header fits its column at the template's
widths (LibreOffice's own text measure, filter button included), in the named header font, and every
tab prints landscape, one page wide, its header row repeated."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from hub_schema import TABS
from hub_schema.template import build_template
from hub_schema.widths import HEADER_FONT_NAME
from tests.e2e.test_libreoffice import PROBE, UNO_PYTHON, _libreoffice_ready

pytestmark = pytest.mark.slow  # LibreOffice renders every tab, twice

SHEETS = [*(t.name for t in TABS), "Lists"]
A4_LANDSCAPE = (841.89, 595.28)


def _render(hub: Path, pdf: Path) -> dict:
    out = subprocess.run(
        [UNO_PYTHON, str(PROBE), "--headers", str(hub), str(pdf)],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    return json.loads(out.stdout)


def _too_narrow(seen: dict) -> list[str]:
    return [
        f"{sheet}!{c['header']}: column {c['width'] / 100:.1f} mm, header needs {c['needed'] / 100:.1f} mm"
        for sheet, tab in seen.items()
        for c in tab["columns"]
        if c["needed"] > c["width"]
    ]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[dict, Path]:
    if not _libreoffice_ready():
        pytest.skip("LibreOffice with python3-uno is not installed")
    folder = tmp_path_factory.mktemp("render")
    hub = build_template(folder / "hub.xlsx")
    return _render(hub, folder / "hub.pdf"), folder / "hub.pdf"


def test_every_header_fits_its_column_in_libreoffice(rendered):
    """In LibreOffice no header of any tab is wider than its column at the template's widths, and
    every header is in the named bold header font."""
    seen, _ = rendered
    assert list(seen) == SHEETS
    assert not _too_narrow(seen)
    for sheet, tab in seen.items():
        assert {(c["font"], c["bold"]) for c in tab["columns"]} == {(HEADER_FONT_NAME, True)}, sheet


def test_every_tab_prints_landscape_one_page_wide_with_its_header_repeated(rendered):
    """LibreOffice prints each tab landscape on A4, scaled to one page wide with row 1 repeated, so the
    blank hub prints as one landscape page per tab."""
    seen, pdf = rendered
    for sheet, tab in seen.items():
        assert (tab["landscape"], tab["pages_wide"], tab["title_rows"]) == (True, 1, [0, 0]), sheet
    pages = PdfReader(pdf).pages
    assert len(pages) == len(SHEETS)
    for page in pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_LANDSCAPE, abs=2)


def test_a_column_made_too_narrow_is_caught(tmp_path):
    """The check measures what LibreOffice draws: the same hub with one column shrunk below its header
    fails on exactly that column."""
    if not _libreoffice_ready():
        pytest.skip("LibreOffice with python3-uno is not installed")
    hub = build_template(tmp_path / "hub.xlsx")
    wb = load_workbook(hub)
    wb["Accounts"].column_dimensions["B"].width = 9  # "Company Name"
    wb.save(hub)
    problems = _too_narrow(_render(hub, tmp_path / "hub.pdf"))
    assert len(problems) == 1 and problems[0].startswith("Accounts!Company Name:")
