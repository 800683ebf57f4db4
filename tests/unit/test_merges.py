"""Merges (rule 4): the steward decides, the next run applies; nothing is deleted or lost."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.governance import merges
from hub.governance.nightly import govern
from hub.governance.rules import GovernanceRules
from hub.matching import AccountIndex
from hub.tables import Table
from hub_schema.columns import COMPANY_NAME, CONTACT_NAME
from tests.strategies import examples, merge_account_counts, merge_children, merge_decisions

NOW = datetime(2026, 11, 23, 2, 0)


def acc(n, name, **extra):
    return {
        "Account ID": f"ACC-{n:06d}",
        "Company Name": name,
        "Account Type": "Company",
        "Status": "Active",
        **extra,
    }


def hub(**tables):
    base = {
        "Accounts": [
            acc(1, "Dangote Industries", Industry="Manufacturing", Divisions="Motors"),
            acc(
                2,
                "Dangote Industries Nig",
                Address="1 Alfred Rewane Rd",
                Divisions="Power",
                **{"ERP Customer ID": "C77"},
            ),
        ],
        "Contacts": [
            {
                "Contact ID": "CON-000001",
                "Full Name": "Ada",
                "Associated Account ID": "ACC-000001",
                "Status": "Active",
            },
            {
                "Contact ID": "CON-000002",
                "Full Name": "Ada O",
                "Associated Account ID": "ACC-000002",
                "Status": "Active",
            },
        ],
        "Interactions": [
            {"Interaction ID": "INT-000001", "Account ID": "ACC-000001", "Contact ID": "CON-000001"},
            {"Interaction ID": "INT-000002", "Account ID": "ACC-000002", "Contact ID": "CON-000002"},
        ],
        "Opportunities": [{"Opportunity ID": "OPP-000001", "Account ID": "ACC-000001"}],
        "Tickets": [{"Ticket ID": "TKT-000001", "Account ID": "ACC-000001", "Contact ID": "CON-000001"}],
        "Deals": [{"Invoice No": "INV-1", "ERP Customer ID": "C77", "Account ID": "ACC-000002"}],
        "Review Queue": [
            {
                "Review ID": "REV-000001",
                "Kind": "Account",
                "Record A": "ACC-000001",
                "Record B": "ACC-000002",
                "Decision": "Merge",
                "Decided By": "steward@mikano.example",
                "Match Key": "ACC-000001|ACC-000002",
            }
        ],
    }
    base.update(tables)
    return base


def apply(tables):
    """Run governance and fold its changes back into the rows (as the store would)."""
    result = govern(tables, NOW, date(2026, 11, 23), GovernanceRules())
    out = {name: [dict(r) for r in rows] for name, rows in tables.items()}
    for name, rows in result.changes.appends.items():
        out.setdefault(name, []).extend(rows)
    for update in result.changes.updates:
        from hub_schema.tabs import tab

        key = tab(update.tab).key
        row = next(r for r in out[update.tab] if str(r[key]).upper() == update.key.upper())
        row.update(update.values)
    return result, out


def test_the_erp_account_survives_and_children_follow_it():
    """When the steward decides Merge, the account with an ERP ID survives, every interaction, opportunity and
    ticket moves to it, and one audit line names the decision."""
    result, out = apply(hub())
    accounts = {a["Account ID"]: a for a in out["Accounts"]}
    assert (
        accounts["ACC-000001"]["Status"] == "Merged" and accounts["ACC-000001"]["Merged Into"] == "ACC-000002"
    )
    assert {r["Account ID"] for r in out["Interactions"] + out["Opportunities"] + out["Tickets"]} == {
        "ACC-000002"
    }
    assert {c["Associated Account ID"] for c in out["Contacts"]} == {"ACC-000002"}
    survivor = accounts["ACC-000002"]
    assert survivor["Industry"] == "Manufacturing" and survivor["Divisions"] == "Motors; Power"
    assert survivor["Address"] == "1 Alfred Rewane Rd"  # the survivor's own values stay
    assert out["Review Queue"][0]["Applied At"] == NOW
    merge_audit = [a for a in out["Audit"] if a["Action"] == "Merge account"]
    assert (
        len(merge_audit) == 1 and "REV-000001 decided by steward@mikano.example" in merge_audit[0]["Reason"]
    )
    assert result.summary()["merges applied"] == 1


def test_without_erp_ids_the_older_account_survives():
    """When neither account has an ERP ID, the older account survives the merge."""
    tables = hub()
    tables["Accounts"][1]["ERP Customer ID"] = None
    tables["Deals"] = []
    _, out = apply(tables)
    accounts = {a["Account ID"]: a for a in out["Accounts"]}
    assert (
        accounts["ACC-000002"]["Merged Into"] == "ACC-000001" and accounts["ACC-000001"]["Status"] == "Active"
    )


def test_applying_twice_changes_nothing_more():
    """Applying the same merge decisions again changes no row and adds no audit line."""
    _, once = apply(hub())
    result, twice = apply(once)
    assert result.changes.updates == [] and result.summary()["merges applied"] == 0
    assert twice == once | {"Audit": twice["Audit"], "Review Queue": twice["Review Queue"]}
    assert len(twice["Audit"]) == len(once["Audit"])


def test_intake_then_resolves_the_loser_to_the_survivor():
    """After a merge, intake finds the survivor when given the merged account's ID or name."""
    _, out = apply(hub())
    index = AccountIndex(out["Accounts"])
    assert index.by_id("ACC-000001") == "ACC-000002"
    assert index.by_exact_name("DANGOTE INDUSTRIES LTD") == "ACC-000002"


def test_not_duplicate_is_remembered():
    """A pair the steward marked "Not duplicate" is not raised for review again."""
    tables = hub()
    tables["Review Queue"][0]["Decision"] = "Not duplicate"
    result, _ = apply(tables)
    assert result.raised == [] and result.already_known >= 1


def test_a_row_written_after_the_merge_is_re_pointed_on_the_next_run():
    """A row that still points at the merged account after the merge is moved to the survivor on the next
    run."""
    _, out = apply(hub())
    out["Interactions"].append(
        {"Interaction ID": "INT-000003", "Account ID": "ACC-000001", "Contact ID": "CON-000001"}
    )
    _, again = apply(out)
    late = next(r for r in again["Interactions"] if r["Interaction ID"] == "INT-000003")
    assert late["Account ID"] == "ACC-000002"


def test_after_a_merge_rows_read_the_survivors_names():
    """After a merge, the re-pointed interactions, opportunities and tickets show the surviving account's
    Company Name and the surviving contact's name; rows already right are not rewritten."""
    tables = hub()
    tables["Interactions"][0].update({COMPANY_NAME: "Dangote Industries", CONTACT_NAME: "Ada"})
    tables["Interactions"][1].update({COMPANY_NAME: "Dangote Industries Nig", CONTACT_NAME: "Ada O"})
    result, out = apply(tables)
    assert {r[COMPANY_NAME] for r in out["Interactions"] + out["Opportunities"] + out["Tickets"]} == {
        "Dangote Industries Nig"
    }
    assert result.merges.renamed == {"Interactions": 1, "Opportunities": 1, "Tickets": 1}
    assert [r[CONTACT_NAME] for r in out["Interactions"]] == ["Ada", "Ada O"]


def test_a_renamed_account_is_renamed_on_its_rows_by_the_next_run():
    """An account renamed in the hub (by the ERP import or the steward) has its new name on its rows after
    the next governance run, even with no merge to apply."""
    tables = hub(**{"Review Queue": []})
    tables["Interactions"][0][COMPANY_NAME] = "Dangote (old name)"
    result, out = apply(tables)
    assert out["Interactions"][0][COMPANY_NAME] == "Dangote Industries"
    assert out["Interactions"][0][CONTACT_NAME] == "Ada"
    assert result.summary()["names refreshed"] == 4


def test_a_contact_merge_moves_interactions_and_fills_blanks():
    """A contact merge moves the interactions to the surviving contact and fills its blank details from the
    merged one."""
    tables = hub(
        Contacts=[
            {
                "Contact ID": "CON-000001",
                "Full Name": "Ada Okafor",
                "Associated Account ID": "ACC-000001",
                "Status": "Active",
            },
            {
                "Contact ID": "CON-000002",
                "Full Name": "Ada Okafor",
                "Associated Account ID": "ACC-000001",
                "Status": "Active",
                "Email": "ada@dangote.example",
            },
        ],
        **{
            "Review Queue": [
                {
                    "Review ID": "REV-000001",
                    "Kind": "Contact",
                    "Record A": "CON-000002",
                    "Record B": "CON-000001",
                    "Decision": "Merge",
                }
            ]
        },
    )
    _, out = apply(tables)
    contacts = {c["Contact ID"]: c for c in out["Contacts"]}
    assert contacts["CON-000002"]["Merged Into"] == "CON-000001"
    assert contacts["CON-000001"]["Email"] == "ada@dangote.example"
    assert {r["Contact ID"] for r in out["Interactions"]} == {"CON-000001"}


@examples(60)
@given(n_accounts=merge_account_counts, children=merge_children, decisions=merge_decisions)
def test_merging_never_loses_a_child_record(n_accounts, children, decisions):
    """Whatever merges are decided (chains, repeats, self-merges), every child survives and points
    at an account that is still active."""
    accounts = [acc(i + 1, f"Company {i}") for i in range(n_accounts)]
    interactions = [
        {
            "Interaction ID": f"INT-{k + 1:06d}",
            "Account ID": f"ACC-{(c % n_accounts) + 1:06d}",
            "Contact ID": None,
        }
        for k, c in enumerate(children)
    ]
    reviews = [
        {
            "Review ID": f"REV-{k + 1:06d}",
            "Kind": "Account",
            "Record A": f"ACC-{(a % n_accounts) + 1:06d}",
            "Record B": f"ACC-{(b % n_accounts) + 1:06d}",
            "Decision": "Merge",
        }
        for k, (a, b) in enumerate(decisions)
    ]
    tables = {"Accounts": accounts, "Interactions": interactions, "Review Queue": reviews}
    _, out = apply(tables)
    _, out = apply(out)  # and once more: idempotent
    active = {a["Account ID"] for a in out["Accounts"] if a["Status"] == "Active"}
    assert len(out["Accounts"]) == n_accounts  # nothing deleted
    assert len(out["Interactions"]) == len(children)
    assert {i["Interaction ID"] for i in out["Interactions"]} == {i["Interaction ID"] for i in interactions}
    assert all(i["Account ID"] in active for i in out["Interactions"])
    assert active  # merges never merge everything away


# -- re-pointing and name refresh read each ID once: the same changes as row by row -------------
def _refresh_row_by_row(t):
    """refresh_names as it was: each child row's IDs looked up in the parent table one by one."""
    counts = {}
    for tab_name, pairs in merges.NAME_COLUMNS.items():
        child = t.get(tab_name)
        if child is None or not child.schema.key:
            continue
        for row in child.rows + child.new:
            values = {}
            for ref_column, parent, source, target in pairs:
                found = t[parent].by_key.get(str(row.get(ref_column) or "").strip().upper())
                if found and found.get(source) and row.get(target) != found[source]:
                    values[target] = found[source]
            if values:
                child.set(str(row[child.schema.key]), values)
                counts[tab_name] = counts.get(tab_name, 0) + 1
    return counts


_IDS = ["ACC-000001", "acc-000001", " ACC-000002", "ACC-000002", "ACC-000003", "ACC-000009", "", None, 4]
_CON_IDS = ["CON-000001", "con-000002", "CON-000002 ", "CON-000003", None]
_NAMES = ["Dangote", "Chisco", "", None]


def _record(kind, ids, names):
    return st.fixed_dictionaries(
        {
            f"{kind} ID": st.sampled_from([i for i in ids if i]),
            "Name": st.sampled_from(names),
            "Status": st.sampled_from(["Active", "Merged", "Merged", None]),
            "Merged Into": st.sampled_from([*ids, "ACC-000404"]),
        }
    )


def _tables(accounts, contacts, interactions):
    rows = {
        "Accounts": [
            {
                "Account ID": a["Account ID"],
                COMPANY_NAME: a["Name"],
                "Status": a["Status"],
                "Merged Into": a["Merged Into"],
            }
            for a in accounts
        ],
        "Contacts": [
            {
                "Contact ID": c["Contact ID"],
                "Full Name": c["Name"],
                "Status": c["Status"],
                "Merged Into": c["Merged Into"],
            }
            for c in contacts
        ],
        "Interactions": [
            {
                "Interaction ID": f"INT-{i:06d}",
                "Account ID": a,
                "Contact ID": c,
                COMPANY_NAME: n,
                CONTACT_NAME: m,
            }
            for i, (a, c, n, m) in enumerate(interactions)
        ],
        "Opportunities": [],
        "Tickets": [],
        "Deals": [],
    }
    return {name: Table(name, [dict(r) for r in tab_rows]) for name, tab_rows in rows.items()}


def _state(t):
    return {name: (table.rows, table.changed) for name, table in t.items()}


@pytest.mark.slow  # 300 generated hubs: 2-4 s, in the full loop
@settings(max_examples=300, deadline=None)
@given(
    st.lists(_record("Account", _IDS, _NAMES), max_size=6),
    st.lists(_record("Contact", _CON_IDS, _NAMES), max_size=4),
    st.lists(
        st.tuples(
            st.sampled_from(_IDS), st.sampled_from(_CON_IDS), st.sampled_from(_NAMES), st.sampled_from(_NAMES)
        ),
        max_size=12,
    ),
)
def test_merged_records_and_name_refresh_are_those_of_row_by_row_lookups(accounts, contacts, interactions):
    """Following only merged records finds every record that leads elsewhere, and looking each ID text up
    once renames exactly the children that looking up every row did (chains, loops, unknown targets, IDs
    in another case or with spaces, blanks and numbers)."""
    old, new = (_tables(accounts, contacts, interactions) for _ in range(2))
    for parent in ("Accounts", "Contacts"):  # as it was: every record followed to its survivor
        table = new[parent]
        assert merges._moved(table) == {
            k: s for k in table.by_key if (s := merges._final(table, k)) is not None and s != k
        }
    assert merges.refresh_names(new) == _refresh_row_by_row(old)
    assert _state(new) == _state(old)
