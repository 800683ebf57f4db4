"""The Microsoft Forms question set, loaded from form.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from hub_schema.lists import LISTS

# Choice questions whose options are rows of a tab the steward keeps, not a fixed list: the Form's
# options are updated from the tab, intake takes the answer as text, the writer matches it.
TAB_CHOICES: dict[str, str] = {"Campaigns": "Campaign Name"}

QuestionType = Literal["text", "long_text", "choice", "date", "time", "email", "phone", "money", "rating"]
_TYPES = frozenset(QuestionType.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Question:
    key: str
    title: str
    label: str
    type: QuestionType
    required: bool = False
    choices: str | None = None  # a list name in LISTS, or a tab in TAB_CHOICES
    max_length: int | None = None
    section: str = ""
    help: str = ""

    @property
    def options(self) -> tuple[str, ...]:
        return LISTS.get(self.choices or "", ())


def answer_key(text: str) -> str:
    """How answer keys and question titles are compared: case, spaces and punctuation ignored."""
    return re.sub(r"[\W_]+", "", text.casefold())


@cache
def questions() -> tuple[Question, ...]:
    return _load("form.toml")


@cache
def feedback_questions() -> tuple[Question, ...]:
    """The pilot's staff feedback Form (feedback.toml), declared as form.toml is."""
    return _load("feedback.toml")


def _load(file: str) -> tuple[Question, ...]:
    raw = tomllib.loads(resources.files("hub_schema").joinpath(file).read_text("utf-8"))
    out = []
    for item in raw["question"]:
        q = Question(**item)
        if q.type not in _TYPES:
            raise ValueError(f"{file}: question {q.key!r} has unknown type {q.type!r}")
        known = q.choices in LISTS or q.choices in TAB_CHOICES
        if (q.type == "choice") != (q.choices is not None) or (q.choices and not known):
            raise ValueError(f"{file}: question {q.key!r} must name one of the hub's lists")
        out.append(q)
    keys = [q.key for q in out]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{file} declares a question key twice")
    return tuple(out)


@cache
def question_by_key() -> dict[str, Question]:
    return {q.key: q for q in questions()}


@cache
def answer_lookup() -> dict[str, str]:
    """Normalised canonical key or title -> canonical key."""
    lookup: dict[str, str] = {}
    for q in questions():
        for name in (q.key, q.title):
            lookup[answer_key(name)] = q.key
    return lookup


def as_markdown(feedback: bool = False) -> str:
    """The question set as a checklist an admin follows while building the Form (the pilot's staff
    feedback Form with `feedback`)."""
    title = "Pilot feedback from staff" if feedback else "Log a customer interaction"
    lines = [f'# CX Hub — "{title}" form', ""]
    section = None
    for n, q in enumerate(feedback_questions() if feedback else questions(), 1):
        if q.section != section:
            section = q.section
            lines += ["", f"## Section: {section}", ""]
        kind = {
            "text": "Text",
            "long_text": "Text (Long answer on)",
            "choice": "Choice (drop-down)",
            "date": "Date",
            "time": "Text (Forms has no time question)",
            "email": "Text (restriction: email)",
            "phone": "Text",
            "money": "Text (restriction: number)",
            "rating": "Rating (5, number)",
        }[q.type]
        req = "required" if q.required else "optional"
        lines.append(f"{n}. **{q.title}** — {kind}, {req}. Sends `{q.key}`.")
        if q.options:
            lines.append(f"   Options, in this order: {', '.join(q.options)}")
        elif q.choices in TAB_CHOICES:
            lines.append(
                f"   Options: the {TAB_CHOICES[q.choices]} of each current row of the hub's {q.choices} "
                "tab; update them when a row is added or ends"
            )
        if q.help:
            lines.append(f"   Subtitle: {q.help}")
    return "\n".join(lines) + "\n"
