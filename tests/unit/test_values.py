"""Parsers for typed answers: what staff type becomes one canonical value, or a clear message."""

from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.values import (
    FieldError,
    parse_choice,
    parse_email,
    parse_money,
    parse_phone,
    parse_rating,
    parse_when,
)

LAGOS = ZoneInfo("Africa/Lagos")


@pytest.mark.parametrize(
    "typed",
    [
        "0803 123 4567",
        "+234 803 123 4567",
        "2348031234567",
        "08031234567",
        "0803-123-4567",
        "(0803) 123 4567",
    ],
)
def test_nigerian_phones_become_e164(typed):
    """Nigerian mobile numbers in every local spelling become the same E.164 number."""
    assert parse_phone(typed, "Contact phone", "NG") == "+2348031234567"


def test_foreign_numbers_with_country_code_are_kept():
    """A foreign number written with its country code is kept in E.164, not forced into Nigeria."""
    assert parse_phone("+44 20 7946 0958", "Contact phone", "NG") == "+442079460958"


@pytest.mark.parametrize("typed", ["0803 123", "12345", "phone me", "+234 000 000 0000"])
def test_bad_phones_are_refused_with_an_example(typed):
    """An invalid phone number is refused with an example of how to write one."""
    with pytest.raises(FieldError, match=r"not a valid phone number; write it like 0803 123 4567"):
        parse_phone(typed, "Contact phone", "NG")


def _full_parser(typed: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(typed.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    valid = phonenumbers.is_valid_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if valid else None


def _ours(typed: str, region: str) -> str | None:
    try:
        return parse_phone(typed, "Contact phone", region)
    except FieldError:
        return None


_NATIONAL = st.builds(
    lambda digits, gaps: "0" + "".join(d + " " * (i in gaps) for i, d in enumerate(digits)),
    st.text("0123456789", min_size=1, max_size=16),
    st.sets(st.integers(0, 15), max_size=3),
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(_NATIONAL, st.sampled_from(["NG", "GH", "DE", "FR", "ZA", "KE", "GB", "US", "IT", "IN"]))
def test_national_phone_numbers_read_exactly_as_the_full_parser_reads_them(typed, region):
    """The quick path for "0803 123 4567" gives the same number or refusal as phonenumbers itself."""
    assert _ours(typed, region) == _full_parser(typed, region)


@pytest.mark.slow
def test_every_nigerian_prefix_reads_as_the_full_parser_reads_it():
    """Every four-digit start of a Nigerian national number gets the full parser's answer."""
    tails = ["1234567", "12345678", "123456789", "9876543210"]
    for prefix in range(10_000):
        typed = f"0{prefix:04d}{tails[prefix % 4]}"
        assert _ours(typed, "NG") == _full_parser(typed, "NG"), typed


@pytest.mark.parametrize(
    "typed", ["₦12,500,000.00", "12,500,000", "12500000", "NGN 12,500,000", "N12,500,000", " 12 500 000 "]
)
def test_money_in_every_spelling_is_a_number(typed):
    """Amounts written with ₦, NGN or N, thousands commas or spaces all read as the same number."""
    assert parse_money(typed, "Deal value") == 12_500_000


def test_money_keeps_kobo():
    """Amounts keep their kobo (two decimals)."""
    assert parse_money("1,234.50", "Deal value") == 1234.5


@pytest.mark.parametrize("typed", ["-5,000", "(1,200.00)"])
def test_negative_money_is_refused(typed):
    """A negative amount, in any notation, is refused."""
    with pytest.raises(FieldError, match="must not be negative"):
        parse_money(typed, "Deal value")


@pytest.mark.parametrize("typed", ["12.5m", "twelve million", "1.2.3"])
def test_money_that_is_not_a_number_is_refused(typed):
    """Shorthand ("12.5m"), words and malformed numbers are refused as not an amount rather than guessed."""
    with pytest.raises(FieldError, match="is not an amount"):
        parse_money(typed, "Deal value")


@pytest.mark.parametrize(
    ("typed", "expected", "has_time"),
    [
        ("2026-11-14", datetime(2026, 11, 14), False),
        ("14/11/2026", datetime(2026, 11, 14), False),
        ("4/1/2026", datetime(2026, 1, 4), False),
        ("14/11/2026 09:15", datetime(2026, 11, 14, 9, 15), True),
        ("14/11/2026 2:30 pm", datetime(2026, 11, 14, 14, 30), True),
        ("2026-11-14T09:15:00", datetime(2026, 11, 14, 9, 15), True),
        ("2026-11-14T08:15:00Z", datetime(2026, 11, 14, 9, 15), True),  # UTC -> Lagos
        ("2026-11-14T10:15:00+02:00", datetime(2026, 11, 14, 9, 15), True),
    ],
)
def test_dates_are_read_day_first_in_lagos_time(typed, expected, has_time):
    """Dates are read day first in Lagos time, and the result says whether a time of day was given."""
    assert parse_when(typed, "Interaction date", LAGOS) == (expected, has_time)


@pytest.mark.parametrize("typed", ["11/20/2026", "31/02/2026", "yesterday", "14/11/26", "2026-13-01"])
def test_unreadable_dates_say_how_to_write_them(typed):
    """An unreadable or impossible date is refused with the dd/mm/yyyy format to use."""
    with pytest.raises(FieldError, match=r"write it as dd/mm/yyyy"):
        parse_when(typed, "Interaction date", LAGOS)


def test_emails_are_lower_cased():
    """Email addresses are trimmed and lower-cased so the same person matches whatever the capitals."""
    assert parse_email(" Ada.Okafor@Mikano.Example ", "Contact email") == "ada.okafor@mikano.example"


@pytest.mark.parametrize(
    "typed",
    [
        "ada@",
        "ada.okafor",
        "ada@@mikano.example",
        "ada okafor@mikano.example",
        "ada..okafor@mikano.example",
        "ada@mikano",
    ],
)
def test_bad_emails_are_refused(typed):
    """Malformed email addresses are refused."""
    with pytest.raises(FieldError, match="not a valid email address"):
        parse_email(typed, "Contact email")


@pytest.mark.parametrize("typed", ["whatsapp", "WHATSAPP", "Whats App", " whatsApp "])
def test_choices_match_ignoring_case_spaces_and_punctuation(typed):
    """A choice typed with other case, spacing or punctuation is read as the canonical option."""
    assert parse_choice(typed, "Channel", ("Phone", "WhatsApp", "Walk-in")) == "WhatsApp"


def test_walk_in_without_hyphen_is_walk_in():
    """Typing "walk in" without the hyphen gives the Walk-in channel."""
    assert parse_choice("walk in", "Channel", ("Phone", "WhatsApp", "Walk-in")) == "Walk-in"


def test_an_unknown_choice_lists_the_options():
    """A choice that matches no option is refused with the list of options."""
    with pytest.raises(FieldError, match="is not one of: Phone, WhatsApp"):
        parse_choice("Pigeon", "Channel", ("Phone", "WhatsApp"))


@pytest.mark.parametrize(("typed", "value"), [("1", 1), ("5", 5), (" 4 ", 4), ("3.0", 3)])
def test_ratings_are_whole_numbers_1_to_5(typed, value):
    """Ratings typed with spaces or as 3.0 read as whole numbers from 1 to 5."""
    assert parse_rating(typed, "Customer satisfaction") == value


@pytest.mark.parametrize("typed", ["0", "6", "4.5", "great", "10"])
def test_ratings_outside_1_to_5_are_refused(typed):
    """Ratings outside 1 to 5, or not whole, are refused with the allowed range."""
    with pytest.raises(FieldError, match="from 1 to 5"):
        parse_rating(typed, "Customer satisfaction")
