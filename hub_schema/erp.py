"""What an ERP export may contain: kinds, canonical fields and their header spellings (erp_mappings.toml)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

FieldType = Literal["text", "amount", "date"]

KINDS = ("customers", "invoices", "prices")

# The first required field of each kind is its key: unique within one file.
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("erp_customer_id", "company_name"),
    "invoices": ("invoice_no", "erp_customer_id", "invoice_date", "amount"),
    "prices": ("item_code", "unit_price"),
}

FIELD_TYPES: dict[str, dict[str, FieldType]] = {
    "customers": {
        "erp_customer_id": "text",
        "company_name": "text",
        "customer_type": "text",
        "industry": "text",
        "address": "text",
        "city": "text",
        "state": "text",
        "phone": "text",
        "email": "text",
    },
    "invoices": {
        "invoice_no": "text",
        "erp_customer_id": "text",
        "invoice_date": "date",
        "amount": "amount",
        "salesperson": "text",
        "division": "text",
        "status": "text",
        "trx_type": "text",
        "currency": "text",
    },
    "prices": {
        "item_code": "text",
        "description": "text",
        "division": "text",
        "unit_price": "amount",
        "currency": "text",
        "effective_from": "date",
    },
}

SHIPPED = Path(__file__).with_name("erp_mappings.toml")


@dataclass(frozen=True)
class Profile:
    kind: str
    name: str
    headers: dict[str, tuple[str, ...]]  # canonical field -> accepted header spellings, preferred first


Mappings = dict[str, list[Profile]]  # kind -> profiles in the order they are tried


def header_key(text: str) -> str:
    """How headers are compared: case, spaces, underscores and punctuation ignored."""
    return re.sub(r"[\W_]+", "", text.casefold())


def load_mappings(extra: Path | None = None) -> Mappings:
    """The shipped profiles, after an admin's own (from `extra`) when one is given."""
    shipped = _read(SHIPPED)
    if extra is None:
        return shipped
    admin = _read(Path(extra))
    out: Mappings = {}
    for kind in KINDS:
        replaced = {p.name for p in admin[kind]}
        out[kind] = admin[kind] + [p for p in shipped[kind] if p.name not in replaced]
    return out


def _read(path: Path) -> Mappings:
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    out: Mappings = {kind: [] for kind in KINDS}
    for kind, profiles in raw.items():
        if kind not in KINDS:
            raise ValueError(f"{path}: unknown kind [{kind}]; expected one of {', '.join(KINDS)}")
        if not isinstance(profiles, dict):
            raise ValueError(f"{path}: [{kind}] must hold [{kind}.<profile>] tables")
        for name, table in profiles.items():
            out[kind].append(_profile(path, kind, name, table))
    return out


def _profile(path: Path, kind: str, name: str, table: Any) -> Profile:
    where = f"{path}: [{kind}.{name}]"
    if not isinstance(table, dict):
        raise ValueError(f"{where} must be a table of field = [header spellings]")
    known = FIELD_TYPES[kind]
    claimed: dict[str, str] = {}
    headers: dict[str, tuple[str, ...]] = {}
    for field, spellings in table.items():
        if field not in known:
            raise ValueError(
                f"{where} has unknown field {field!r}; the fields of {kind} are {', '.join(known)}"
            )
        if (
            not isinstance(spellings, list)
            or not spellings
            or not all(isinstance(s, str) and header_key(s) for s in spellings)
        ):
            raise ValueError(f"{where} field {field!r} must be a non-empty list of header spellings")
        for spelling in spellings:
            # One header claimed by two fields would make the column's meaning depend on luck.
            other = claimed.setdefault(header_key(spelling), field)
            if other != field:
                raise ValueError(f"{where} gives header {spelling!r} to both {other!r} and {field!r}")
        headers[field] = tuple(spellings)
    lacking = [f for f in REQUIRED[kind] if f not in headers]
    if lacking:
        # Such a profile could never be chosen, which is surely not what its author meant.
        raise ValueError(f"{where} names no header for required field(s) {', '.join(lacking)}")
    return Profile(kind=kind, name=name, headers=headers)
