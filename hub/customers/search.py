"""Customer search: the intake's matching (legal-suffix normalisation, rapidfuzz scores) over a
blocked index, so a query compares against the few names that share a word start with it, never
against every account.

Blocks: the first three letters of each word of a company's normalised name and of its contacts'
names (two letters for two-letter words), plus exact keys (Account ID, ERP Customer ID, phone
numbers in E.164). A query of "dang ind" looks at the names with a word starting "dan" or "ind";
a typo in the first three letters of every word is the price of never scanning.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import phonenumbers
from rapidfuzz import fuzz

from hub.names import normalise_company_name, normalise_person_name
from hub.ports import Row

MIN_SCORE = 60.0
_PREFIX = 3
# A block this large says nothing about the query (a common word start); it is skipped while a
# rarer word of the query gives candidates.
MAX_BLOCK = 5_000
_ID = re.compile(r"^[A-Z]{3}-\d+$")


@dataclass(frozen=True)
class Hit:
    account_id: str
    score: float
    via: str | None = None  # "contact Chinedu Okafor", "ERP ID", … when not the company name


def _blocks(normalised: str) -> set[str]:
    return {word[:_PREFIX] for word in normalised.split() if len(word) >= 2}


class SearchIndex:
    def __init__(
        self, accounts: Iterable[Row], contacts: Mapping[str, list[Row]], region: str = "NG"
    ) -> None:
        self.region = region
        self.names: dict[str, str] = {}  # account id -> normalised company name
        self.people: dict[str, list[tuple[str, str]]] = defaultdict(list)  # account -> (normalised, shown)
        self.blocks: dict[str, set[str]] = defaultdict(set)
        self.exact: dict[str, tuple[str, str]] = {}  # key -> (account id, via)
        for row in accounts:
            account_id = str(row["Account ID"]).upper()
            name = normalise_company_name(str(row.get("Company Name") or ""))
            self.names[account_id] = name
            for block in _blocks(name):
                self.blocks[block].add(account_id)
            self.exact[account_id] = (account_id, "Account ID")
            if row.get("ERP Customer ID"):
                self.exact[str(row["ERP Customer ID"]).upper()] = (account_id, "ERP customer number")
            if row.get("Main Phone Number"):
                self.exact[str(row["Main Phone Number"])] = (account_id, "phone")
        for account_id, rows in contacts.items():
            for contact in rows:
                shown = str(contact.get("Full Name") or "")
                person = normalise_person_name(shown)
                if person:
                    self.people[account_id].append((person, shown))
                    for block in _blocks(person):
                        self.blocks[block].add(account_id)
                if contact.get("Mobile Number"):
                    self.exact.setdefault(str(contact["Mobile Number"]), (account_id, f"phone of {shown}"))
                if contact.get("Email"):
                    self.exact.setdefault(str(contact["Email"]).casefold(), (account_id, f"email of {shown}"))

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Best matches first; exact keys (IDs, phone, email) before names."""
        text = query.strip()
        if not text:
            return []
        hits: dict[str, Hit] = {}
        for key in self._exact_keys(text):
            if key in self.exact:
                account_id, via = self.exact[key]
                hits[account_id] = Hit(account_id, 100.0, via)
        wanted = normalise_company_name(text)
        person = normalise_person_name(text)
        for account_id in self._candidates(wanted, person):
            if account_id in hits:
                continue
            hit = self._score(account_id, wanted, person)
            if hit is not None:
                hits[account_id] = hit
        ranked = sorted(hits.values(), key=lambda h: (-h.score, self.names.get(h.account_id, "")))
        return ranked[:limit]

    def _exact_keys(self, text: str) -> list[str]:
        keys = [text.upper(), text.casefold()]
        digits = re.sub(r"[^\d+]", "", text)
        if len(digits) >= 7:
            try:
                number = phonenumbers.parse(text, self.region)
                keys.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
            except phonenumbers.NumberParseException:
                pass
        if _ID.match(text.upper().replace(" ", "")):
            keys.append(text.upper().replace(" ", ""))
        return keys

    def _candidates(self, wanted: str, person: str) -> set[str]:
        blocks = [self.blocks.get(b, set()) for b in _blocks(wanted) | _blocks(person)]
        useful = [b for b in blocks if len(b) <= MAX_BLOCK] or blocks
        out: set[str] = set()
        for block in useful:
            out |= block
        return out

    def _score(self, account_id: str, wanted: str, person: str) -> Hit | None:
        name = self.names.get(account_id, "")
        best = _name_score(wanted, name)
        via = None
        for normalised, shown in self.people.get(account_id, []):
            score = _name_score(person, normalised)
            if score > best:
                best, via = score, f"contact {shown}"
        return Hit(account_id, round(best, 1), via) if best >= MIN_SCORE else None


def _name_score(query: str, name: str) -> float:
    """The intake's token-sort score, or a word-start match for what is still being typed
    ("dango ind" finds "dangote industries")."""
    if not query or not name:
        return 0.0
    score = fuzz.token_sort_ratio(query, name)
    words = name.split()
    typed = query.split()
    if all(any(w.startswith(t) for w in words) for t in typed):
        score = max(score, 90.0 + 10.0 * len(query) / max(len(name), 1))
    elif len(query) >= 4:
        score = max(score, 0.9 * fuzz.partial_ratio(query, name))
    return min(score, 100.0)
