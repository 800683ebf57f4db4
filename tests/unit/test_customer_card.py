"""The customer card's assembly: owner and why, divisions, contacts' links, promises, history."""

from __future__ import annotations

from datetime import date, datetime

from hub.customers.card import look_up
from hub.customers.snapshot import HubSnapshot
from hub.responses import TIME_KNOWN

TODAY = date(2026, 11, 25)


def interaction(n, when, account="ACC-000001", known=True, **extra):
    return {
        "Interaction ID": f"INT-{n:06d}",
        "Date": when,
        "Account ID": account,
        "Channel": "Phone",
        "Direction": "Inbound",
        "Type": "Inquiry",
        "Division": "Motors",
        "Notes": f"note {n}",
        "Logged By": "ada@mikano.example",
        TIME_KNOWN: "Yes" if known else "No",
        **extra,
    }


def tables():
    return {
        "Accounts": [
            {
                "Account ID": "ACC-000001",
                "Company Name": "Dangote Industries Ltd",
                "ERP Customer ID": "C-1001",
                "Account Owner": "ada@mikano.example",
                "Owner Basis": "largest invoice of the last 12 months (INV-9)",
                "Divisions": "Motors",
                "Status": "Active",
            },
            {
                "Account ID": "ACC-000002",
                "Company Name": "Dangote Ind",
                "Status": "Merged",
                "Merged Into": "ACC-000001",
            },
        ],
        "Contacts": [
            {
                "Contact ID": "CON-1",
                "Full Name": "Chinedu Okafor",
                "Mobile Number": "+2348031234567",
                "Associated Account ID": "ACC-000002",
                "Status": "Active",
            }
        ],
        "Interactions": [interaction(n, datetime(2026, 11, 1 + n % 20, 9, n % 60)) for n in range(1, 31)]
        + [
            interaction(31, datetime(2026, 11, 24), known=False, account="ACC-000002", Division="Power"),
            interaction(
                32,
                datetime(2026, 11, 10, 10, 0),
                **{"Next Action": "Send PFI", "Action Due Date": date(2026, 11, 20), "Action Status": "Open"},
            ),
            interaction(
                33,
                datetime(2026, 11, 11, 10, 0),
                **{
                    "Next Action": "Call back",
                    "Action Due Date": date(2026, 11, 20),
                    "Action Status": "Done",
                },
            ),
        ],
        "Opportunities": [
            {
                "Opportunity ID": "OPP-1",
                "Account ID": "ACC-000001",
                "Stage": "Quote / PFI",
                "Division": "Motors",
            },
            {"Opportunity ID": "OPP-2", "Account ID": "ACC-000001", "Stage": "Won", "Division": "Motors"},
        ],
        "Tickets": [
            {"Ticket ID": "TKT-1", "Account ID": "ACC-000001", "Status": "Closed", "Division": "Motors"}
        ],
        "Deals": [
            {
                "Invoice No": f"INV-{n}",
                "ERP Customer ID": "C-1001",
                "Amount": 1000 * n,
                "Invoice Date": date(2026, n, 1),
                "Division": "Medical",
            }
            for n in range(1, 13)
        ],
        "Staff": [{"Email": "ada@mikano.example", "Full Name": "Ada Okafor"}],
    }


def card():
    found = look_up(HubSnapshot(tables()), "acc-000001", TODAY)
    assert found.kind == "card"
    return found.card


def test_the_card_names_the_owner_and_why():
    """Owner by name with the basis governance recorded."""
    c = card()
    assert (c.owner, c.erp_id) == ("Ada Okafor", "C-1001")
    assert "largest invoice" in c.owner_basis


def test_divisions_touched_come_from_interactions_invoices_and_merged_records():
    """Motors (interactions), Medical (ERP invoices), Power (a merged account's row): cross-division."""
    c = card()
    assert c.divisions == ["Motors", "Power", "Medical"] and c.cross_division


def test_contacts_of_a_merged_account_have_call_and_whatsapp_links():
    """Phones become tel: and wa.me links in E.164."""
    [contact] = card().contacts
    assert contact.phone.tel == "tel:+2348031234567"
    assert contact.phone.whatsapp == "https://wa.me/2348031234567"
    assert contact.phone.shown == "0803 123 4567"


def test_history_is_the_last_twenty_newest_first_with_unknown_times_unstated():
    """Twenty lines, newest first; a row of unknown time shows its day and no made-up 00:00."""
    c = card()
    assert len(c.history) == 20 and c.interaction_count == 33
    assert c.history[0].interaction_id == "INT-000031" and c.history[0].time is None
    days = [h.day for h in c.history]
    assert days == sorted(days, reverse=True)


def test_open_promises_opportunities_and_invoices():
    """Only open promises (5 days late), open opportunities, the ten newest invoices of twelve."""
    c = card()
    assert [(p.interaction_id, p.days_late) for p in c.promises] == [("INT-000032", 5)]
    assert [o["Opportunity ID"] for o in c.opportunities] == ["OPP-1"]
    assert c.tickets == []
    assert [d["Invoice No"] for d in c.invoices][:2] == ["INV-12", "INV-11"] and c.invoice_count == 12
    assert len(c.invoices) == 10


def test_a_merged_account_points_to_its_survivor_and_an_unknown_one_is_unknown():
    """ACC-000002 was merged into ACC-000001; ACC-999999 does not exist."""
    snapshot = HubSnapshot(tables())
    moved = look_up(snapshot, "ACC-000002", TODAY)
    assert (moved.kind, moved.survivor) == ("moved", "ACC-000001")
    assert look_up(snapshot, "ACC-999999", TODAY).kind == "unknown"


def test_a_handed_over_promise_belongs_to_its_new_owner():
    """After a hand-over the card names the new owner (Action Owner), the person its links are for."""
    t = tables()
    promise = next(r for r in t["Interactions"] if r["Interaction ID"] == "INT-000032")
    promise["Action Owner"] = "bola@mikano.example"
    t["Staff"].append({"Email": "bola@mikano.example", "Full Name": "Bola Ade"})
    found = look_up(HubSnapshot(t), "ACC-000001", TODAY)
    assert found.card is not None
    assert [(p.owner, p.owner_email) for p in found.card.promises] == [("Bola Ade", "bola@mikano.example")]
