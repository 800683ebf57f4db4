"""`cxhub guide`: the strategy's one-page guide for staff, written from the schema itself.

The Form's questions come from hub_schema/form.toml in the Form's order, the reminder buttons from
hub.actions.rules, the response standard from hub.defaults: when the Form changes, the next
`cxhub guide` says so, and the guide never drifts from what staff see. The HTML is printed to an A4
PDF by a headless Chromium (the one the browser tests use); tests/browser/test_staff_guide.py
checks that it stays one page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hub import defaults
from hub.actions.rules import LABEL, SNOOZE_DAYS
from hub.intake.notify import FORM_NAME
from hub.rendering import environment
from hub_schema.form import Question, questions

TEMPLATE = "staff_guide.html.j2"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "microsoft-edge")
_FIRST_SENTENCE = re.compile(r"(?<![a-z]\.[a-z])\.\s+(?=[A-Z])")  # not inside "e.g. INT-1"
_MOST_OPTIONS = 4  # a choice question's line names this many options, then "…"

_HINTS = {
    "date": "dd/mm/yyyy",
    "time": "24-hour clock, e.g. 14:30",
    "email": "an email address",
    "phone": "e.g. 0803 123 4567",
    "money": "naira, figures only",
    "rating": "1 (poor) to 5 (excellent)",
    "long_text": "in your own words",
    "text": "",
}


@dataclass(frozen=True)
class GuideLine:
    """One Form question as the guide shows it: its title and one line on how to answer."""

    title: str
    hint: str
    required: bool
    section: str


def guide_lines(form: Sequence[Question]) -> list[GuideLine]:
    """Each question, in the Form's order, with one line: its help text, else its options or format."""
    return [GuideLine(q.title, _hint(q), q.required, q.section) for q in form]


def _hint(q: Question) -> str:
    if q.help:
        return _FIRST_SENTENCE.split(q.help)[0].rstrip(".")  # one line each: the first sentence
    if q.options:
        shown = ", ".join(q.options[:_MOST_OPTIONS])
        return f"pick one: {shown}{', …' if len(q.options) > _MOST_OPTIONS else ''}"
    return _HINTS.get(q.type, "")


def guide_html(form: Sequence[Question] | None = None) -> str:
    """The guide as one self-contained HTML page (print CSS sets A4), from the Form's questions."""
    lines = guide_lines(form if form is not None else questions())
    sections: dict[str, list[GuideLine]] = {}
    for line in lines:
        sections.setdefault(line.section or "Questions", []).append(line)
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            form_name=FORM_NAME,
            sections=sections,
            count=len(lines),
            response_hours=f"{defaults.RESPONSE_HOURS:g}",
            done=LABEL["done"],
            snooze=LABEL["snooze"],
            handover=LABEL["handover"],
            snooze_days=", ".join(str(d) for d in SNOOZE_DAYS),
        )
    )


class GuideError(RuntimeError):
    """The PDF could not be printed (the HTML is written first, so it is there anyway)."""


class NoBrowser(GuideError):
    """No Chromium to print the PDF with."""


def find_browser(given: str | None = None) -> str:
    """The Chromium to print with: the one given, else the first found on PATH."""
    for name in (given,) if given else BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise NoBrowser(
        f"no Chromium found ({given or ', '.join(BROWSERS)}); install chromium or pass --browser PATH "
        "(the HTML guide is written anyway)"
    )


def print_pdf(html_path: Path, pdf_path: Path, browser: str, *, timeout: float = 120) -> Path:
    """Print `html_path` to `pdf_path` with headless Chromium; the page's CSS sets A4 and margins."""
    with tempfile.TemporaryDirectory(prefix="cxhub-guide-") as profile:
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",  # root in containers and CI; the page is our own file
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf_path}",
                html_path.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if result.returncode != 0 or not pdf_path.exists():
        raise GuideError(f"{browser} could not print the guide: {result.stderr.strip()[-500:]}")
    return pdf_path


def write_guide(out_dir: Path, *, browser: str | None = None, pdf: bool = True) -> list[Path]:
    """Write staff-guide.html (and staff-guide.pdf) into `out_dir`; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "staff-guide.html"
    html_path.write_text(guide_html(), encoding="utf-8")
    if not pdf:
        return [html_path]
    return [html_path, print_pdf(html_path, out_dir / "staff-guide.pdf", find_browser(browser))]
