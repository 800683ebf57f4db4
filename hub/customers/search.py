"""Customer search: the intake's matching (legal-suffix normalisation, rapidfuzz scores) over a
blocked index, so a query compares against the few names that share a word start with it, never
against every account.

Blocks: the first three letters of each word of a company's normalised name and of its contacts'
names (two letters for two-letter words), plus exact keys (Account ID, ERP Customer ID, phone
numbers in E.164). A query of "dang ind" looks at the names with a word starting "dan" or "ind";
a typo in the first three letters of every word is the price of never scanning.

Per keystroke the work is: the block lookup, then rapidfuzz's C++ `process.extract` over just
those names with a score cutoff, and a bisect in a sorted word list for the word-start matches.
Names are normalised once, when the index is built (once per hub version); the last few hundred
queries' results are kept, so a query typed again (or a page reloaded) costs a dict lookup.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from rapidfuzz import fuzz, process

from hub.names import normalise_company_name, normalise_person_name
from hub.ports import Row
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, FULL_NAME

MIN_SCORE = 60.0
MAX_RESULTS = 50  # kept per query in the recent-queries cache; a page shows 20
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
        self.blocks: dict[str, set[str]] = defaultdict(set)
        self.exact: dict[str, tuple[str, str]] = {}  # key -> (account id, via)
        # Every name searched is a numbered document: an account's company name and its contacts'.
        self._text: list[str] = []  # document -> normalised name
        self._shown: list[str] = []  # document -> the contact's name as written ("" for a company)
        self._account: list[str] = []  # document -> its account id
        self._company: dict[str, int] = {}  # account id -> its company-name document
        self._people: dict[str, list[int]] = defaultdict(list)  # account id -> contact documents
        for row in accounts:
            self._add_account(row)
        for account_id, rows in contacts.items():
            for contact in rows:
                self._add_contact(account_id, contact)
        # (word, document) sorted: the documents with a word starting "dan" are one bisect away.
        pairs = sorted((w, d) for d, text in enumerate(self._text) for w in set(text.split()))
        self._words = [w for w, _ in pairs]
        self._word_docs = [d for _, d in pairs]
        self._recent = lru_cache(maxsize=512)(self._search)

    def __getstate__(self) -> dict[str, object]:
        """Pickled (a kept snapshot) without the recent-queries cache, which is remade empty."""
        state = dict(self.__dict__)
        del state["_recent"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._recent = lru_cache(maxsize=512)(self._search)

    def _document(self, account_id: str, text: str, shown: str = "") -> int:
        self._text.append(text)
        self._shown.append(shown)
        self._account.append(account_id)
        return len(self._text) - 1

    def _add_account(self, row: Row) -> None:
        account_id = str(row[ACCOUNT_ID]).upper()
        name = normalise_company_name(str(row.get(COMPANY_NAME) or ""))
        self.names[account_id] = name
        if name:
            self._company[account_id] = self._document(account_id, name)
        for block in _blocks(name):
            self.blocks[block].add(account_id)
        self.exact[account_id] = (account_id, "Account ID")
        if row.get("ERP Customer ID"):
            self.exact[str(row["ERP Customer ID"]).upper()] = (account_id, "ERP customer number")
        if row.get("Main Phone Number"):
            self.exact[str(row["Main Phone Number"])] = (account_id, "phone")

    def _add_contact(self, account_id: str, contact: Row) -> None:
        shown = str(contact.get(FULL_NAME) or "")
        person = normalise_person_name(shown)
        if person:
            self._people[account_id].append(self._document(account_id, person, shown))
            for block in _blocks(person):
                self.blocks[block].add(account_id)
        if contact.get("Mobile Number"):
            self.exact.setdefault(str(contact["Mobile Number"]), (account_id, f"phone of {shown}"))
        if contact.get("Email"):
            self.exact.setdefault(str(contact["Email"]).casefold(), (account_id, f"email of {shown}"))

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Best matches first; exact keys (IDs, phone, email) before names."""
        text = query.strip()
        return list(self._recent(text)[:limit]) if text else []

    def _search(self, text: str) -> tuple[Hit, ...]:
        hits: dict[str, Hit] = {}
        for key in self._exact_keys(text):
            if key in self.exact:
                account_id, via = self.exact[key]
                hits[account_id] = Hit(account_id, 100.0, via)
        wanted = normalise_company_name(text)
        person = normalise_person_name(text)
        accounts = [a for a in self._candidates(wanted, person) if a not in hits]
        names = self._scores(wanted, [self._company[a] for a in accounts if a in self._company])
        people = self._scores(person, [d for a in accounts for d in self._people.get(a, ())])
        hits.update(self._best(names, people))
        ranked = sorted(hits.values(), key=lambda h: (-h.score, self.names.get(h.account_id, "")))
        return tuple(ranked[:MAX_RESULTS])

    def _best(self, names: dict[int, float], people: dict[int, float]) -> dict[str, Hit]:
        """Each scored account's best: its company name, or a contact's name when that scores higher
        (the first such contact, in the hub's order)."""
        best: dict[str, tuple[float, str | None]] = {self._account[d]: (s, None) for d, s in names.items()}
        for document in sorted(people):  # an account's contacts are numbered in the hub's order
            account_id, score = self._account[document], people[document]
            if score > best.get(account_id, (0.0, None))[0]:
                best[account_id] = (score, f"contact {self._shown[document]}")
        return {a: Hit(a, round(score, 1), via) for a, (score, via) in best.items() if score >= MIN_SCORE}

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

    def _scores(self, query: str, documents: list[int]) -> dict[int, float]:
        """Score of each document at or above MIN_SCORE: the intake's token-sort score, a word-start
        match for what is still being typed ("dango ind" finds "dangote industries"), else 0.9 of
        the partial score for a query of four letters or more."""
        if not query or not documents:
            return {}
        choices = [self._text[d] for d in documents]
        out: dict[int, float] = {}
        for _, score, i in process.extract(
            query, choices, scorer=fuzz.token_sort_ratio, score_cutoff=MIN_SCORE, limit=None
        ):
            out[documents[i]] = score
        if len(query) >= 4:
            for _, score, i in process.extract(
                query, choices, scorer=fuzz.partial_ratio, score_cutoff=MIN_SCORE / 0.9, limit=None
            ):
                out[documents[i]] = max(out.get(documents[i], 0.0), 0.9 * score)
        for d in self._word_starts(query.split()) & set(documents):
            out[d] = max(out.get(d, 0.0), min(100.0, 90.0 + 10.0 * len(query) / max(len(self._text[d]), 1)))
        return out

    def _word_starts(self, typed: list[str]) -> set[int]:
        """The documents in which every typed word starts some word."""
        found: set[int] | None = None
        for t in sorted(typed, key=len, reverse=True):  # the longest word narrows most, first
            lo = bisect_left(self._words, t)
            hi = bisect_left(self._words, t + "\uffff", lo)
            docs = set(self._word_docs[lo:hi])
            found = docs if found is None else found & docs
            if not found:
                return set()
        return found or set()
