"""Governance at scale: a generated hub with planted duplicates and planted look-alikes.

The hub: 20k accounts, 50k contacts, 100k interactions, 30k deals (quick: a fifth). Planted
duplicates of seven kinds: legal-suffix variants, typos, swapped word order, a shared phone with
a singular industry word, "&"/"and" spellings, a typo plus another legal form, a group word left
out. Planted sister companies look alike but are not the same ("Kolabi Tesoma Motors" / "Kolabi
Tesoma Power"). Every base name is unique by construction, so the planted pairs are the whole
truth and recall and precision are measured exactly. Synthetic names are kinder than real ones:
read the figures as a regression guard, not as a promise about Mikano's data.
"""

from __future__ import annotations

import random
import resource
import time
from datetime import date, datetime, timedelta
from typing import Any

SYLLABLES = [
    "ko",
    "la",
    "bi",
    "te",
    "so",
    "ma",
    "fe",
    "mi",
    "ad",
    "ey",
    "o",
    "nu",
    "ru",
    "ka",
    "di",
    "ga",
    "ye",
    "ji",
    "ba",
    "wa",
    "zi",
    "ne",
    "ku",
    "to",
    "re",
    "lu",
    "mo",
    "ch",
    "ke",
    "ph",
    "de",
    "we",
    "ye",
    "ol",
    "an",
    "ob",
    "ik",
    "em",
    "uz",
    "er",
    "ag",
    "us",
    "ak",
    "in",
]
INDUSTRY = [
    "Motors",
    "Power",
    "Foods",
    "Logistics",
    "Builders",
    "Farms",
    "Textiles",
    "Pharmacy",
    "Hospital",
    "Clinic",
    "Energy",
    "Steel",
    "Cement",
    "Marine",
    "Oil",
    "Gas",
    "Telecoms",
    "Schools",
    "Estates",
    "Hotels",
    "Plastics",
    "Chemicals",
    "Printing",
    "Bakery",
    "Dairies",
    "Furniture",
    "Agro",
    "Mining",
    "Shipping",
    "Travels",
    "Security",
    "Water",
    "Paints",
    "Foam",
    "Tyres",
    "Glass",
    "Cables",
    "Beverages",
]
SUFFIX_FORMS = ["Ltd", "Limited", "Nig. Ltd", "(Nig) Limited", "Plc", "Nigeria Ltd", "Co. Ltd", "Enterprises"]
FREE_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"]
SALESPEOPLE = [f"{last.upper()}, {first.upper()}" for first, last in [("Ada", "Okafor"), ("Tunde", "Bello")]]
SALESPEOPLE += ["DANJUMA, MUSA", "LAWAL, FEMI", "YUSUF, HALIMA", "AFOLABI, BOLA", "UNMAPPED, SOMEONE"]
STAFF = [
    {"Email": "ada.okafor@mikano.example", "ERP Salesperson Name": "OKAFOR, ADA"},
    {"Email": "tunde.bello@mikano.example", "ERP Salesperson Name": "BELLO, TUNDE"},
    {"Email": "musa.danjuma@mikano.example", "ERP Salesperson Name": "DANJUMA, MUSA"},
    {"Email": "femi.lawal@mikano.example", "ERP Salesperson Name": "LAWAL, FEMI"},
    {"Email": "halima.yusuf@mikano.example", "ERP Salesperson Name": "YUSUF, HALIMA"},
    {"Email": "bola.afolabi@mikano.example", "ERP Salesperson Name": "AFOLABI, BOLA"},
]


def _word(rng: random.Random, used: set[str]) -> str:
    while True:
        word = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        if word not in used and len(word) >= 5:
            used.add(word)
            return word


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "swap", "double"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _planted_duplicate(
    rng: random.Random, kind: int, words: list[str], phone: str, domain: str
) -> tuple[str, str | None, str | None]:
    """A duplicate of the account named by `words`, written one of seven ways a person slips; with
    the original's phone or email domain where that slip keeps it (else None: a new one)."""
    same_phone = same_domain = None
    if kind == 0:  # another legal form, shouted
        name = (" ".join(words) + " " + rng.choice(SUFFIX_FORMS)).upper()
    elif kind == 1:  # a typo in one of the group words
        j = rng.randrange(2)
        name = " ".join(_typo(rng, w) if k == j else w for k, w in enumerate(words)) + " Ltd"
    elif kind == 2:  # the words in another order
        name = f"{words[1]} {words[0]} {words[2]}"
    elif kind == 3:  # the same phone, the industry word in the singular, no suffix
        name = f"{words[0]} {words[1]} {words[2].rstrip('s')}"
        same_phone = phone
    elif kind == 4:  # '&' and 'and', and the same email domain
        name = f"{words[0]} & {words[1]} {words[2]} Nig"
        same_domain = domain
    elif kind == 5:  # two slips at once: a typo and another legal form, in capitals
        name = f"{_typo(rng, words[0])} {words[1]} {words[2]} PLC".upper()
    else:  # a group word left out, with the same email domain
        name = f"{words[rng.randrange(2)]} {words[2]} Ltd"
        same_domain = domain
    return name, same_phone, same_domain


def generate(
    scale: float = 1.0, seed: int = 4
) -> tuple[dict[str, list[dict[str, Any]]], set[tuple[str, str]]]:
    """The hub's rows (as a store returns them) and the planted duplicate pairs."""
    rng = random.Random(seed)
    n_accounts, n_contacts = int(20_000 * scale), int(50_000 * scale)
    n_interactions, n_deals = int(100_000 * scale), int(30_000 * scale)
    n_dupes, n_sisters = int(1_000 * scale), int(500 * scale)
    used: set[str] = set()
    accounts: list[dict[str, Any]] = []
    phone_of: dict[str, str] = {}
    domain_of: dict[str, str] = {}

    def add(name: str, *, phone: str | None = None, domain: str | None = None, erp: bool = True) -> str:
        account_id = f"ACC-{len(accounts) + 1:06d}"
        phone = phone or f"+23480{rng.randrange(10**8):08d}"
        accounts.append(
            {
                "Account ID": account_id,
                "Company Name": name,
                "Account Type": "Company",
                "Status": "Active",
                "Main Phone Number": phone,
                "ERP Customer ID": f"C{len(accounts) + 10_000}" if erp else None,
                "Account Owner": "ada.okafor@mikano.example",
                "Divisions": rng.choice(("Motors", "Power", "Construction", "Medical")),
            }
        )
        phone_of[account_id] = phone
        domain_of[account_id] = domain or name.split()[0].lower() + name.split()[1].lower() + ".example"
        return account_id

    bases: list[tuple[str, list[str]]] = []
    n_base = n_accounts - n_dupes - n_sisters
    for _ in range(n_base):
        words = [_word(rng, used), _word(rng, used), rng.choice(INDUSTRY)]
        name = " ".join(words) + " " + rng.choice(SUFFIX_FORMS)
        bases.append((add(name, erp=rng.random() < 0.6), words))
    # Sister companies: same group words, another industry. Not duplicates.
    for _, words in rng.sample(bases, n_sisters):
        other = rng.choice([w for w in INDUSTRY if w != words[2]])
        add(f"{words[0]} {words[1]} {other} {rng.choice(SUFFIX_FORMS)}", erp=rng.random() < 0.6)
    truth: set[tuple[str, str]] = set()
    for i, (account_id, words) in enumerate(rng.sample(bases, n_dupes)):
        name, phone, domain = _planted_duplicate(
            rng, i % 7, words, phone_of[account_id], domain_of[account_id]
        )
        dupe = add(name, phone=phone, domain=domain, erp=False)
        truth.add((account_id, dupe))

    contacts = []
    for k in range(n_contacts):
        account_id = (
            accounts[k % len(accounts)]["Account ID"]
            if k < len(accounts)
            else rng.choice(accounts)["Account ID"]
        )
        first, last = _word(rng, set()), _word(rng, set())  # people's names may repeat
        domain = domain_of[account_id] if rng.random() < 0.7 else rng.choice(FREE_MAIL)
        contacts.append(
            {
                "Contact ID": f"CON-{k + 1:06d}",
                "Full Name": f"{first} {last}",
                "Email": f"{first.lower()}.{last.lower()}@{domain}",
                "Mobile Number": f"+23481{k:08d}",
                "Associated Account ID": account_id,
                "Status": "Active",
            }
        )
    company_of = {a["Account ID"]: a["Company Name"] for a in accounts}
    interactions = [
        {
            "Interaction ID": f"INT-{k + 1:06d}",
            "Account ID": (c := contacts[rng.randrange(len(contacts))])["Associated Account ID"],
            "Contact ID": c["Contact ID"],
            # The names beside the IDs, as the writer fills them (else the nightly run would first
            # refresh all 100k: a one-off for a hub older than those columns, not the nightly cost).
            "Company Name": company_of[c["Associated Account ID"]],
            "Contact Name": c["Full Name"],
        }
        for k in range(n_interactions)
    ]
    with_erp = [a for a in accounts if a["ERP Customer ID"]]
    start = date(2025, 6, 1)
    deals = []
    for k in range(n_deals):
        acc = with_erp[rng.randrange(len(with_erp))]
        deals.append(
            {
                "Invoice No": f"INV-{k + 1:07d}",
                "ERP Customer ID": acc["ERP Customer ID"],
                "Account ID": acc["Account ID"],
                "Salesperson": rng.choice(SALESPEOPLE),
                "Amount": float(rng.randrange(100_000, 200_000_000)),
                "Invoice Date": datetime.combine(
                    start + timedelta(days=rng.randrange(540)), datetime.min.time()
                ),
                "Status": rng.choices(("Open", "Paid", "Cancelled", "Credit Note"), (5, 4, 1, 1))[0],
            }
        )
    tables = {
        "Accounts": accounts,
        "Contacts": contacts,
        "Interactions": interactions,
        "Opportunities": [],
        "Tickets": [],
        "Deals": deals,
        "Staff": STAFF,
        "Review Queue": [],
        "Audit": [],
    }
    return tables, truth


def bench_governance(emit, quick: bool) -> None:
    from hub.governance.duplicates import account_candidates
    from hub.governance.nightly import govern
    from hub.governance.rules import GovernanceRules

    scale = 0.2 if quick else 1.0
    tables, truth = generate(scale)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = govern(tables, datetime(2026, 11, 23, 2, 0), date(2026, 11, 23), GovernanceRules())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = {(c.a, c.b) for c in result.raised if c.kind == "Account"}
    hits = len(found & truth)
    sizes = {name: len(rows) for name, rows in tables.items() if rows}
    emit(
        "governance_wall_time",
        seconds,
        "s",
        target="<= 10",
        **sizes,
        owners_changed=len(result.ownership.changes),
        review_items=len(result.raised),
        peak_rss_mb=round(peak, 1),
        rss_after_generating_mb=round(rss_data, 1),
        rss_target="<= 1024",
    )
    emit("duplicate_recall", 100 * hits / len(truth), "%", target=">= 95", planted=len(truth), found=hits)
    emit(
        "duplicate_precision",
        100 * hits / max(len(found), 1),
        "%",
        target=">= 90",
        raised=len(found),
        false_positives=len(found - truth),
        contact_items=len(result.raised) - len(found),
    )
    missed = sorted(truth - found)[:3]
    if missed:
        names = {a["Account ID"]: a["Company Name"] for a in tables["Accounts"]}
        emit(
            "duplicate_missed_examples",
            len(truth - found),
            "pairs",
            examples=[[names[a], names[b]] for a, b in missed],
        )

    # The blocked matcher beside an all-vs-all rapidfuzz run on the same 5k accounts.
    subset_ids = {a for pair in truth for a in pair}
    subset = [a for a in tables["Accounts"] if a["Account ID"] in subset_ids][:2_000]
    subset += [a for a in tables["Accounts"] if a["Account ID"] not in subset_ids][: 5_000 - len(subset)]
    started = time.perf_counter()
    blocked = account_candidates(subset, [])
    blocked_s = time.perf_counter() - started
    started = time.perf_counter()
    all_pairs = _all_vs_all(subset)
    all_s = time.perf_counter() - started
    emit(
        "dedupe_blocked_vs_all_pairs_5k",
        blocked_s,
        "s",
        accounts=len(subset),
        all_vs_all_s=round(all_s, 2),
        speedup=round(all_s / blocked_s, 1),
        pairs_blocked=len(blocked),
        pairs_all_vs_all_at_85=all_pairs,
        note="all-vs-all: rapidfuzz process.extract token_sort_ratio per name, names only",
    )


def _all_vs_all(accounts: list[dict[str, Any]]) -> int:
    from rapidfuzz import fuzz, process

    from hub.names import normalise_company_name

    names = [normalise_company_name(a["Company Name"]) for a in accounts]
    pairs = 0
    for i, name in enumerate(names):
        # Each query scans every name in rapidfuzz's C++ loop: the all-vs-all baseline, names only.
        found = process.extract(name, names, scorer=fuzz.token_sort_ratio, score_cutoff=85, limit=None)
        pairs += sum(1 for _, _, j in found if j > i)
    return pairs
