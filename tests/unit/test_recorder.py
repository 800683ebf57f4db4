"""The writer's rules: search first, pipeline and tickets, idempotency (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime

from hub.intake.receive import receive
from hub.intake.recorder import READS, record_batch
from hub.intake.validation import IntakeRules
from tests.factories import NOW, body, raw
from tests.fakes import FakeHubStore

LOCAL_NOW = datetime(2026, 11, 20, 10, 30)


class Hub:
    """Runs messages through intake and the recorder, keeping the result in a fake store."""

    def __init__(self) -> None:
        self.store = FakeHubStore()

    def send(self, *payloads):
        messages = [
            receive(raw(p), signature=None, secret=None, now=NOW, rules=IntakeRules()).message
            for p in payloads
        ]
        result = record_batch(self.store.read_tables(READS), messages, LOCAL_NOW)
        self.store.apply(result.changes)
        return result.outcomes if len(payloads) > 1 else result.outcomes[0]

    def rows(self, name):
        return self.store.tables[name]

    def account(self, account_id):
        return next(r for r in self.rows("Accounts") if r["Account ID"] == account_id)


def company(name, **answers):
    return body({"company_name": name, **answers}, drop=("contact_email", "contact_phone", "contact_name"))


# -- accounts ------------------------------------------------------------------------------
def test_a_new_company_gets_a_readable_account_id_owned_by_whoever_logged_it():
    hub = Hub()
    out = hub.send(body())
    assert out.status == "recorded"
    assert (out.interaction_id, out.account_id) == ("INT-000001", "ACC-000001")
    acc = hub.account("ACC-000001")
    assert acc["Company Name"] == "Dangote Industries Ltd"
    assert acc["Account Owner"] == "ada.okafor@mikano.example"
    assert acc["Status"] == "Active" and acc["Account Type"] == "Company" and acc["Divisions"] == "Motors"


def test_spellings_that_normalise_alike_reach_the_same_account():
    hub = Hub()
    outs = hub.send(
        company("Dangote Industries Ltd."),
        company("DANGOTE INDUSTRIES LIMITED"),
        company("The Dangote Industries (Nig) Ltd"),
    )
    assert {o.account_id for o in outs} == {"ACC-000001"}
    assert len(hub.rows("Accounts")) == 1
    assert hub.rows("Review Queue") == []


def test_a_near_match_links_and_raises_a_review_item_instead_of_a_silent_duplicate():
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"))
    out = hub.send(company("Dangote Industris Ltd"))
    assert out.account_id == "ACC-000001"
    assert len(hub.rows("Accounts")) == 1
    [item] = hub.rows("Review Queue")
    assert item["Record A"] == "ACC-000001" and item["Record B"] == out.interaction_id
    assert item["Score"] >= 90 and "Dangote Industris Ltd" in item["Reason"]
    assert hub.rows("Audit")[0]["Action"] == "Linked by near match"


def test_the_same_misspelling_again_does_not_raise_a_second_review_item():
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"))
    hub.send(company("Dangote Industris Ltd"))
    hub.send(company("Dangote Industris Ltd"))
    assert len(hub.rows("Review Queue")) == 1


def test_a_weaker_match_creates_the_account_and_asks_the_steward():
    hub = Hub()
    hub.send(company("Kaduna Power Solutions Ltd"))
    out = hub.send(company("Kaduna Solar Solutions Ltd"))
    assert out.account_id == "ACC-000002"
    [item] = hub.rows("Review Queue")
    assert {item["Record A"], item["Record B"]} == {"ACC-000001", "ACC-000002"}
    assert 80 <= item["Score"] < 90


def test_unrelated_names_are_left_alone():
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"), company("Zuma Steel Works Plc"))
    assert len(hub.rows("Accounts")) == 2 and hub.rows("Review Queue") == []


def test_account_id_and_erp_id_take_precedence_over_the_name():
    hub = Hub()
    hub.send(company("Dangote Industries Ltd", erp_customer_id="C10023"))
    assert hub.send(company("Something Else", account_id="acc-000001")).account_id == "ACC-000001"
    assert hub.send(company("Something Else Again", erp_customer_id="c10023")).account_id == "ACC-000001"


def test_an_unknown_account_id_alone_is_rejected_and_kept():
    hub = Hub()
    out = hub.send(
        body(
            {"account_id": "ACC-000999"},
            drop=("company_name", "contact_name", "contact_email", "contact_phone"),
        )
    )
    assert out.status == "rejected"
    assert out.errors[0]["field"] == "account_id"
    [rejected] = hub.rows("Rejected")
    assert "ACC-000999 is not in the hub" in rejected["Errors"]
    assert '"ACC-000999"' in rejected["Raw Payload"]
    assert hub.rows("Interactions") == []


def test_an_unknown_account_id_with_a_name_falls_back_to_the_name_and_says_so():
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"))
    out = hub.send(company("Dangote Industries Ltd", account_id="ACC-000999"))
    assert out.account_id == "ACC-000001"
    assert any("ACC-000999" in n for n in out.notes)
    assert hub.rows("Audit")[-1]["Action"] == "Account ID not found"


def test_a_merged_account_resolves_to_its_survivor():
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"), company("Dangote Cement Works"))
    hub.account("ACC-000002").update({"Status": "Merged", "Merged Into": "ACC-000001"})
    assert hub.send(company("x", account_id="ACC-000002")).account_id == "ACC-000001"
    assert hub.send(company("Dangote Cement Works")).account_id == "ACC-000001"


def test_a_second_division_is_added_to_the_account():
    hub = Hub()
    hub.send(company("Dangote Industries Ltd", division="Power"), company("Dangote Industries Ltd"))
    assert hub.account("ACC-000001")["Divisions"] == "Motors; Power"


def test_individuals_are_found_again_by_phone_not_by_name():
    hub = Hub()
    first = {
        "account_type": "Individual",
        "contact_name": "Bola Ade",
        "contact_phone": "0803 555 0101",
        "division": "GRAS",
    }
    a = hub.send(body(first, drop=("company_name", "contact_email")))
    b = hub.send(
        body({**first, "contact_phone": "+234 803 555 0101"}, drop=("company_name", "contact_email"))
    )
    c = hub.send(body({**first, "contact_phone": "0803 555 0202"}, drop=("company_name", "contact_email")))
    assert a.account_id == b.account_id != c.account_id
    assert hub.account(a.account_id)["Account Type"] == "Individual"
    assert hub.account(a.account_id)["Company Name"] == "Bola Ade"


# -- contacts ------------------------------------------------------------------------------
def test_contacts_match_by_email_then_phone_then_name_within_the_account():
    hub = Hub()
    hub.send(body())
    by_email = hub.send(body({"contact_phone": None, "contact_name": "C. Okafor"}))
    by_phone = hub.send(body({"contact_email": None, "contact_name": "Chinedu O."}))
    by_name = hub.send(body({"contact_email": None, "contact_phone": None}))
    contacts = {r["Contact ID"] for r in hub.rows("Interactions")}
    assert contacts == {"CON-000001"}
    assert len(hub.rows("Contacts")) == 1
    assert all(o.status == "recorded" for o in (by_email, by_phone, by_name))


def test_a_known_contact_gets_blank_details_filled():
    hub = Hub()
    hub.send(body({"contact_phone": None}))
    hub.send(body({"job_title": "Fleet Manager"}))
    [contact] = hub.rows("Contacts")
    assert contact["Mobile Number"] == "+2348031234567"
    assert contact["Job Title"] == "Fleet Manager"


def test_the_same_name_at_another_company_is_another_contact():
    hub = Hub()
    hub.send(body({"contact_email": None, "contact_phone": None}))
    hub.send(body({"company_name": "Zuma Steel Works", "contact_email": None, "contact_phone": None}))
    assert len(hub.rows("Contacts")) == 2


# -- interactions and idempotency ----------------------------------------------------------
def test_the_interaction_row_carries_everything_logged():
    hub = Hub()
    hub.send(body({"next_action": "Send PFI", "action_due_date": "25/11/2026"}))
    [row] = hub.rows("Interactions")
    assert row["Date"] == datetime(2026, 11, 20, 9, 15)
    assert row["Channel"] == "WhatsApp" and row["Division"] == "Motors" and row["Direction"] == "Inbound"
    assert row["Next Action"] == "Send PFI" and row["Action Status"] == "Open"
    assert row["Logged By"] == "ada.okafor@mikano.example"
    assert row["Source Response ID"].startswith("resp-")


def test_a_response_delivered_twice_is_recorded_once():
    hub = Hub()
    payload = body()
    first, again = hub.send(payload, payload)
    later = hub.send(payload)
    assert first.status == "recorded"
    assert again.status == later.status == "duplicate"
    assert again.interaction_id == later.interaction_id == first.interaction_id
    assert len(hub.rows("Interactions")) == 1


def test_a_rejection_delivered_twice_is_kept_once():
    hub = Hub()
    bad = body({"division": None})
    outs = hub.send(bad, bad)
    assert [o.status for o in outs] == ["rejected", "rejected"]
    assert len(hub.rows("Rejected")) == 1


def test_a_message_that_breaks_the_rules_fails_alone():
    hub = Hub()
    good = receive(raw(body()), signature=None, secret=None, now=NOW, rules=IntakeRules()).message
    broken = {**good, "values": {"no_such_question": "x"}, "responseId": "broken"}
    result = record_batch(hub.store.read_tables(READS), [broken, good], LOCAL_NOW)
    assert [o.status for o in result.outcomes] == ["failed", "recorded"]
    assert len(result.changes.appends["Interactions"]) == 1


# -- pipeline ------------------------------------------------------------------------------
def test_a_stage_opens_an_opportunity_and_stamps_the_date_entered():
    hub = Hub()
    out = hub.send(
        body({"opportunity_stage": "Inquiry", "product": "Toyota Hilux", "deal_value": "₦25,000,000"})
    )
    [opp] = hub.rows("Opportunities")
    assert opp["Opportunity ID"] == "OPP-000001" and opp["Stage"] == "Inquiry" and opp["Value"] == 25_000_000
    assert opp["Date Entered Inquiry"] == datetime(2026, 11, 20, 9, 15) == opp["Opened"]
    assert opp["Closed"] is None
    assert hub.rows("Interactions")[0]["Opportunity ID"] == "OPP-000001"
    assert out.status == "recorded"


def test_later_stages_advance_the_same_opportunity_and_won_closes_it():
    hub = Hub()
    hub.send(body({"opportunity_stage": "Inquiry", "product": "Toyota Hilux", "occurred_at": "01/11/2026"}))
    hub.send(
        body(
            {
                "opportunity_stage": "quote / pfi",
                "product": "TOYOTA HILUX",
                "occurred_at": "10/11/2026",
                "deal_value": "24,000,000",
            }
        )
    )
    hub.send(body({"opportunity_stage": "Won", "product": "Toyota Hilux", "occurred_at": "18/11/2026"}))
    [opp] = hub.rows("Opportunities")
    assert opp["Stage"] == "Won" and opp["Value"] == 24_000_000
    assert opp["Date Entered Quote / PFI"] == datetime(2026, 11, 10)
    assert opp["Date Entered Won"] == opp["Closed"] == datetime(2026, 11, 18)
    assert opp["Date Entered Qualified"] is None  # skipped stages stay blank


def test_after_a_close_the_next_inquiry_is_a_new_opportunity():
    hub = Hub()
    hub.send(body({"opportunity_stage": "Lost", "product": "Hilux"}))
    hub.send(body({"opportunity_stage": "Inquiry", "product": "Hilux"}))
    assert [o["Stage"] for o in hub.rows("Opportunities")] == ["Lost", "Inquiry"]


def test_other_products_and_divisions_are_separate_opportunities():
    hub = Hub()
    hub.send(
        body({"opportunity_stage": "Inquiry", "product": "Hilux"}),
        body({"opportunity_stage": "Inquiry", "product": "Tucson"}),
        body({"opportunity_stage": "Inquiry", "product": "Hilux", "division": "Power"}),
    )
    assert len(hub.rows("Opportunities")) == 3


# -- tickets -------------------------------------------------------------------------------
def test_ticket_fields_open_a_ticket():
    hub = Hub()
    hub.send(body({"ticket_category": "Warranty", "quote_amount": "150,000", "direction": "Inbound"}))
    [ticket] = hub.rows("Tickets")
    assert ticket["Ticket ID"] == "TKT-000001" and ticket["Status"] == "Open"
    assert ticket["Quote Amount"] == 150_000 and ticket["First Response"] is None
    assert hub.rows("Interactions")[0]["Ticket ID"] == "TKT-000001"


def test_a_ticket_update_stamps_first_response_resolution_and_csat():
    hub = Hub()
    hub.send(body({"ticket_category": "Complaint", "occurred_at": "10/11/2026 09:00"}))
    hub.send(
        body(
            {
                "ticket_id": "tkt-000001",
                "ticket_status": "In Progress",
                "occurred_at": "10/11/2026 15:00",
                "direction": "Outbound",
            }
        )
    )
    hub.send(
        body(
            {
                "ticket_id": "TKT-000001",
                "ticket_status": "Resolved",
                "occurred_at": "12/11/2026 11:00",
                "final_amount": "180,000",
                "csat": "4",
            }
        )
    )
    [ticket] = hub.rows("Tickets")
    assert ticket["First Response"] == datetime(2026, 11, 10, 15, 0)
    assert ticket["Resolved"] == datetime(2026, 11, 12, 11, 0)
    assert (ticket["Status"], ticket["Final Amount"], ticket["CSAT"]) == ("Resolved", 180_000, 4)


def test_an_unknown_ticket_id_is_rejected_without_creating_anything():
    hub = Hub()
    out = hub.send(body({"ticket_id": "TKT-000404", "ticket_status": "Closed"}))
    assert out.status == "rejected" and out.errors[0]["field"] == "ticket_id"
    assert hub.rows("Accounts") == [] and hub.rows("Interactions") == []
    assert len(hub.rows("Rejected")) == 1


# -- follow-ups ----------------------------------------------------------------------------
def test_a_follow_up_done_closes_the_promised_action_and_logs_the_touch():
    """The customer comes from the interaction it closes; the action turns Done, with an Audit row."""
    hub = Hub()
    first = hub.send(body({"next_action": "Send the PFI", "action_due_date": "22/11/2026"}))
    done = hub.send(
        body(
            {
                "interaction_type": "Follow-up done",
                "follow_up_of": first.interaction_id.lower(),
                "notes": "PFI sent",
            },
            drop=("company_name", "contact_name", "contact_email", "contact_phone"),
        )
    )
    assert done.status == "recorded" and done.account_id == first.account_id
    rows = {r["Interaction ID"]: r for r in hub.rows("Interactions")}
    assert rows[first.interaction_id]["Action Status"] == "Done"
    assert rows[done.interaction_id]["Type"] == "Follow-up done"
    assert rows[done.interaction_id]["Contact ID"] == rows[first.interaction_id]["Contact ID"]
    (audit,) = [a for a in hub.rows("Audit") if a["Action"] == "Action done"]
    assert audit["Record"] == first.interaction_id and audit["After"] == "Done"


def test_a_follow_up_of_an_unknown_interaction_is_rejected_and_kept():
    hub = Hub()
    out = hub.send(
        body(
            {"interaction_type": "Follow-up done", "follow_up_of": "INT-999999"},
            drop=("company_name", "contact_name", "contact_email", "contact_phone"),
        )
    )
    assert out.status == "rejected" and "INT-999999 is not in the hub" in out.errors[0]["message"]
    assert hub.rows("Rejected")


def test_follow_up_done_without_the_interaction_id_is_a_field_error():
    reply = receive(
        raw(body({"interaction_type": "Follow-up done"})),
        signature=None,
        secret=None,
        now=NOW,
        rules=IntakeRules(),
    )
    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == "follow_up_of"
