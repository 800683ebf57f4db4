"""The pilot's scope (CXHUB_PILOT): the divisions and branches a pilot covers, and the hub's rows
seen through it, so mails, KPIs and the pilot report can be limited to the pilot.

`CXHUB_PILOT="Motors; Victoria Island, Ikeja"`: a name that is one of the Divisions list is a
division, any other name a branch (the Interactions *Branch* column). With both, a row must be in
one of the divisions and one of the branches. Blank: everything, as before a pilot.

An interaction is in scope by its own Division and Branch. Opportunities and tickets carry no
branch: with branches named they are in scope when an interaction in scope names them. Accounts
and contacts are in scope when an interaction in scope names them or (divisions only) their
account is in a division of the pilot; staff by their division. Every other tab is kept whole.

The jobs that mail about single rows follow the same scope: the SLA warning an inquiry the pilot
covers; the steward digest a Review Queue or Rejected row by the Division it carries (a review item,
with branches named, when one of its records is the pilot's; a rejected body's branch is not read);
the Health row's peak users and steward hours the pilot's staff (file size and open time are the
whole file's). An answer logged outside the pilot still answers a pilot's inquiry, in the SLA warnings
and in the managers' digest alike: only the inquiries are limited, never the replies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.ports import Row
from hub_schema.columns import ACCOUNT_ID, CONTACT_ID, DIVISION, INTERACTION_ID, OPPORTUNITY_ID, TICKET_ID
from hub_schema.lists import LISTS

BRANCH = "Branch"  # the Interactions column seeds-form adds; read only when present


def _fold(value: Any) -> str:
    return str(value or "").strip().casefold()


@dataclass(frozen=True)
class PilotScope:
    divisions: frozenset[str] = frozenset()
    branches: frozenset[str] = frozenset()  # casefolded

    @classmethod
    def parse(cls, text: str | None) -> PilotScope:
        divisions = {d.casefold(): d for d in LISTS["Divisions"]}
        names = [n.strip() for n in re.split(r"[,;\n]", text or "") if n.strip()]
        return cls(
            frozenset(divisions[n.casefold()] for n in names if n.casefold() in divisions),
            frozenset(n.casefold() for n in names if n.casefold() not in divisions),
        )

    @property
    def everything(self) -> bool:
        return not self.divisions and not self.branches

    def describe(self) -> str:
        """ "Motors · branches Ikeja, Victoria Island", or "the whole hub"."""
        parts = [", ".join(sorted(self.divisions))] if self.divisions else []
        if self.branches:
            parts.append("branches " + ", ".join(sorted(b.title() for b in self.branches)))
        return " · ".join(parts) or "the whole hub"

    def _division_ok(self, row: Mapping[str, Any]) -> bool:
        return self.holds_division(row.get(DIVISION))

    def holds_division(self, division: Any) -> bool:
        """Whether a row raised for `division` is in the pilot's divisions (any, when none are named)."""
        return not self.divisions or str(division or "") in self.divisions

    def record_ids(self, tables: Mapping[str, list[Row]]) -> frozenset[str]:
        """The IDs (upper case) of the accounts, contacts and interactions the pilot sees."""
        seen = self.tables(tables)
        keys = (("Accounts", ACCOUNT_ID), ("Contacts", CONTACT_ID), ("Interactions", INTERACTION_ID))
        return frozenset(str(r.get(key) or "").upper() for tab, key in keys for r in seen.get(tab, []))

    def covers(self, interaction: Mapping[str, Any]) -> bool:
        """Whether an interaction is in the pilot: its Division and its Branch."""
        branch_ok = not self.branches or _fold(interaction.get(BRANCH)) in self.branches
        return self._division_ok(interaction) and branch_ok

    def tables(self, tables: Mapping[str, list[Row]]) -> dict[str, list[Row]]:
        """The hub's rows as the pilot sees them (see the module docstring)."""
        if self.everything:
            return dict(tables)
        inter = [r for r in tables.get("Interactions", []) if self.covers(r)]
        named = {
            column: {str(r[column]).upper() for r in inter if r.get(column)}
            for column in (ACCOUNT_ID, CONTACT_ID, OPPORTUNITY_ID, TICKET_ID)
        }
        out = dict(tables)
        out["Interactions"] = inter
        for tab, key in (("Opportunities", OPPORTUNITY_ID), ("Tickets", TICKET_ID)):
            out[tab] = [r for r in tables.get(tab, []) if self._linked(r, key, named[key])]
        out["Accounts"] = [a for a in tables.get("Accounts", []) if self._account_in(a, named[ACCOUNT_ID])]
        out["Contacts"] = _contacts_of(tables.get("Contacts", []), named[CONTACT_ID], out["Accounts"])
        out["Staff"] = [s for s in tables.get("Staff", []) if self._division_ok(s)]
        return out

    def _linked(self, row: Row, key: str, named: set[str]) -> bool:
        if not self._division_ok(row):
            return False
        return not self.branches or str(row.get(key) or "").upper() in named

    def _account_in(self, account: Row, named: set[str]) -> bool:
        if str(account.get(ACCOUNT_ID) or "").upper() in named:
            return True
        if self.branches:
            return False
        return bool(self.divisions & _divisions_of(account.get("Divisions")))


def _divisions_of(cell: Any) -> set[str]:
    return {d.strip() for d in str(cell or "").split(";") if d.strip()}


def _contacts_of(contacts: list[Row], named: set[str], accounts: list[Row]) -> list[Row]:
    """Contacts an interaction in scope names, or of an account in scope."""
    kept = {str(a.get(ACCOUNT_ID) or "").upper() for a in accounts}
    return [
        c
        for c in contacts
        if str(c.get(CONTACT_ID) or "").upper() in named
        or str(c.get("Associated Account ID") or "").upper() in kept
    ]
