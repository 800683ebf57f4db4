"""The writer's rules: search first, pipeline and tickets, idempotency (pure, no I/O)."""

from __future__ import annotations

from datetime import date, datetime

from hub.intake.receive import receive
from hub.intake.recorder import READS, record_batch
from hub.intake.validation import IntakeRules
from hub_schema.columns import COMPANY_NAME, CONTACT_NAME
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
    """A first interaction with an unknown company creates ACC-000001, active, typed Company, in the logged
    division and owned by the staff member who logged it."""
    hub = Hub()
    out = hub.send(body())
    assert out.status == "recorded"
    assert (out.interaction_id, out.account_id) == ("INT-000001", "ACC-000001")
    acc = hub.account("ACC-000001")
    assert acc["Company Name"] == "Dangote Industries Ltd"
    assert acc["Account Owner"] == "ada.okafor@mikano.example"
    assert acc["Status"] == "Active" and acc["Account Type"] == "Company" and acc["Divisions"] == "Motors"


def test_spellings_that_normalise_alike_reach_the_same_account():
    """Spellings that differ by "Ltd." or "LIMITED", a leading "The", "(Nig)" or case all land on one account
    without asking the steward."""
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
    """A misspelt company name (score 90 or more) is linked to the existing account and a review item plus an
    audit line record the guess."""
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
    """Logging the same misspelling again links silently instead of filling the Review Queue with repeats."""
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"))
    hub.send(company("Dangote Industris Ltd"))
    hub.send(company("Dangote Industris Ltd"))
    assert len(hub.rows("Review Queue")) == 1


def test_a_weaker_match_creates_the_account_and_asks_the_steward():
    """A name that scores between 80 and 90 gets its own account, and the steward is asked whether the two are
    one."""
    hub = Hub()
    hub.send(company("Kaduna Power Solutions Ltd"))
    out = hub.send(company("Kaduna Solar Solutions Ltd"))
    assert out.account_id == "ACC-000002"
    [item] = hub.rows("Review Queue")
    assert {item["Record A"], item["Record B"]} == {"ACC-000001", "ACC-000002"}
    assert 80 <= item["Score"] < 90


def test_unrelated_names_are_left_alone():
    """Two clearly different companies get two accounts and no review item."""
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"), company("Zuma Steel Works Plc"))
    assert len(hub.rows("Accounts")) == 2 and hub.rows("Review Queue") == []


def test_account_id_and_erp_id_take_precedence_over_the_name():
    """An Account ID or ERP customer ID given on the form (in any case) finds the account even when the typed
    name differs."""
    hub = Hub()
    hub.send(company("Dangote Industries Ltd", erp_customer_id="C10023"))
    assert hub.send(company("Something Else", account_id="acc-000001")).account_id == "ACC-000001"
    assert hub.send(company("Something Else Again", erp_customer_id="c10023")).account_id == "ACC-000001"


def test_an_unknown_account_id_alone_is_rejected_and_kept():
    """An Account ID that is not in the hub, with no name to fall back on, is rejected with a field error and
    the submission is kept on Rejected."""
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
    """An unknown Account ID next to a known company name records against the name, with a note and an audit
    line saying the ID was not found."""
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"))
    out = hub.send(company("Dangote Industries Ltd", account_id="ACC-000999"))
    assert out.account_id == "ACC-000001"
    assert any("ACC-000999" in n for n in out.notes)
    assert hub.rows("Audit")[-1]["Action"] == "Account ID not found"


def test_a_merged_account_resolves_to_its_survivor():
    """Submissions naming a merged account, by ID or by name, land on the account it was merged into."""
    hub = Hub()
    hub.send(company("Dangote Industries Ltd"), company("Dangote Cement Works"))
    hub.account("ACC-000002").update({"Status": "Merged", "Merged Into": "ACC-000001"})
    assert hub.send(company("x", account_id="ACC-000002")).account_id == "ACC-000001"
    assert hub.send(company("Dangote Cement Works")).account_id == "ACC-000001"


def test_a_second_division_is_added_to_the_account():
    """An interaction from another division adds that division to the account's Divisions list."""
    hub = Hub()
    hub.send(company("Dangote Industries Ltd", division="Power"), company("Dangote Industries Ltd"))
    assert hub.account("ACC-000001")["Divisions"] == "Motors; Power"


def test_individuals_are_found_again_by_phone_not_by_name():
    """An individual customer is recognised by the phone number whatever its written format, so a second visit
    reuses the account."""
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
    """A returning contact is found by email, else phone, else name within the same account, so one person
    stays one contact."""
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
    """Details missing on a known contact (phone, job title) are filled in from a later submission."""
    hub = Hub()
    hub.send(body({"contact_phone": None}))
    hub.send(body({"job_title": "Fleet Manager"}))
    [contact] = hub.rows("Contacts")
    assert contact["Mobile Number"] == "+2348031234567"
    assert contact["Job Title"] == "Fleet Manager"


def test_the_same_name_at_another_company_is_another_contact():
    """A contact name alone never links people across companies: the same name at another account is a new
    contact."""
    hub = Hub()
    hub.send(body({"contact_email": None, "contact_phone": None}))
    hub.send(body({"company_name": "Zuma Steel Works", "contact_email": None, "contact_phone": None}))
    assert len(hub.rows("Contacts")) == 2


# -- interactions and idempotency ----------------------------------------------------------
def test_the_interaction_row_carries_everything_logged():
    """The Interactions row holds the date, channel, division, direction, next action, logger and response ID
    from the form."""
    hub = Hub()
    hub.send(body({"next_action": "Send PFI", "action_due_date": "25/11/2026"}))
    [row] = hub.rows("Interactions")
    assert row["Date"] == datetime(2026, 11, 20, 9, 15)
    assert row["Channel"] == "WhatsApp" and row["Division"] == "Motors" and row["Direction"] == "Inbound"
    assert row["Next Action"] == "Send PFI" and row["Action Status"] == "Open"
    assert row["Logged By"] == "ada.okafor@mikano.example"
    assert row["Source Response ID"].startswith("resp-")


def test_rows_name_the_company_and_contact_beside_their_ids():
    """Interactions carry the Company Name and Contact Name, and the opportunity and ticket the company's
    name, so a row reads without looking the IDs up."""
    hub = Hub()
    hub.send(body({"opportunity_stage": "Inquiry", "product": "Generator", "ticket_category": "Warranty"}))
    [row] = hub.rows("Interactions")
    assert (row[COMPANY_NAME], row[CONTACT_NAME]) == ("Dangote Industries Ltd", "Chinedu Okafor")
    assert hub.rows("Opportunities")[0][COMPANY_NAME] == "Dangote Industries Ltd"
    assert hub.rows("Tickets")[0][COMPANY_NAME] == "Dangote Industries Ltd"


def test_a_ticket_named_by_id_keeps_its_own_companys_name():
    """A later interaction about another company that names an existing ticket leaves the ticket named after
    the company it belongs to."""
    hub = Hub()
    hub.send(body({"ticket_category": "Warranty"}))
    hub.send(company("Julius Berger Nigeria", ticket_id="TKT-000001", ticket_status="Resolved"))
    [ticket] = hub.rows("Tickets")
    assert ticket["Status"] == "Resolved" and ticket[COMPANY_NAME] == "Dangote Industries Ltd"
    assert hub.rows("Interactions")[1][COMPANY_NAME] == "Julius Berger Nigeria"
    assert hub.rows("Interactions")[1][CONTACT_NAME] is None


def test_a_response_delivered_twice_is_recorded_once():
    """A response delivered again, in the same batch or later, is reported as a duplicate of the first
    interaction and written once."""
    hub = Hub()
    payload = body()
    first, again = hub.send(payload, payload)
    later = hub.send(payload)
    assert first.status == "recorded"
    assert again.status == later.status == "duplicate"
    assert again.interaction_id == later.interaction_id == first.interaction_id
    assert len(hub.rows("Interactions")) == 1


def test_a_rejection_delivered_twice_is_kept_once():
    """A refused submission delivered twice appears once on the Rejected tab."""
    hub = Hub()
    bad = body({"division": None})
    outs = hub.send(bad, bad)
    assert [o.status for o in outs] == ["rejected", "rejected"]
    assert len(hub.rows("Rejected")) == 1


def test_a_message_that_breaks_the_rules_fails_alone():
    """A message the recorder cannot process fails on its own while the good message in the same batch is
    still written."""
    hub = Hub()
    good = receive(raw(body()), signature=None, secret=None, now=NOW, rules=IntakeRules()).message
    broken = {**good, "values": {"no_such_question": "x"}, "responseId": "broken"}
    result = record_batch(hub.store.read_tables(READS), [broken, good], LOCAL_NOW)
    assert [o.status for o in result.outcomes] == ["failed", "recorded"]
    assert len(result.changes.appends["Interactions"]) == 1


# -- pipeline ------------------------------------------------------------------------------
def test_a_stage_opens_an_opportunity_and_stamps_the_date_entered():
    """A pipeline stage on the form opens OPP-000001 with its value, stage entry date and opening date, linked
    from the interaction."""
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
    """Later stages for the same product move one opportunity forward, stamping each stage date, and Won
    closes it."""
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
    assert opp["Date Entered Quote / PFI"] == date(2026, 11, 10)  # a day logged without a time stays a day
    assert opp["Date Entered Won"] == opp["Closed"] == date(2026, 11, 18)
    assert opp["Date Entered Qualified"] is None  # skipped stages stay blank


def test_after_a_close_the_next_inquiry_is_a_new_opportunity():
    """Once an opportunity is closed, a new inquiry for the same product opens a new one instead of reopening
    it."""
    hub = Hub()
    hub.send(body({"opportunity_stage": "Lost", "lost_reason": "Competitor", "product": "Hilux"}))
    hub.send(body({"opportunity_stage": "Inquiry", "product": "Hilux"}))
    assert [o["Stage"] for o in hub.rows("Opportunities")] == ["Lost", "Inquiry"]


def test_other_products_and_divisions_are_separate_opportunities():
    """Different products, or the same product in another division, are tracked as separate opportunities."""
    hub = Hub()
    hub.send(
        body({"opportunity_stage": "Inquiry", "product": "Hilux"}),
        body({"opportunity_stage": "Inquiry", "product": "Tucson"}),
        body({"opportunity_stage": "Inquiry", "product": "Hilux", "division": "Power"}),
    )
    assert len(hub.rows("Opportunities")) == 3


# -- tickets -------------------------------------------------------------------------------
def test_ticket_fields_open_a_ticket():
    """A ticket category on the form opens TKT-000001, Open, with its quote amount, linked from the
    interaction."""
    hub = Hub()
    hub.send(body({"ticket_category": "Warranty", "quote_amount": "150,000", "direction": "Inbound"}))
    [ticket] = hub.rows("Tickets")
    assert ticket["Ticket ID"] == "TKT-000001" and ticket["Status"] == "Open"
    assert ticket["Quote Amount"] == 150_000 and ticket["First Response"] is None
    assert hub.rows("Interactions")[0]["Ticket ID"] == "TKT-000001"


def test_a_ticket_update_stamps_first_response_resolution_and_csat():
    """Updates to a ticket stamp its first response, resolution time and CSAT score from the interactions that
    report them."""
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
    """An update to a ticket that does not exist is rejected and kept, creating no account, interaction or
    ticket."""
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
    """A "Follow-up done" naming an interaction that is not in the hub is rejected with a message naming the
    ID, and kept."""
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
    """A "Follow-up done" without the interaction it follows up is refused at intake with a field error on
    follow_up_of."""
    reply = receive(
        raw(body({"interaction_type": "Follow-up done"})),
        signature=None,
        secret=None,
        now=NOW,
        rules=IntakeRules(),
    )
    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == "follow_up_of"


def test_review_items_and_rejected_rows_carry_the_division_for_its_steward():
    """A review item carries its account's division and a rejected submission the division it answered
    (any case), so each division's steward sees their own; a body naming no known division carries none."""
    hub = Hub()
    hub.send(company("Kaduna Power Solutions Ltd", division="Power"))
    hub.send(company("Kaduna Solar Solutions Ltd", division="Power"))
    [item] = hub.rows("Review Queue")
    assert item["Division"] == "Power"
    hub.send(body({"division": "medical", "channel": "Carrier pigeon"}))
    hub.send(body({"division": "Bakery", "channel": "Carrier pigeon"}))
    assert [r["Division"] for r in hub.rows("Rejected")] == ["Medical", None]


def test_an_id_typed_with_a_superscript_digit_does_not_stop_the_next_id():
    """A key someone typed as 'INT-²' (a digit to str.isdigit, not to int) is skipped when the next
    Interaction ID is counted, instead of making every batch fail; the next ID follows the highest."""
    from hub.tables import Table

    interactions = Table("Interactions", [{"Interaction ID": "INT-²"}, {"Interaction ID": "int-000041"}])
    assert interactions.allocate() == "INT-000042"
