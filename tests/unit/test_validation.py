"""Intake validation: every problem at once, in words for the staff member, nothing lost."""

from datetime import date, datetime

import pytest

from hub.intake.validation import IntakeRules, validate
from tests.factories import NOW, body

RULES = IntakeRules()


def check(payload):
    return validate(payload, "SUB-TEST", NOW, RULES)


def fields(result):
    return [e.field for e in result.errors]


def message(result, field):
    return next(e.message for e in result.errors if e.field == field)


def test_a_good_submission_is_normalised():
    """A valid submission is accepted with its phone in E.164, its choices in their canonical spelling and its
    email lower-cased."""
    result = check(
        body(
            {
                "contact_phone": "0803 123 4567",
                "channel": "whatsapp",
                "division": "MOTORS",
                "contact_email": "Chinedu.Okafor@Dangote.Example",
            }
        )
    )
    assert result.ok, result.errors
    values = result.submission.values
    assert values["contact_phone"] == "+2348031234567"
    assert values["channel"] == "WhatsApp"
    assert values["division"] == "Motors"
    assert values["contact_email"] == "chinedu.okafor@dangote.example"
    assert values["occurred_at"] == datetime(2026, 11, 20, 9, 15)
    assert values["account_type"] == "Company"
    assert result.submission.submitted_at == datetime(2026, 11, 20, 10, 20)  # 09:20Z is 10:20 in Lagos


def test_every_problem_is_reported_at_once():
    """All the field errors of a submission are reported together, so staff fix the form in one go."""
    result = check(body({"division": None, "channel": "Pigeon", "contact_phone": "0803 12", "csat": "9"}))
    assert sorted(fields(result)) == ["channel", "contact_phone", "csat", "division"]


def test_missing_required_fields_are_named():
    """Each missing required answer is named as its own field error ("Division is required")."""
    result = check(body(drop=("division", "channel", "occurred_at", "notes")))
    assert {"division", "channel", "occurred_at", "notes"} <= set(fields(result))
    assert message(result, "division") == "Division is required"


@pytest.mark.parametrize("blank", ["", "   ", "N/A", "nil", "-"])
def test_placeholders_count_as_blank(blank):
    """Placeholders such as "N/A" or "-" in a required answer count as not answered."""
    result = check(body({"notes": blank}))
    assert fields(result) == ["notes"]


def test_answers_may_be_keyed_by_question_title():
    """Answers keyed by the question's title, in any case or punctuation, are read as the question's key."""
    payload = body(drop=tuple(body()["answers"]))
    payload["answers"] = {
        "Which division is this for?": "Power",
        "company name": "Kaduna Power Solutions Ltd",
        "HOW DID YOU TALK TO THE CUSTOMER": "Phone",
        "When did it happen?": "19/11/2026",
        "what-was-discussed": "Generator service contract renewal.",
    }
    result = check(payload)
    assert result.ok, result.errors
    assert result.submission.values["division"] == "Power"
    assert result.submission.values["company_name"] == "Kaduna Power Solutions Ltd"


def test_unknown_answers_are_warnings_not_errors():
    """Answers and envelope fields the form does not know are ignored with a warning, never a refusal."""
    result = check(body({"Favourite colour": "blue"}, extra="x"))
    assert result.ok
    assert 'Unknown answer "Favourite colour" was ignored' in result.warnings
    assert 'Unknown field "extra" was ignored' in result.warnings


def test_the_same_question_answered_twice_differently_is_an_error():
    """One question answered twice (by key and by title) with different values is refused rather than one
    answer silently winning."""
    result = check(body({"division": "Motors", "Which division is this for?": "Power"}))
    assert fields(result) == ["division"]


def test_due_date_before_the_interaction_is_explained_in_nigerian_date_order():
    """A due date before the interaction is refused with both dates written day first."""
    result = check(
        body({"occurred_at": "14/11/2026", "next_action": "Send PFI", "action_due_date": "12/11/2026"})
    )
    assert (
        message(result, "action_due_date")
        == "Action due date 12/11/2026 is before the interaction date 14/11/2026"
    )


def test_due_date_on_the_same_day_is_fine():
    """A due date on the day of the interaction is accepted and stored as a date."""
    result = check(
        body({"occurred_at": "14/11/2026 16:00", "next_action": "Call", "action_due_date": "14/11/2026"})
    )
    assert result.ok
    assert result.submission.values["action_due_date"] == date(2026, 11, 14)


def test_next_action_needs_a_due_date_and_the_reverse():
    """A next action without a due date, or a due date without an action, is refused on the missing field."""
    assert fields(check(body({"next_action": "Send PFI"}))) == ["action_due_date"]
    assert fields(check(body({"action_due_date": "25/11/2026"}))) == ["next_action"]


def test_an_interaction_more_than_a_day_ahead_is_refused():
    """An interaction dated more than a day in the future is refused, while one up to a day ahead is allowed
    for clock and time-zone differences."""
    assert fields(check(body({"occurred_at": "23/11/2026"}))) == ["occurred_at"]
    assert check(body({"occurred_at": "21/11/2026"})).ok  # within a day: clocks and time zones differ


def test_the_future_check_uses_lagos_time():
    """At 23:30 UTC on the 20th it is already the 21st in Lagos: 22/11 is within a day."""
    late = datetime(2026, 11, 20, 23, 30, tzinfo=NOW.tzinfo)
    assert validate(body({"occurred_at": "22/11/2026"}), "S", late, RULES).ok


def test_a_customer_must_be_named():
    """A submission with no company, contact name, email or phone is refused and told to name the customer."""
    result = check(body(drop=("company_name", "contact_name", "contact_email", "contact_phone")))
    assert fields(result) == ["company_name"]
    assert "Name the customer" in message(result, "company_name")


@pytest.mark.parametrize("naming", [{"account_id": "acc-000123"}, {"erp_customer_id": "C10023"}])
def test_an_account_or_erp_id_names_the_customer(naming):
    """An Account ID or ERP customer ID alone names the customer and is stored upper-cased."""
    result = check(body(naming, drop=("company_name",)))
    assert result.ok
    key, value = next(iter(naming.items()))
    assert result.submission.values[key] == value.upper()


def test_an_individual_is_named_by_their_name_and_phone():
    """An individual customer is accepted with a name and phone and no company."""
    result = check(body({"account_type": "individual"}, drop=("company_name", "contact_email")))
    assert result.ok
    assert result.submission.values["account_type"] == "Individual"


def test_an_individual_without_phone_or_email_is_refused():
    """An individual with only a name is refused, since a name alone cannot find them again."""
    result = check(
        body({"account_type": "Individual"}, drop=("company_name", "contact_email", "contact_phone"))
    )
    assert fields(result) == ["contact_name"]


def test_without_a_company_a_person_with_a_phone_is_an_individual():
    """A submission with a person and phone but no company is recorded as an individual customer."""
    result = check(body(drop=("company_name",)))
    assert result.ok
    assert result.submission.values["account_type"] == "Individual"


def test_notes_over_4000_characters_are_refused_with_the_count():
    """Notes over 4,000 characters are refused with the actual length in the message."""
    result = check(body({"notes": "x" * 4001}))
    assert message(result, "notes") == "Notes is 4,001 characters long; the most allowed is 4,000"


def test_text_is_trimmed_and_control_characters_removed():
    """Text answers are trimmed, control characters removed and line endings normalised before they reach the
    hub."""
    result = check(
        body({"company_name": "  Dangote\x00 Industries\x07 Ltd  ", "notes": "Line one\r\n\x1bLine two"})
    )
    assert result.ok
    assert result.submission.values["company_name"] == "Dangote Industries Ltd"
    assert result.submission.values["notes"] == "Line one\nLine two"


def test_formula_text_is_kept_verbatim_as_text():
    """Text that looks like an Excel formula is accepted and kept exactly as typed (it is written as text,
    never evaluated)."""
    result = check(body({"notes": '=HYPERLINK("http://x","y")'}))
    assert result.ok
    assert result.submission.values["notes"] == '=HYPERLINK("http://x","y")'


def test_envelope_problems_are_reported():
    """A missing response ID, a non-email responder and an unreadable submission time are each reported as
    envelope field errors."""
    result = check(body(responseId=None, responder="anonymous", submittedAt="soon"))
    assert set(fields(result)) == {"responseId", "responder", "submittedAt"}


def test_answers_must_be_an_object():
    """An answers field that is not a JSON object is refused with an error on answers."""
    payload = body()
    payload["answers"] = ["Motors"]
    result = check(payload)
    assert "answers" in fields(result)


@pytest.mark.parametrize("value", [["Motors", "Power"], {"x": 1}, True])
def test_answers_that_are_not_single_values_are_refused(value):
    """An answer that is a list or object instead of a single value is refused on that field."""
    result = check(body({"division": value}))
    assert fields(result) == ["division"]


def test_numbers_sent_as_json_numbers_are_accepted():
    """Deal values and ratings sent as JSON numbers are accepted as numbers."""
    result = check(body({"opportunity_stage": "Quote / PFI", "deal_value": 12500000, "csat": 5}))
    assert result.ok
    assert result.submission.values["deal_value"] == 12_500_000
    assert result.submission.values["csat"] == 5


def test_sale_details_without_a_stage_are_a_warning():
    """A deal value without a sales stage is accepted with a warning that no opportunity will be tracked."""
    result = check(body({"deal_value": "₦5,000,000"}))
    assert result.ok
    assert any("sales stage" in w for w in result.warnings)
