"""Parsers for the values staff type into the Form. Each returns the canonical value or raises
FieldError with a sentence written for the person who filled in the Form."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

from hub_schema.form import answer_key


class FieldError(ValueError):
    """A value that cannot be accepted; str(error) is the message for staff."""


def show(text: str, limit: int = 40) -> str:
    """Quote what someone typed in an error message, shortened."""
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


def human_date(value: date | datetime) -> str:
    """Dates in messages are written the Nigerian way: 14/11/2026."""
    if isinstance(value, datetime) and value.time() != time(0, 0):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


_DMY = re.compile(
    r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?$",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_when(text: str, label: str, tz: ZoneInfo) -> tuple[datetime, bool]:
    """Parse ISO or day-first dates, with an optional time. Returns (Lagos wall-clock, has_time).

    Aware values are converted to `tz`; naive ones are taken to be in `tz` already.
    """
    raw = text.strip()
    hint = f"{label} {show(raw)} is not a date I can read; write it as dd/mm/yyyy (e.g. 14/11/2026)"
    if _ISO_DATE.match(raw):
        try:
            return datetime.fromisoformat(raw), False
        except ValueError:
            raise FieldError(hint) from None
    m = _DMY.match(raw)
    if m:
        try:
            hour = int(m["H"]) if m["H"] else 0
            if m["ampm"]:
                if not 1 <= hour <= 12:
                    raise ValueError
                hour = hour % 12 + (12 if m["ampm"][0].lower() == "p" else 0)
            value = datetime(int(m["y"]), int(m["m"]), int(m["d"]), hour, int(m["M"] or 0), int(m["S"] or 0))
        except ValueError:
            raise FieldError(hint) from None
        return value, m["H"] is not None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise FieldError(hint) from None
    if value.tzinfo is not None:
        value = value.astimezone(tz).replace(tzinfo=None)
    return value, True


_TIME = re.compile(r"^(?P<H>\d{1,2})[:.](?P<M>\d{2})(?::\d{2})?\s*(?P<ampm>[ap]\.?m\.?)?$", re.IGNORECASE)


def parse_time(text: str, label: str) -> time:
    """A time of day as staff type it: 14:30, 9.05, 2:30 pm (Lagos wall clock)."""
    raw = text.strip()
    m = _TIME.match(raw)
    try:
        if not m:
            raise ValueError
        hour, minute = int(m["H"]), int(m["M"])
        if m["ampm"]:
            if not 1 <= hour <= 12:
                raise ValueError
            hour = hour % 12 + (12 if m["ampm"][0].lower() == "p" else 0)
        return time(hour, minute)
    except ValueError:
        raise FieldError(
            f"{label} {show(raw)} is not a time I can read; write it as HH:MM, e.g. 14:30"
        ) from None


def parse_money(text: str, label: str) -> int | float:
    raw = text.strip()
    cleaned = re.sub(r"^(?:₦|NGN|NAIRA|N)\s*", "", raw, flags=re.IGNORECASE)
    cleaned = re.sub(r"\s*(?:NGN|naira)$", "", cleaned, flags=re.IGNORECASE)
    cleaned = cleaned.replace(",", "").replace(" ", "").replace("\u00a0", "")
    if cleaned.startswith("-") or (raw.startswith("(") and raw.endswith(")")):
        raise FieldError(f"{label} {show(raw)} must not be negative")
    if not re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        raise FieldError(f"{label} {show(raw)} is not an amount; write it like 12,500,000 or ₦12,500,000.00")
    try:
        amount = Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise FieldError(f"{label} {show(raw)} is not an amount") from None
    if amount > Decimal("1e15"):
        raise FieldError(f"{label} {show(raw)} is larger than any real amount; check the zeros")
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def parse_phone(text: str, label: str, region: str) -> str:
    raw = text.strip()
    quick = _national_number(raw, region)
    if quick is not None:
        return quick
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise FieldError(
            f"{label} {show(raw)} is not a valid phone number; "
            "write it like 0803 123 4567 or +234 803 123 4567"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=16)
def _plain_prefix_region(region: str) -> tuple[int, re.Pattern[str]] | None:
    """The region's country code and international prefix when its national numbers are read by
    dropping a plain "0" (no carrier codes, no rewriting) and the country code is its own (NG, DE,
    GH...); else None."""
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    if (
        metadata is None
        or metadata.country_code is None
        or metadata.international_prefix is None
        or metadata.national_prefix_for_parsing != "0"
        or metadata.national_prefix_transform_rule
        or phonenumbers.region_codes_for_country_code(metadata.country_code) != (region.upper(),)
    ):
        return None
    return metadata.country_code, re.compile(metadata.international_prefix)


def _national_number(raw: str, region: str) -> str | None:
    """A valid number written the national way ("0803 123 4567") as E.164 without the full parser
    (a tenth of its cost: an ERP import parses 100k phones). For such input phonenumbers.parse
    drops the "0" and keeps the digits after it, since a valid rest fits the region's patterns; so
    the answer is the same. None when the input is anything else or not valid: the parser decides."""
    found = _plain_prefix_region(region)
    digits = raw.replace(" ", "")
    if (
        found is None
        or not (digits.isascii() and digits.isdigit())
        or not 3 <= len(digits) <= 18
        or digits[0] != "0"
        or digits[1] == "0"  # a leading zero after the prefix is kept by the parser (or is an IDD)
        or found[1].match(digits)
    ):
        return None
    country_code, rest = found[0], digits[1:]
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(rest))
    if not phonenumbers.is_valid_number_for_region(number, region.upper()):
        return None
    return f"+{country_code}{rest}"


_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)


def parse_email(text: str, label: str) -> str:
    raw = text.strip()
    value = raw.casefold()
    local = value.split("@", 1)[0]
    if (
        len(value) > 254
        or not _EMAIL.match(value)
        or ".." in value
        or local.startswith(".")
        or local.endswith(".")
    ):
        raise FieldError(f"{label} {show(raw)} is not a valid email address")
    return value


def parse_choice(text: str, label: str, options: tuple[str, ...]) -> str:
    """Match a choice ignoring case, spaces and punctuation; return the canonical spelling."""
    wanted = answer_key(text)
    for option in options:
        if answer_key(option) == wanted:
            return option
    raise FieldError(f"{label} {show(text.strip())} is not one of: {', '.join(options)}")


def parse_rating(text: str, label: str) -> int:
    raw = text.strip()
    m = re.fullmatch(r"(\d)(?:\.0+)?", raw)
    if not m or not 1 <= int(m[1]) <= 5:
        raise FieldError(f"{label} {show(raw)} must be a whole number from 1 to 5")
    return int(m[1])
