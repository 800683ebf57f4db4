"""Cleaning free text from forms and files, and keeping it from being run by Excel."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline (handled separately below).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0]+")

# Characters that make Excel (and LibreOffice, and Graph's values API) parse a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

PLACEHOLDERS = frozenset(
    {"", "-", "--", ".", "n/a", "na", "nil", "none", "null", "nill", "not applicable", "?"}
)


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Trim, drop control characters, collapse runs of spaces; keep line breaks only if multiline."""
    if value.isascii() and value.isprintable():
        # Most cells: no control characters, tabs or line breaks, nothing to normalise; the only
        # whitespace is " " (an ERP import of 100k rows cleans a million cells).
        return " ".join(value.split()) if "  " in value else value.strip()
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in value.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return _SPACES.sub(" ", value.replace("\n", " ")).strip()


def is_placeholder(value: str) -> bool:
    """'-', 'N/A', 'nil' and friends mean 'no answer'."""
    return value.strip().casefold() in PLACEHOLDERS


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


# -- numbers in words people read (mails, pages, the CLI) ---------------------------------------
def figure(value: float, decimals: int = 2) -> str:
    """A number as a person writes it: thousands separated, no needless decimals (30, 3.5, 0.11)."""
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def noun(n: float, word: str, plural: str | None = None) -> str:
    """The noun's form for `n`: "day" for 1, "days" otherwise (templates put the number apart)."""
    return word if n == 1 else (plural or word + "s")


def count(n: float, word: str, plural: str | None = None) -> str:
    """A number and its noun, agreeing: "1 day", "2 days", "1,204 rows" ("reply", "replies")."""
    return f"{figure(n)} {noun(n, word, plural)}"


def measure(value: float, unit: str) -> str:
    """A figure and its unit: symbols stay as they are ("3.5 h", "0.11 MB"); a unit that is a plural
    noun agrees with the number ("1 user", "30 users")."""
    if len(unit) > 2 and unit.endswith("s"):
        return count(value, unit[:-1], unit)
    return f"{figure(value)} {unit}"
