"""Company-name normalisation: the one normaliser intake, matching and duplicate checks share."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from hub.text import is_placeholder

# Legal forms and filler stripped repeatedly from the end of a name, so that
# "Dangote Industries Ltd." == "DANGOTE INDUSTRIES LIMITED" == "Dangote Industries (Nig) Ltd".
LEGAL_SUFFIXES = frozenset(
    {
        "ltd",
        "limited",
        "plc",
        "nig",
        "nigeria",
        "ng",
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "intl",
        "international",
        "enterprise",
        "enterprises",
        "group",
        "llc",
        "gte",
        "ent",
    }
)
_NON_WORD = re.compile(r"[^\w]+")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text  # nothing to strip, and most names are plain ASCII: skip the decomposition
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_tokens(name: str) -> list[str]:
    if is_placeholder(name):
        return []  # '-', 'N/A', 'nil': no name at all, never a name to match on
    text = _strip_accents(name).casefold().replace("&", " and ")
    tokens = [t for t in _NON_WORD.sub(" ", text).replace("_", " ").split() if t]
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    stripped = list(tokens)
    while stripped and stripped[-1] in LEGAL_SUFFIXES:
        stripped.pop()
    # A name made only of legal words ("The Company Ltd") keeps its words rather than vanishing.
    return stripped or tokens


@lru_cache(maxsize=4096)  # one name is looked up, indexed and matched in turn: normalise it once
def normalise_company_name(name: str) -> str:
    """Comparable form of a company name: casefolded, no punctuation, no legal-form suffixes."""
    return " ".join(name_tokens(name))


def normalise_person_name(name: str) -> str:
    text = _strip_accents(name).casefold()
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())
