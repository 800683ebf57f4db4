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
