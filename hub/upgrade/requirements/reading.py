"""Reading hub cells as the draft needs them: blanks, text, datetimes, numbers, months, and value
counts in the order of a hub list.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from hub.upgrade.requirements.rules import MONTHS_SHOWN

# --- reading hub values -------------------------------------------------------------------------


def is_filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def text_of(value: Any) -> str:
    return " ".join(str(value).split()) if is_filled(value) else ""


def as_datetime(value: Any) -> datetime | None:
    """A hub date or datetime as a naive datetime; None for blanks and text that is no date."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip()).replace(tzinfo=None)
        except ValueError:
            return None
    return None


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.replace(",", "").replace("₦", "").strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def rows_of(tables: Mapping[str, list[dict]], name: str) -> list[Mapping[str, Any]]:
    return list(tables.get(name) or [])


def last_months(now: datetime, count: int = MONTHS_SHOWN) -> list[tuple[int, int]]:
    months, year, month = [], now.year, now.month
    for _ in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def months_before(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def per_month(moments: Iterable[datetime | None]) -> Counter[tuple[int, int]]:
    return Counter((m.year, m.month) for m in moments if m is not None)


def counts_in_list_order(values: Iterable[Any], order: Sequence[str]) -> list[tuple[str, int]]:
    """Counts per value: the list's values in list order, then anything else seen, blanks last."""
    counts = pd.Series([text_of(v) or "(blank)" for v in values], dtype="object").value_counts()
    seen = {str(k): int(v) for k, v in counts.items()}
    known = [(value, seen.pop(value, 0)) for value in order]
    blank = seen.pop("(blank)", 0)
    extra = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
    return known + extra + ([("(blank)", blank)] if blank else [])
