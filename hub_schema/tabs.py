"""Every tab of the Excel Hub, its columns and their types: declared once in tabs.toml (what each
attribute means is said there), read here into Tab and Column, and by everything else from here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal, cast, get_args

from hub_schema.lists import LISTS
from hub_schema.widths import header_width


class HubSchemaError(Exception):
    """The hub file does not have the tables or columns declared here."""


ColumnType = Literal[
    "id",  # this tab's own key, e.g. ACC-000123
    "ref",  # a key of another tab
    "text",
    "long_text",
    "enum",  # one value of LISTS[column.enum]
    "date",
    "datetime",
    "money",  # NGN, a number
    "number",
    "integer",
    "email",
    "phone",  # E.164
]

_DEFAULT_WIDTH: dict[str, int] = {
    "id": 13,
    "ref": 13,
    "text": 24,
    "long_text": 60,
    "enum": 18,
    "date": 12,
    "datetime": 17,
    "money": 16,
    "number": 12,
    "integer": 10,
    "email": 30,
    "phone": 17,
}

NUMBER_FORMATS: dict[str, str] = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "money": '"₦ "#,##0',  # naira, whole: staff read amounts, not kobo
    "integer": "0",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = False
    enum: str | None = None
    width: int | None = None
    open: bool = False  # people decide in it: unlocked, so it stays open on a protected sheet
    filled_only: str | None = None  # blank until this happens to the row ("on merged accounts")

    def __post_init__(self) -> None:
        if self.type not in get_args(ColumnType):
            raise ValueError(f"column {self.name!r}: unknown type {self.type!r}")
        if (self.type == "enum") != (self.enum is not None):
            raise ValueError(f"column {self.name!r}: enum columns (and only they) name a list")
        if self.enum is not None and self.enum not in LISTS:
            raise ValueError(f"column {self.name!r}: unknown list {self.enum!r}")

    @property
    def display_width(self) -> int:
        """Wide enough for its values (by type, or as declared) and never narrower than its header."""
        return max(self.width or _DEFAULT_WIDTH[self.type], header_width(self.name))


@dataclass(frozen=True)
class Tab:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None  # the column that identifies a row (for updates)
    id_prefix: str | None = None  # when the key is allocated by the hub: ACC, CON, ...
    description: str = ""
    protected: bool = False  # machine-written: a locked sheet in the template
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"tab {self.name!r} declares a column twice")
        if self.key is not None and self.key not in names:
            raise ValueError(f"tab {self.name!r}: key {self.key!r} is not a column")
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def table_name(self) -> str:
        """Excel table name: the tab name without spaces (Excel forbids spaces in table names)."""
        return "".join(self.name.split())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def blank_row(self) -> dict[str, object]:
        return dict.fromkeys(self.column_names)


_TAB_KEYS = {"name", "key", "id_prefix", "description", "protected", "columns"}
_COLUMN_KEYS = {"name", "type", "required", "enum", "width", "open", "filled_only", "for_each"}


def _checked(spec: Mapping[str, Any], allowed: set[str], what: str) -> Mapping[str, Any]:
    """The spec, after making sure tabs.toml says nothing this module would silently ignore."""
    if unknown := sorted(set(spec) - allowed):
        raise ValueError(f"tabs.toml: {what} {spec.get('name')!r} has unknown keys {unknown}")
    return spec


def _columns(spec: Mapping[str, Any]) -> Iterator[Column]:
    """One column, or with for_each one per value of that list ({value} in the name)."""
    spec = _checked(spec, _COLUMN_KEYS, "column")
    kind = cast(ColumnType, spec.get("type", "enum" if "enum" in spec else "text"))
    values = LISTS[spec["for_each"]] if "for_each" in spec else [None]
    for value in values:
        name = spec["name"].format(value=value) if value is not None else spec["name"]
        attributes = (spec.get("required", False), spec.get("enum"), spec.get("width"))
        yield Column(name, kind, *attributes, spec.get("open", False), spec.get("filled_only"))


def _tab(spec: Mapping[str, Any]) -> Tab:
    spec = _checked(spec, _TAB_KEYS, "tab")
    columns = tuple(column for c in spec["columns"] for column in _columns(c))
    return Tab(
        spec["name"],
        columns,
        spec.get("key"),
        spec.get("id_prefix"),
        spec.get("description", ""),
        spec.get("protected", False),
    )


def parse_tabs(declared: Mapping[str, Any]) -> tuple[Tab, ...]:
    """The tabs of a parsed tabs.toml; an attribute it does not know fails loudly, never ignored."""
    return tuple(_tab(t) for t in declared["tab"])


_DECLARED = tomllib.loads(resources.files("hub_schema").joinpath("tabs.toml").read_text("utf-8"))
TABS: tuple[Tab, ...] = parse_tabs(_DECLARED)

TAB_BY_NAME: dict[str, Tab] = {t.name: t for t in TABS}

# The Lists tab is derived from LISTS: one column per list, so its columns are not declared above.
LISTS_TAB_NAME = "Lists"

# The machine-written tabs (tabs.toml: protected), and the Lists tab, which people must not type
# into by mistake either.
PROTECTED_TABS: tuple[str, ...] = (*(t.name for t in TABS if t.protected), LISTS_TAB_NAME)

# The columns people decide in (tabs.toml: open), per tab.
OPEN_COLUMNS: dict[str, tuple[str, ...]] = {
    t.name: names for t in TABS if (names := tuple(c.name for c in t.columns if c.open))
}

# What staff may still do on a protected tab: each sheet-protection option (Graph's name without
# "allow") -> allowed. The template and the Graph store both set every one of them from here.
SHEET_PROTECTION: dict[str, bool] = {
    **dict.fromkeys(_DECLARED["protection"]["allowed"], True),
    **dict.fromkeys(_DECLARED["protection"]["locked"], False),
}

# Raw payloads can reach 64 KiB; an Excel cell holds at most 32,767 characters, so the payload is
# split over as many columns as it takes (Rejected's Raw Payload columns, in order). Nothing a
# client sent is ever cut off.
RAW_PAYLOAD_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in TAB_BY_NAME["Rejected"].columns if c.name.startswith("Raw Payload")
)
EXCEL_CELL_MAX_CHARS = 32_767


def tab(name: str) -> Tab:
    try:
        return TAB_BY_NAME[name]
    except KeyError:
        raise KeyError(f"the hub has no tab {name!r}") from None


# The customer record: who the customers are, and every touch, sale and ticket with them.
RECORD_TABS = ("Accounts", "Contacts", "Interactions", "Opportunities", "Tickets")
