"""The document structure both renderers walk (Draft > Section > Block), the block constructors the
sections use, and the formatting of figures, dates and field names in the text.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

# --- the document structure both renderers walk ---------------------------------------------------

BlockKind = Literal["paragraph", "callout", "bullets", "numbered", "table", "subheading"]


@dataclass(frozen=True)
class Block:
    """One piece of a section. Text may hold `code` spans (field names); nothing else is markup."""

    kind: BlockKind
    text: str = ""
    items: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    numeric: tuple[bool, ...] = ()  # per column: right-align (figures)


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Draft:
    title: str
    intro: tuple[Block, ...]
    sections: tuple[Section, ...]


def paragraph(text: str) -> Block:
    return Block("paragraph", text=text)


def callout(text: str) -> Block:
    return Block("callout", text=text)


def bullets(items: Iterable[str]) -> Block:
    return Block("bullets", items=tuple(items))


def numbered(items: Iterable[str]) -> Block:
    return Block("numbered", items=tuple(items))


def subheading(text: str) -> Block:
    return Block("subheading", text=text)


_FIGURE = re.compile(r"^[-+]?[₦]?[\d,]+(?:\.\d+)?\s*%?$")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Block:
    cells = tuple(tuple(str(c) for c in row) for row in rows)
    numeric = tuple(
        any(row[i] not in ("", "—") for row in cells)
        and all(row[i] in ("", "—") or _FIGURE.match(row[i]) for row in cells)
        for i in range(len(headers))
    )
    return Block("table", headers=tuple(headers), rows=cells, numeric=numeric)


# --- formatting ---------------------------------------------------------------------------------


def figure(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def naira(amount: float) -> str:
    return f"₦{amount:,.0f}"


def day(value: datetime | date) -> str:
    return value.strftime("%Y-%m-%d")


def stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def month_label(month: tuple[int, int], now: datetime) -> str:
    label = f"{calendar.month_abbr[month[1]]} {month[0]}"
    return f"{label} (to date)" if month == (now.year, now.month) else label


def field_list(columns: Iterable[str]) -> str:
    return ", ".join(f"`{c}`" for c in columns) or "none"
