"""The staff guide is written from the Form's definition: its questions, in order, one line each."""

from __future__ import annotations

import re
from html import unescape

from cxhub.guide import guide_html, guide_lines
from hub_schema.form import questions


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_guide_lists_the_forms_questions_in_the_forms_order():
    """Every question of form.toml appears in the guide once, in the Form's order, with its required mark."""
    html = guide_html()
    text = _text(html)
    at = [text.find(re.sub(r"\s+", " ", q.title)) for q in questions()]
    assert -1 not in at, [q.title for q, i in zip(questions(), at, strict=True) if i < 0]
    assert at == sorted(at)
    assert html.count('class="req"') == sum(q.required for q in questions()) + 1  # + the legend
    assert f"{len(questions())} questions" in text


def test_each_question_gets_one_short_line():
    """A question's line is its help's first sentence (an "e.g." does not end it), else its options or its
    format, never a paragraph."""
    lines = {line.title: line.hint for line in guide_lines(questions())}
    follow_up = next(q for q in questions() if q.key == "follow_up_of")
    assert lines[follow_up.title].endswith("e.g. INT-000123")
    division = next(q for q in questions() if q.key == "division")
    assert lines[division.title].startswith("pick one: " + ", ".join(division.options[:2]))
    assert all(len(hint) <= 170 and "\n" not in hint for hint in lines.values())


def test_the_guide_carries_the_rules_and_what_follows_a_submission():
    """The guide names the three golden rules, what happens after submitting and the reminder buttons."""
    text = _text(guide_html())
    for words in (
        "Search first",
        "Standard naming",
        "Log every interaction",
        "After you submit",
        "When a reminder comes",
        "Mark done",
        "Snooze",
        "Hand over",
    ):
        assert words in text


def test_without_a_browser_the_html_is_written_and_the_error_says_what_to_do(tmp_path, capsys):
    """`cxhub guide` with no Chromium to print with writes the HTML guide and exits 2, naming --browser."""
    from cxhub.cli import main

    assert main(["guide", "--out", str(tmp_path), "--browser", "no-such-chromium"]) == 2
    assert "--browser" in capsys.readouterr().err
    assert "Search first" in (tmp_path / "staff-guide.html").read_text(encoding="utf-8")
    assert not (tmp_path / "staff-guide.pdf").exists()
