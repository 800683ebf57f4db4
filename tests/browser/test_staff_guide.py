"""`cxhub guide`: the staff guide prints on exactly one A4 page from the Form's own questions, and
reads on a phone without sideways scrolling."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from cxhub.cli import main
from cxhub.guide import guide_html, print_pdf
from hub_schema.form import questions
from tests.browser.conftest import CHROMIUM, PHONE, SMALL_TABLET, assert_no_horizontal_overflow

pytestmark = pytest.mark.slow  # headless Chromium prints PDFs

A4_POINTS = (595.28, 841.89)  # 210 x 297 mm


@pytest.fixture(scope="module")
def chromium() -> str:
    if not CHROMIUM.exists():
        if os.environ.get("CXHUB_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"CXHUB_REQUIRE_CHROMIUM=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is not installed")
    return str(CHROMIUM)


def _pages(pdf: Path) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_cxhub_guide_writes_one_a4_page_naming_every_form_question(chromium, tmp_path, capsys):
    """`cxhub guide` writes an HTML and a PDF guide; the PDF is exactly one A4 page and names every
    question the Form has today, so a question added to form.toml shows up and must still fit."""
    assert main(["guide", "--out", str(tmp_path), "--browser", chromium]) == 0
    assert "staff-guide.pdf" in capsys.readouterr().out
    pages = _pages(tmp_path / "staff-guide.pdf")
    assert len(pages) == 1, f"the guide runs to {len(pages)} pages"
    assert pages[0] == pytest.approx(A4_POINTS, abs=1.5)
    text = _flat(PdfReader(tmp_path / "staff-guide.pdf").pages[0].extract_text())
    for rule in ("Search first", "Standard naming", "Log every interaction"):
        assert rule in text
    missing = [q.title for q in questions() if _flat(q.title) not in text]
    assert not missing, f"questions missing from the printed guide: {missing}"


def test_the_guide_has_room_for_more_questions_on_its_page(chromium, tmp_path):
    """With eight more questions than the Form has today (each with a long help line) the guide still
    prints on one A4 page: the Form can grow without the guide spilling over."""
    extra = [
        replace(
            questions()[0],
            key=f"extra_{n}",
            title=f"An added question number {n} about the customer",
            help="A help line as long as the Form's longest, naming what to write and what to leave out",
            choices=None,
            type="text",
        )
        for n in range(8)
    ]
    html = tmp_path / "guide.html"
    html.write_text(guide_html([*questions(), *extra]), encoding="utf-8")
    pages = _pages(print_pdf(html, tmp_path / "guide.pdf", chromium))
    assert len(pages) == 1, f"{len(questions()) + 8} questions run to {len(pages)} pages"


def test_a_guide_too_long_for_a_page_is_caught(chromium, tmp_path):
    """The page count really is read: a Form four times as long prints on more than one page."""
    html = tmp_path / "guide.html"
    html.write_text(guide_html(list(questions()) * 4), encoding="utf-8")
    assert len(_pages(print_pdf(html, tmp_path / "guide.pdf", chromium))) > 1


def test_the_guide_reads_on_a_phone_and_a_small_tablet(page_at, tmp_path):
    """The HTML guide fits a 375 px phone and a 640 px tablet without sideways scrolling."""
    html = tmp_path / "staff-guide.html"
    html.write_text(guide_html(), encoding="utf-8")
    for width in (PHONE, SMALL_TABLET):
        page = page_at(width)
        page.goto(html.as_uri())
        assert page.get_by_text("Search first").is_visible()
        assert_no_horizontal_overflow(page)
