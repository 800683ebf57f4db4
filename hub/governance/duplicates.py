"""Duplicate candidates (Duplicates to the steward), found by blocking rather than comparing every pair.

Records sharing a blocking key are compared: a name token, a phonetic key of the first token, a
phone number, a company email domain (never a free-mail one), an exact email. A key shared by too
many records says nothing and is skipped. Pairs are scored with rapidfuzz on normalised names and
the score is raised by agreeing phone, email domain and address. The steward decides; nothing here
merges anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

from hub import defaults
from hub.blocking import DEFAULT_MAX_BLOCK, MIN_TOKEN, company_name_keys, pairs
from hub.names import name_tokens, normalise_person_name
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
    blocks: dict[str, list[str]] = defaultdict(list)
    for rec in records.values():
        for key in _account_keys(rec, rules):
            blocks[key].append(rec.id)
    out = []
    for a, b in pairs(blocks, rules.max_block):
        found = _score_accounts(records[a], records[b], rules)
        if found is not None:
            out.append(found)
    return sorted(out, key=lambda c: (-c.score, c.a, c.b))


def contact_candidates(contacts: Iterable[Row], rules: DuplicateRules = DuplicateRules()) -> list[Candidate]:
    rows = {
        str(r[CONTACT_ID]).upper(): r for r in contacts if r.get(CONTACT_ID) and r.get("Status") != "Merged"
    }
    blocks: dict[str, list[str]] = defaultdict(list)
    for cid, row in rows.items():
        if row.get("Email"):
            blocks["e:" + str(row["Email"]).casefold()].append(cid)
        if row.get("Mobile Number"):
            blocks["p:" + str(row["Mobile Number"])].append(cid)
        if row.get("Associated Account ID"):
            blocks["a:" + str(row["Associated Account ID"]).upper()].append(cid)
    names: dict[str, str] = {}  # contact id -> normalised name, once per contact (not once per pair)

    def name_of(cid: str) -> str:
        if cid not in names:
            names[cid] = normalise_person_name(str(rows[cid].get(FULL_NAME) or ""))
        return names[cid]

    out = []
    for a, b in pairs(blocks, rules.max_block):
        found = _score_contacts(a, rows[a], b, rows[b], rules, (name_of(a), name_of(b)))
        if found is not None:
            out.append(found)
    return sorted(out, key=lambda c: (-c.score, c.a, c.b))


# -- accounts ------------------------------------------------------------------------------
def _accounts(accounts: Iterable[Row], contacts: Iterable[Row]) -> dict[str, _Account]:
    records: dict[str, _Account] = {}
    for row in accounts:
        if not row.get(ACCOUNT_ID) or row.get("Status") == "Merged" or not row.get(COMPANY_NAME):
            continue
        individual = row.get("Account Type") == "Individual"
        name = str(row[COMPANY_NAME])
        rec = _Account(
            id=str(row[ACCOUNT_ID]).upper(),
            name=name,
            norm=normalise_person_name(name) if individual else " ".join(name_tokens(name)),
            individual=individual,
            erp=str(row.get("ERP Customer ID") or "").strip().upper(),
            address=" ".join(str(row.get("Address") or "").casefold().split()),
        )
        if row.get("Main Phone Number"):
            rec.phones.add(str(row["Main Phone Number"]))
        records[rec.id] = rec
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
    return records


def _account_keys(rec: _Account, rules: DuplicateRules) -> set[str]:
    keys = {"p:" + p for p in rec.phones} | {"e:" + e for e in rec.emails}
    if rec.individual:
        return keys  # a person's name alone says little: only shared phones and emails pair them
    return keys | {"d:" + d for d in rec.domains} | company_name_keys(rec.norm, rules.min_token)


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
