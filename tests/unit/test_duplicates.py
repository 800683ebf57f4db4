"""Duplicate candidates (rule 4): blocking finds the look-alikes, the score says how alike."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.blocking import company_name_keys
from hub.governance import duplicates
from hub.governance.duplicates import DuplicateRules, account_candidates, contact_candidates
from hub.names import normalise_person_name


def acc(account_id, name, **extra):
    return {
        "Account ID": account_id,
        "Company Name": name,
        "Account Type": "Company",
        "Status": "Active",
        **extra,
    }


def con(contact_id, name, account_id="ACC-000001", **extra):
    return {
        "Contact ID": contact_id,
        "Full Name": name,
        "Associated Account ID": account_id,
        "Status": "Active",
        **extra,
    }


def pairs(candidates):
    return {(c.a, c.b) for c in candidates}


def test_suffix_variants_typos_and_swapped_words_are_found():
    """Company names that differ by legal suffix, a typo or word order are proposed to the steward as
    duplicates."""
    accounts = [
        acc("ACC-000001", "Dangote Industries Ltd"),
        acc("ACC-000002", "DANGOTE INDUSTRIES (NIG) LIMITED"),
        acc("ACC-000003", "Chisco Transport Nigeria Ltd"),
        acc("ACC-000004", "Chisco Transprot Nig. Ltd"),
        acc("ACC-000005", "Okonkwo & Sons Trading"),
        acc("ACC-000006", "Sons Okonkwo and Trading Ltd"),
    ]
    found = account_candidates(accounts, [])
    assert pairs(found) == {
        ("ACC-000001", "ACC-000002"),
        ("ACC-000003", "ACC-000004"),
        ("ACC-000005", "ACC-000006"),
    }
    assert next(c for c in found if c.a == "ACC-000001").score == 100


def test_sister_companies_are_not_duplicates():
    """'Mikano Motors' and 'Mikano Power' share a word, not an identity."""
    found = account_candidates(
        [acc("ACC-000001", "Mikano Motors Ltd"), acc("ACC-000002", "Mikano Power Ltd")], []
    )
    assert found == []


def test_a_shared_phone_and_company_domain_lift_a_near_name_into_review():
    """A shared phone number and company email domain are shown as evidence and lift a near name match into
    review."""
    accounts = [
        acc("ACC-000001", "Julius Berger Nigeria", **{"Main Phone Number": "+2348031234567"}),
        acc("ACC-000002", "Julius Berger Constr.", **{"Main Phone Number": "+2348031234567"}),
    ]
    contacts = [
        con("CON-000001", "A", "ACC-000001", Email="a@julius-berger.example"),
        con("CON-000002", "B", "ACC-000002", Email="b@julius-berger.example"),
    ]
    without = account_candidates([dict(a, **{"Main Phone Number": None}) for a in accounts], [])
    found = account_candidates(accounts, contacts)
    assert without == []
    (c,) = found
    assert (
        c.score >= 85
        and "same phone number" in c.evidence
        and any("julius-berger.example" in e for e in c.evidence)
    )


def test_free_mail_domains_are_no_evidence():
    """A shared free-mail domain such as gmail.com is never counted as evidence that two accounts are one."""
    contacts = [
        con("CON-000001", "A", "ACC-000001", Email="a@gmail.com"),
        con("CON-000002", "B", "ACC-000002", Email="b@gmail.com"),
    ]
    accounts = [acc("ACC-000001", "Zenith Motors"), acc("ACC-000002", "Zenit Motor Works")]
    found = account_candidates(accounts, contacts)
    assert all("gmail" not in e for c in found for e in c.evidence)


def test_names_apart_only_in_their_telling_word_are_not_duplicates():
    """Names that differ only in their distinguishing word ("Alpha" vs "Gamma") are not proposed, while a typo
    of the same name is."""
    accounts = [acc("ACC-000001", "Lagos Alpha Ventures"), acc("ACC-000002", "Lagos Gamma Ventures")]
    accounts += [acc("ACC-000003", "Lagos Alpha Venturs")]
    assert pairs(account_candidates(accounts, [])) == {("ACC-000001", "ACC-000003")}


def test_a_key_shared_by_too_many_records_is_ignored():
    """Sixty contacts at one big account: the account is no blocking key, emails still are."""
    contacts = [con(f"CON-{i:06d}", f"Staff Member {i}") for i in range(1, 59)]
    contacts += [con("CON-000100", "Tunde Bakare"), con("CON-000101", "Tunde Bakre")]
    contacts += [
        con("CON-000102", "Musa Ali", Email="m@x.example"),
        con("CON-000103", "Musa Ali", Email="m@x.example"),
    ]
    assert pairs(contact_candidates(contacts, DuplicateRules(max_block=50))) == {("CON-000102", "CON-000103")}
    assert ("CON-000100", "CON-000101") in pairs(contact_candidates(contacts, DuplicateRules(max_block=100)))


def test_merged_accounts_and_placeholder_names_are_skipped():
    """Merged accounts and placeholder names like "N/A" are never proposed as duplicates."""
    accounts = [
        acc("ACC-000001", "Dangote Industries"),
        acc("ACC-000002", "Dangote Industries", Status="Merged", **{"Merged Into": "ACC-000001"}),
        acc("ACC-000003", "N/A"),
        acc("ACC-000004", "n/a"),
    ]
    assert account_candidates(accounts, []) == []


def test_individuals_pair_only_on_a_shared_phone_or_email():
    """Individuals with the same name are proposed only when they also share a phone or email."""
    people = [
        acc("ACC-000001", "Ngozi Eze", **{"Account Type": "Individual"}),
        acc("ACC-000002", "Ngozi Eze", **{"Account Type": "Individual"}),
        acc(
            "ACC-000003", "Ngozi Eze", **{"Account Type": "Individual", "Main Phone Number": "+2348030000001"}
        ),
        acc(
            "ACC-000004",
            "Ngozi  Eze",
            **{"Account Type": "Individual", "Main Phone Number": "+2348030000001"},
        ),
    ]
    assert pairs(account_candidates(people, [])) == {("ACC-000003", "ACC-000004")}


def test_contacts_match_on_email_phone_or_name_within_an_account():
    """Contacts pair on email (any case) or phone across accounts, but on a similar name only within the same
    account."""
    contacts = [
        con("CON-000001", "Chinedu Okafor", Email="c.okafor@dangote.example"),
        con("CON-000002", "Chinedu Okafor", "ACC-000009", Email="C.Okafor@dangote.example"),
        con("CON-000003", "Amaka Bello", **{"Mobile Number": "+2348031111111"}),
        con("CON-000004", "Amaka  Bello", "ACC-000007", **{"Mobile Number": "+2348031111111"}),
        con("CON-000005", "Tunde Bakare"),
        con("CON-000006", "Tunde Bakre"),
        con("CON-000007", "Tunde Bakare", "ACC-000002"),  # same name, other company: not a candidate
    ]
    found = {(c.a, c.b): c for c in contact_candidates(contacts)}
    assert set(found) == {
        ("CON-000001", "CON-000002"),
        ("CON-000003", "CON-000004"),
        ("CON-000005", "CON-000006"),
    }
    assert found[("CON-000001", "CON-000002")].score == 100


def test_a_shared_mailbox_under_different_names_is_only_a_maybe():
    """Two differently named contacts sharing an info@ mailbox are proposed with a middling score, not as a
    certain match."""
    contacts = [
        con("CON-000001", "Front Desk", Email="info@dangote.example"),
        con("CON-000002", "Musa Ibrahim", "ACC-000003", Email="info@dangote.example"),
    ]
    (c,) = contact_candidates(contacts)
    assert 85 <= c.score < 95


def test_a_shortened_name_needs_one_more_piece_of_evidence():
    """'Dekuuz Motors' for 'Dekuuz Ikdiak Motors' is raised only with the same phone, domain or address."""
    long, short = acc("ACC-000001", "Dekuuz Ikdiak Motors Ltd"), acc("ACC-000002", "Dekuuz Motors")
    assert account_candidates([long, short], []) == []
    same_phone = [
        dict(long, **{"Main Phone Number": "+2348030000009"}),
        dict(short, **{"Main Phone Number": "+2348030000009"}),
    ]
    (c,) = account_candidates(same_phone, [])
    assert "one name is a shortened form of the other" in c.evidence and c.score >= 85


# -- the finder scores names in bulk: the same candidates as scoring every blocked pair ------------
def _every_pair(blocks, max_block):
    """Each pair sharing a block of at most max_block records, once (as the finder once walked them)."""
    seen = set()
    for members in blocks.values():
        if 2 <= len(members) <= max_block:
            seen.update(itertools.combinations(sorted(set(members)), 2))
    return seen


def _accounts_pair_by_pair(accounts, contacts, rules):
    """account_candidates as it was: every blocked pair scored in full, one by one."""
    records = duplicates._accounts(accounts, contacts)
    blocks = defaultdict(list)
    for rec in records.values():
        keys = {"p:" + p for p in rec.phones} | {"e:" + e for e in rec.emails}
        if not rec.individual:
            keys |= {"d:" + d for d in rec.domains} | company_name_keys(rec.norm, rules.min_token)
        for key in keys:
            blocks[key].append(rec.id)
    found = [
        duplicates._score_accounts(records[a], records[b], rules)
        for a, b in _every_pair(blocks, rules.max_block)
    ]
    return sorted((c for c in found if c), key=lambda c: (-c.score, c.a, c.b))


def _contacts_pair_by_pair(contacts, rules):
    """contact_candidates as it was: every blocked pair scored in full, one by one."""
    rows = {
        str(r["Contact ID"]).upper(): r
        for r in contacts
        if r.get("Contact ID") and r.get("Status") != "Merged"
    }
    blocks = defaultdict(list)
    for cid, row in rows.items():
        for prefix, column in (("e:", "Email"), ("p:", "Mobile Number"), ("a:", "Associated Account ID")):
            if row.get(column):
                text = str(row[column])
                blocks[
                    prefix
                    + (text.casefold() if column == "Email" else text.upper() if prefix == "a:" else text)
                ].append(cid)
    out = []
    for a, b in _every_pair(blocks, rules.max_block):
        names = tuple(normalise_person_name(str(rows[x].get("Full Name") or "")) for x in (a, b))
        found = duplicates._score_contacts(a, rows[a], b, rows[b], rules, names)
        if found:
            out.append(found)
    return sorted(out, key=lambda c: (-c.score, c.a, c.b))


_WORDS = [
    "Dangote",
    "Dangtoe",
    "Chisco",
    "Chisko",
    "Motors",
    "Motor",
    "Foods",
    "Lagos",
    "Ltd",
    "Nig",
    "N/A",
    "",
    "&",
]
_PERSONS = ["Tunde", "Tundé", "Bakare", "Bakre", "Amaka", "Bello", "Belo", "Musa", "", "-"]
_name = st.lists(st.sampled_from(_WORDS), max_size=4).map(" ".join)
_person = st.lists(st.sampled_from(_PERSONS), max_size=3).map(" ".join)
_phone = st.sampled_from([None, "", "+2348030000001", "+2348030000002", "+2348030000003"])
_email = st.sampled_from(
    [None, "", "a@dangote.example", "A@Dangote.example", "b@gmail.com", "c@chisco.example"]
)
_account = st.builds(
    lambda i, name, kind, status, phone, address, erp: {
        "Account ID": f"ACC-{i:06d}",
        "Company Name": name,
        "Account Type": kind,
        "Status": status,
        "Main Phone Number": phone,
        "Address": address,
        "ERP Customer ID": erp,
    },
    st.integers(1, 12),
    _name,
    st.sampled_from(["Company", "Company", "Individual"]),
    st.sampled_from(["Active", "Active", "Merged"]),
    _phone,
    st.sampled_from([None, "1 Marina, Lagos", "1  MARINA, lagos", "2 Broad St"]),
    st.sampled_from([None, "", "C-1", "C-2"]),
)
_contact = st.builds(
    lambda i, name, account, status, phone, email: {
        "Contact ID": f"con-{i:06d}" if i % 5 == 0 else f"CON-{i:06d}",
        "Full Name": name,
        "Associated Account ID": account,
        "Status": status,
        "Mobile Number": phone,
        "Email": email,
    },
    st.integers(1, 30),
    _person,
    st.sampled_from([None, "", "ACC-000001", "acc-000002", "ACC-000003"]),
    st.sampled_from(["Active", "Active", "Merged"]),
    _phone,
    _email,
)
_rules = st.builds(
    DuplicateRules,
    review=st.sampled_from([85.0, 60.0, 0.0]),
    support=st.sampled_from([5.0, 30.0]),
    max_block=st.sampled_from([2, 5, 50]),
)


@pytest.mark.slow  # 300 generated hubs: 2-4 s, in the full loop
@settings(max_examples=300, deadline=None)
@given(st.lists(_account, max_size=14), st.lists(_contact, max_size=30), _rules)
def test_candidates_are_those_of_scoring_every_blocked_pair(accounts, contacts, rules):
    """Scoring the names of all blocked pairs together and the likely ones in full raises exactly the
    account and contact candidates, scores and evidence that scoring every blocked pair one by one did,
    whatever the thresholds (a review line at 0 included)."""
    assert account_candidates(accounts, contacts, rules) == _accounts_pair_by_pair(accounts, contacts, rules)
    assert contact_candidates(contacts, rules) == _contacts_pair_by_pair(contacts, rules)
