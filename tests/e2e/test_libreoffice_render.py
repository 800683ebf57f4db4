"""Every tab of a blank hub as LibreOffice renders it: each header fits its column at the template's
widths (LibreOffice's own text measure, filter button included), in the named header font, and every
tab prints landscape, one page wide, its header row repeated. The printed pages are also rasterised
to PNG (pypdfium2; kept beside the PDF in the test's tmp folder) and each header's ink must end
before its column's right edge, as a person looking at the page would check it."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from hub_schema import TABS
from hub_schema.template import build_template
from hub_schema.widths import HEADER_FONT_NAME
from tests.e2e.test_libreoffice import PROBE, UNO_PYTHON, _libreoffice_ready

pytestmark = pytest.mark.slow  # LibreOffice renders every tab, twice

SHEETS = [*(t.name for t in TABS), "Lists"]
A4_LANDSCAPE = (841.89, 595.28)
PNG_DPI = 300
# A header LibreOffice had to clip ends where its cell does; one that fits leaves at least the
# filter button's room (which the printout does not draw). 1 mm of the sheet tells them apart.
MIN_INK_GAP = 100  # 1/100 mm of the sheet


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


def _header_ink(png: Path) -> np.ndarray:
    """Which pixel columns of the page carry ink in its first line of text (the header row)."""
    dark = np.asarray(Image.open(png).convert("L")) < 128
    inked = np.flatnonzero(dark.any(axis=1))
    top = inked[0]
    bottom = top + (np.flatnonzero(~dark[top:].any(axis=1))[0])
    return dark[top:bottom].any(axis=0)


def _runs(ink: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(first, last) pixel of each run of ink separated by more than `gap` blank pixels: a header."""
    xs = np.flatnonzero(ink)
    breaks = [i for i in range(1, len(xs)) if xs[i] - xs[i - 1] > gap]
    bounds = [0, *breaks, len(xs)]
    return [(int(xs[a]), int(xs[b - 1])) for a, b in itertools.pairwise(bounds)]


def _ink_past_the_edge(seen: dict, pdf: Path) -> list[str]:
    """Each page rasterised to PNG beside `pdf`; a header whose ink comes within MIN_INK_GAP of its
    column's right edge (or runs into the next header). The columns' edges are the probe's widths,
    placed and scaled on the page by where the first and the last header's ink begins."""
    problems = []
    for number, (sheet, tab) in enumerate(seen.items()):
        png = pdf.with_name(f"{pdf.stem}-{number:02d}-{sheet}.png")
        pdfium.PdfDocument(pdf)[number].render(scale=PNG_DPI / 72).to_pil().save(png)
        runs = _runs(_header_ink(png), gap=int(PNG_DPI / 25.4))  # words are closer than 1 mm
        widths = [c["width"] for c in tab["columns"]]
        lefts = [sum(widths[:k]) for k in range(len(widths))]
        first, scale = runs[0][0], (runs[-1][0] - runs[0][0]) / lefts[-1]  # pixels per 1/100 mm
        for left, width, column in zip(lefts, widths, tab["columns"], strict=True):
            lo, hi = first + left * scale - 2, first + (left + width) * scale - 2
            ends = [end for start, end in runs if lo <= start < hi]
            gap = (first + (left + width) * scale - max(ends)) / scale if ends else None
            if gap is None or gap < MIN_INK_GAP:
                where = "no ink of its own" if gap is None else f"ink {gap / 100:.1f} mm from the edge"
                problems.append(f"{sheet}!{column['header']}: {where}")
    return problems


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


def test_every_header_s_ink_ends_before_its_column_s_right_edge_on_the_printed_page(rendered):
    """Rasterised to PNG, every tab's printed page shows each header's letters ending at least 1 mm
    (of the sheet) before its column's right edge: no header runs into, or is cut at, its border."""
    seen, pdf = rendered
    assert not _ink_past_the_edge(seen, pdf)
    assert len(list(pdf.parent.glob("*.png"))) == len(SHEETS)


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
    seen = _render(hub, tmp_path / "hub.pdf")
    problems = _too_narrow(seen)
    assert len(problems) == 1 and problems[0].startswith("Accounts!Company Name:")
    accounts = {"Accounts": seen["Accounts"]}  # the first page: the ink check sees the same column
    on_the_page = _ink_past_the_edge(accounts, tmp_path / "hub.pdf")
    assert on_the_page and on_the_page[0].startswith("Accounts!Company Name:")
