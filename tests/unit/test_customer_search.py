"""Customer search: the intake's name matching over a blocked index, exact keys first."""

from __future__ import annotations

from hub.customers.search import SearchIndex


def account(n, name, **extra):
    return {
        "Account ID": f"ACC-{n:06d}",
        "Company Name": name,
        "Account Type": "Company",
        "Status": "Active",
        **extra,
    }


ACCOUNTS = [
    account(
        1, "Dangote Industries Ltd", **{"ERP Customer ID": "C-1001", "Main Phone Number": "+2348031234567"}
    ),
    account(2, "Zenith Foods Plc"),
    account(3, "Dangana Motors"),
    account(4, "Kano Textile Mills Plc"),
]
CONTACTS = {
    "ACC-000002": [
        {"Full Name": "Chinedu Okafor", "Mobile Number": "+2348059876543", "Email": "c.okafor@zenith.example"}
    ]
}
INDEX = SearchIndex(ACCOUNTS, CONTACTS)


def ids(query):
    return [h.account_id for h in INDEX.search(query)]


def test_legal_suffixes_and_case_do_not_matter():
    """ "DANGOTE INDUSTRIES LIMITED" finds "Dangote Industries Ltd" first, as intake would link it."""
    assert ids("DANGOTE INDUSTRIES LIMITED")[0] == "ACC-000001"


def test_a_half_typed_word_and_a_typo_both_find_the_company():
    """ "dango" while typing, and "Dangote Industris" with a typo, find Dangote first."""
    assert ids("dango")[0] == "ACC-000001"
    assert ids("Dangote Industris")[0] == "ACC-000001"


def test_ids_phone_and_email_are_exact_hits():
    """Account ID, ERP number, a phone as dialled, and a contact's email each find their account."""
    assert ids("acc-000004")[0] == "ACC-000004"
    assert ids("C-1001")[0] == "ACC-000001"
    assert ids("0803 123 4567")[0] == "ACC-000001"
    hit = INDEX.search("C.Okafor@zenith.example")[0]
    assert (hit.account_id, hit.via) == ("ACC-000002", "email of Chinedu Okafor")


def test_a_contact_person_finds_their_company_and_says_so():
    """Searching a person's name shows their company, noting it was found through the contact."""
    [hit] = [h for h in INDEX.search("Chinedu Okafor") if h.account_id == "ACC-000002"]
    assert hit.via == "contact Chinedu Okafor"


def test_nothing_alike_gives_nothing_and_blank_gives_nothing():
    """An unrelated word returns no result; an empty query returns none either."""
    assert ids("Xylophone") == []
    assert ids("   ") == []


def test_only_names_sharing_a_word_start_are_scored():
    """The blocked index: a query is compared with the names sharing a word start, not every name."""
    assert INDEX._candidates("dangote", "dangote") == {"ACC-000001", "ACC-000003"}
