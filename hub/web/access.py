"""Who may read and who may act, from the Staff tab and the admins setting.

Every active staff member (and every admin) may read pages. Acting on a record is for the person the
record is meant for, their manager, a Data Steward of the record's division, or an admin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub_schema.columns import DIVISION, FULL_NAME


@dataclass(frozen=True)
class StaffMember:
    email: str
    name: str
    division: str | None
    role: str | None
    manager: str | None
    active: bool


@dataclass(frozen=True)
class StaffDirectory:
    members: Mapping[str, StaffMember]
    admins: frozenset[str] = frozenset()

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], admins: Iterable[str] = ()) -> StaffDirectory:
        members = {}
        for r in rows:
            email = str(r.get("Email") or "").strip().lower()
            if not email:
                continue
            members[email] = StaffMember(
                email=email,
                name=str(r.get(FULL_NAME) or "").strip() or email,
                division=str(r[DIVISION]).strip() if r.get(DIVISION) else None,
                role=str(r["Role"]).strip() if r.get("Role") else None,
                manager=str(r["Manager Email"]).strip().lower() if r.get("Manager Email") else None,
                active=str(r.get("Active") or "Yes").strip() == "Yes",
            )
        return cls(members, frozenset(a.strip().lower() for a in admins if a.strip()))

    def get(self, email: str | None) -> StaffMember | None:
        return self.members.get((email or "").strip().lower())

    def name_of(self, email: str | None) -> str:
        member = self.get(email)
        return member.name if member else (email or "")

    def is_admin(self, email: str | None) -> bool:
        member = self.get(email)
        e = (email or "").strip().lower()
        return bool(e) and (e in self.admins or bool(member and member.active and member.role == "Admin"))

    def active(self) -> list[StaffMember]:
        return sorted((m for m in self.members.values() if m.active), key=lambda m: m.name.lower())


def may_read(user: str | None, staff: StaffDirectory) -> bool:
    """Every signed-in active staff member, and every admin."""
    member = staff.get(user)
    return bool(user) and (bool(member and member.active) or staff.is_admin(user))


def may_act(user: str | None, intended: str | None, division: str | None, staff: StaffDirectory) -> bool:
    """The intended person, their manager, a Data Steward of the division, or an admin."""
    if not user:
        return False
    me = user.strip().lower()
    if staff.is_admin(me):
        return True
    member = staff.get(me)
    if member is not None and not member.active:
        return False
    target = (intended or "").strip().lower()
    if target and me == target:
        return True
    person = staff.get(target)
    if person is not None and person.manager == me:
        return True
    return bool(member and member.role == "Data Steward" and division and (member.division or "") == division)
