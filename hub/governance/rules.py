"""What settings may tell the governance package: one object for the nightly run and ERP imports.

Both jobs decide who a record belongs to and whether two names are the same company, so they take
the same settings (an admin changes a threshold once, and both jobs follow it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub import defaults
from hub.governance.duplicates import DuplicateRules
from hub.governance.ownership import OwnerRule
from hub.matching import MatchRules


@dataclass(frozen=True)
class GovernanceRules:
    owner_rule: OwnerRule = defaults.OWNER_RULE  # Owner by largest invoice, or by most recent deal
    duplicates: DuplicateRules = field(default_factory=DuplicateRules)  # Duplicates to the steward
    match: MatchRules = field(default_factory=MatchRules)  # an ERP customer to a Form-logged account
    phone_region: str = defaults.PHONE_REGION  # how an ERP phone without +234 is read
