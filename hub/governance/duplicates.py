"""Duplicate candidates (Duplicates to the steward), found by blocking rather than comparing every pair.

Records sharing a blocking key are compared: a name token, a phonetic key of the first token, a
phone number, a company email domain (never a free-mail one), an exact email. A key shared by too
many records says nothing and is skipped. Pairs are scored with rapidfuzz on normalised names and
the score is raised by agreeing phone, email domain and address. The steward decides; nothing here
merges anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from hub import defaults
from hub.blocking import DEFAULT_MAX_BLOCK, MIN_TOKEN, company_name_keys, pairs
from hub.names import normalise_company_names, normalise_person_names
from hub.ports import Row
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, CONTACT_ID, FULL_NAME

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "rocketmail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "mail.com",
        "protonmail.com",
        "proton.me",
        "gmx.com",
        "zoho.com",
        "yandex.com",
    }
)


@dataclass(frozen=True)
class DuplicateRules:
    strong: float = defaults.DUP_STRONG  # "very likely the same"
    review: float = defaults.DUP_REVIEW  # raised for the steward from here up
    max_block: int = DEFAULT_MAX_BLOCK  # a key shared by more records than this does not discriminate
    support: float = 5.0  # added per agreeing phone / email domain / address
    min_token: int = MIN_TOKEN  # shorter name tokens are not blocking keys


@dataclass(frozen=True)
class Candidate:
    kind: Literal["Account", "Contact"]
    a: str
    b: str
    score: float
    evidence: tuple[str, ...]

    def reason(self, rules: DuplicateRules) -> str:
        how = "Very likely the same" if self.score >= rules.strong else "Possibly the same"
        return f"{how} {self.kind.lower()}: " + "; ".join(self.evidence) + "."


@dataclass
class _Account:
    id: str
    name: str
    norm: str
    individual: bool
    erp: str
    address: str
    phones: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


def account_candidates(
    accounts: Iterable[Row], contacts: Iterable[Row], rules: DuplicateRules = DuplicateRules()
) -> list[Candidate]:
    records = _accounts(accounts, contacts)
    keys: list[str] = []
    ids: list[str] = []
    for rec in records.values():
        held = _account_keys(rec, rules)
        keys += held
        ids += [rec.id] * len(held)
    found = list(pairs(keys, ids, rules.max_block))
    # Below the cutoff no pair can be raised (_score_accounts): the names of all pairs are scored
    # together first, and only the pairs that reach it are scored in full.
    cutoff = rules.review - 4 * rules.support
    near = _reaching(
        [records[a].norm for a, _ in found],
        [records[b].norm for _, b in found],
        (fuzz.token_sort_ratio, fuzz.ratio),
        cutoff,
    )
    out = [c for i in near if (c := _score_accounts(records[found[i][0]], records[found[i][1]], rules))]
    return sorted(out, key=lambda c: (-c.score, c.a, c.b))


def contact_candidates(contacts: Iterable[Row], rules: DuplicateRules = DuplicateRules()) -> list[Candidate]:
    rows = {
        str(r[CONTACT_ID]).upper(): r for r in contacts if r.get(CONTACT_ID) and r.get("Status") != "Merged"
    }
    emails, phones, at = _contact_keys(rows)
    keys = [*("e:" + e for e in emails.values()), *("p:" + str(p) for p in phones.values())]
    keys += ["a:" + a for a in at.values()]
    found = list(pairs(keys, [*emails, *phones, *at], rules.max_block))
    left, right = [a for a, _ in found], [b for _, b in found]
    ordered = list(set(left) | set(right))  # the contacts in a pair: their names normalised together
    full_names = [str(rows[c].get(FULL_NAME) or "") for c in ordered]
    names = dict(zip(ordered, normalise_person_names(full_names), strict=True))
    # Most pairs only share an account (a busy account's contacts) and are raised only when their
    # names reach the review line: the names of all pairs are scored together first, and only those
    # pairs, and the pairs sharing an email or a mobile number, are scored in full.
    near = _reaching(
        [names[a] for a in left], [names[b] for b in right], (fuzz.token_sort_ratio,), rules.review
    )
    likely = set(near) | _equal(emails, left, right) | _equal(phones, left, right)
    out = []
    for i in likely:
        a, b = left[i], right[i]
        candidate = _score_contacts(a, rows[a], b, rows[b], rules, (names[a], names[b]))
        if candidate is not None:
            out.append(candidate)
    return sorted(out, key=lambda c: (-c.score, c.a, c.b))


def _contact_keys(rows: Mapping[str, Row]) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """Per contact id, for those that have one: the email casefolded, the mobile number, the account."""
    emails = {cid: str(row["Email"]).casefold() for cid, row in rows.items() if row.get("Email")}
    phones = {cid: row["Mobile Number"] for cid, row in rows.items() if row.get("Mobile Number")}
    at = {
        cid: str(row["Associated Account ID"]).upper()
        for cid, row in rows.items()
        if row.get("Associated Account ID")
    }
    return emails, phones, at


def _equal(values: Mapping[str, object], left: list[str], right: list[str]) -> set[int]:
    """Indexes i where left[i] and right[i] have a value in `values` and it is the same."""
    pairs_of_values = zip(map(values.get, left), map(values.get, right), strict=True)
    return {i for i, (x, y) in enumerate(pairs_of_values) if x is not None and x == y}


def _reaching(
    left: list[str], right: list[str], scorers: Sequence[Callable[..., float]], cutoff: float
) -> list[int]:
    """Indexes of the pairs (left[i], right[i]) whose best score by `scorers` could reach `cutoff`:
    rapidfuzz scores them all in C (the same scores as one by one; a point of margin all the same),
    instead of a Python call per pair (the 90k pairs of a 20k-account hub: 0.41 -> 0.17 CPU-s)."""
    if not left:
        return []
    floor = cutoff - 1
    best = np.zeros(len(left))
    for scorer in scorers:
        scores = process.cpdist(left, right, scorer=scorer, score_cutoff=max(floor, 0), dtype=np.float64)
        np.maximum(best, scores, out=best)
    return np.flatnonzero(best >= floor).tolist()


# -- accounts ------------------------------------------------------------------------------
def _accounts(accounts: Iterable[Row], contacts: Iterable[Row]) -> dict[str, _Account]:
    kept = [r for r in accounts if r.get(ACCOUNT_ID) and r.get("Status") != "Merged" and r.get(COMPANY_NAME)]
    names = [str(row[COMPANY_NAME]) for row in kept]
    individual = [row.get("Account Type") == "Individual" for row in kept]
    # The names normalised together (hub.names): a person's as a person's, a company's as a company's.
    people = iter(normalise_person_names([n for n, i in zip(names, individual, strict=True) if i]))
    companies = iter(normalise_company_names([n for n, i in zip(names, individual, strict=True) if not i]))
    records: dict[str, _Account] = {}
    for row, name, alone in zip(kept, names, individual, strict=True):
        rec = _Account(
            id=str(row[ACCOUNT_ID]).upper(),
            name=name,
            norm=next(people) if alone else next(companies),
            individual=alone,
            erp=str(row.get("ERP Customer ID") or "").strip().upper(),
            address=" ".join(str(row.get("Address") or "").casefold().split()),
        )
        if row.get("Main Phone Number"):
            rec.phones.add(str(row["Main Phone Number"]))
        records[rec.id] = rec
    _add_contacts(records, contacts)
    return records


def _add_contacts(records: dict[str, _Account], contacts: Iterable[Row]) -> None:
    """Give each account the phones, emails and company email domains of its contacts."""
    for row in contacts:
        owner = records.get(str(row.get("Associated Account ID") or "").upper())
        if owner is None or row.get("Status") == "Merged":
            continue
        rec = owner
        if row.get("Mobile Number"):
            rec.phones.add(str(row["Mobile Number"]))
        email = str(row.get("Email") or "").casefold()
        if "@" in email:
            rec.emails.add(email)
            domain = email.rsplit("@", 1)[1]
            if domain not in FREE_MAIL_DOMAINS:
                rec.domains.add(domain)


def _account_keys(rec: _Account, rules: DuplicateRules) -> list[str]:
    """An account's blocking keys, each once (the kinds are told apart by their prefix, and each
    kind's keys are a set)."""
    keys = [*("p:" + p for p in rec.phones), *("e:" + e for e in rec.emails)]
    if rec.individual:
        return keys  # a person's name alone says little: only shared phones and emails pair them
    return [*keys, *("d:" + d for d in rec.domains), *company_name_keys(rec.norm, rules.min_token)]


def _score_accounts(x: _Account, y: _Account, rules: DuplicateRules) -> Candidate | None:
    if x.individual != y.individual:
        return None
    # token_sort_ratio forgives word order; plain ratio forgives a typo in the first letters, which
    # token sorting would otherwise move to another place in the string.
    # Below the cutoff even full agreement elsewhere could not lift it to a review; rapidfuzz then
    # answers 0 without finishing (most blocked pairs), else the exact score.
    cutoff = rules.review - 4 * rules.support
    name_score = max(
        fuzz.token_sort_ratio(x.norm, y.norm, score_cutoff=cutoff),
        fuzz.ratio(x.norm, y.norm, score_cutoff=cutoff),
    )
    if name_score < cutoff:
        return None
    a, b = sorted((x, y), key=lambda r: r.id)
    evidence = [f"names {a.name!r} and {b.name!r} score {name_score:.0f}"]
    score = name_score
    # "Dekuuz Motors" for "Dekuuz Ikdiak Motors": a shortened form. On its own that is only a hint
    # (parent and subsidiary look the same); one agreeing phone, domain or address makes it a review.
    small, large = sorted((set(a.norm.split()), set(b.norm.split())), key=len)
    if len(small) >= 2 and small < large and score < rules.review - rules.support:
        score = rules.review - rules.support
        evidence.append("one name is a shortened form of the other")
    # "Lagos Alpha Ventures" / "Lagos Gamma Ventures": alike overall, but the words that tell them
    # apart are unlike each other. A typo ("Transprot") leaves words that are still alike.
    only_a, only_b = set(a.norm.split()) - set(b.norm.split()), set(b.norm.split()) - set(a.norm.split())
    if only_a and only_b:
        # Damerau-Levenshtein: a transposed pair of letters ("Nmeous") is one slip, not two.
        apart = DamerauLevenshtein.normalized_similarity(" ".join(sorted(only_a)), " ".join(sorted(only_b)))
        if apart < 0.7:
            score -= 3 * rules.support
            words = f"{', '.join(sorted(only_a))} / {', '.join(sorted(only_b))}"
            evidence.append(f"the words that differ ({words}) are unlike")
    for agrees, words in (
        (bool(x.phones & y.phones), "same phone number"),
        (bool(x.domains & y.domains), "same email domain " + ", ".join(sorted(x.domains & y.domains))),
        (bool(x.address) and x.address == y.address, "same address"),
    ):
        if agrees:
            score += rules.support
            evidence.append(words)
    if x.emails & y.emails:
        score += rules.support
        evidence.append("a contact email in common")
    if x.erp and y.erp and x.erp != y.erp:
        score -= rules.support
        evidence.append(f"different ERP customer IDs ({a.erp} / {b.erp})")
    score = min(score, 100.0)
    if score < rules.review:
        return None
    return Candidate("Account", a.id, b.id, round(score, 1), tuple(evidence))


# -- contacts ------------------------------------------------------------------------------
def _score_contacts(
    a_id: str, a: Row, b_id: str, b: Row, rules: DuplicateRules, names: tuple[str, str]
) -> Candidate | None:
    """`names` are the two contacts' normalised full names, in the order given."""
    name_a, name_b = names
    if a_id > b_id:
        a_id, a, b_id, b, name_a, name_b = b_id, b, a_id, a, name_b, name_a
    same_email = bool(a.get("Email")) and str(a["Email"]).casefold() == str(b.get("Email") or "").casefold()
    same_phone = bool(a.get("Mobile Number")) and a["Mobile Number"] == b.get("Mobile Number")
    same_account = (
        str(a.get("Associated Account ID") or "").upper() == str(b.get("Associated Account ID") or "").upper()
    )
    if not (same_email or same_phone or same_account):
        return None
    shared = same_email or same_phone
    # Only the account in common: below the review line there is nothing to raise, and rapidfuzz
    # then answers 0 without finishing (most pairs of a busy account).
    cutoff = 0.0 if shared else rules.review
    name_score = fuzz.token_sort_ratio(name_a, name_b, score_cutoff=cutoff) if name_a and name_b else 0.0
    # A shared line or mailbox (info@, a switchboard) under different names is only a maybe.
    score = (100.0 if name_score >= 80 else rules.review + 1) if shared else name_score
    if score < rules.review:
        return None
    evidence = [f"names {a.get('Full Name')!r} and {b.get('Full Name')!r} score {name_score:.0f}"]
    if same_email:
        evidence.append("same email")
    if same_phone:
        evidence.append("same mobile number")
    if same_account:
        evidence.append(f"both at {str(a.get('Associated Account ID')).upper()}")
    return Candidate("Contact", a_id, b_id, round(score, 1), tuple(evidence))
