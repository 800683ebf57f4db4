"""What the CRM requirements draft measures against: the upgrade triggers, the tabs that hold
customer data, the columns blank by design, and the strategy's open questions it quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub import defaults
from hub_schema.tabs import RECORD_TABS, TABS


@dataclass(frozen=True)
class HealthEvidence:
    """One Health row, as plain values (None where the check could not measure)."""

    checked_at: datetime
    file_mb: float | None
    open_seconds: float | None
    steward_hours: float | None
    peak_users: int | None
    triggers_met: int | None


# --- Two triggers, then plan a CRM -----------------------------------------------------------------------


@dataclass(frozen=True)
class UpgradeThreshold:
    label: str
    attr: str  # the HealthEvidence field
    limit: float  # the trigger holds when the value is strictly above ("exceeds", "more than")
    unit: str


FILE_SIZE = UpgradeThreshold("File size", "file_mb", defaults.HEALTH_MAX_MB, "MB")
OPEN_TIME = UpgradeThreshold("Time to open and save", "open_seconds", defaults.HEALTH_MAX_OPEN_SECONDS, "s")
STEWARD_HOURS = UpgradeThreshold(
    "Data steward hours per week", "steward_hours", defaults.HEALTH_MAX_STEWARD_HOURS, "h"
)
PEAK_USERS = UpgradeThreshold("Concurrent users (peak)", "peak_users", defaults.HEALTH_MAX_USERS, "users")
TRIGGERS: tuple[UpgradeThreshold, ...] = (FILE_SIZE, OPEN_TIME, STEWARD_HOURS, PEAK_USERS)
TRIGGERS_FOR_UPGRADE = 2  # the strategy: "when any two of the following are true"

# Below this share of rows a field counts as rarely used.
RARELY_USED = 0.10
# Tabs that hold customer and business data: their unused fields are candidates to drop. The other
# tabs are the hub's own machinery (queues, logs), which a CRM replaces with its own features.
DATA_TABS = (*RECORD_TABS, "Deals", "Price List", "Staff")
MONTHS_SHOWN = 12
WEEKS_SHOWN = 12
ACTIVE_DAYS = 90

# Columns that stay blank until something happens to the row (hub_schema/tabs.toml: filled_only):
# blank there is not disuse, so they are reported apart from the drop candidates.
BLANK_BY_DESIGN: dict[tuple[str, str], str] = {
    (t.name, c.name): f"filled only {c.filled_only}" for t in TABS for c in t.columns if c.filled_only
}

# Quoted verbatim from the company's CRM strategy ("Open Questions for Discovery Phase").
V6_OPEN_QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Overall Strategy",
        (
            "Which divisions are officially in-scope for Phase 1 of this project? "
            "(e.g., Motors and Power only?)",
            "What is the single most important outcome management wants to see from this in the "
            "first 3 months?",
            "What is the policy for cross-divisional sales compensation?",
        ),
    ),
    (
        "For the Data & ERP Team",
        (
            "What are the unique identifiers for customers in the ERP? Can we use this as the "
            "`ERP Customer ID`?",
            'Is it possible to export customer records based on "last modified date" to avoid '
            "exporting the entire database each time?",
            "How frequently can we realistically run these exports without impacting system "
            "performance? Daily? Weekly?",
        ),
    ),
    (
        "For Divisional Heads (Motors, Power, Medical, GRAS/Clinic)",
        (
            "What is the biggest customer complaint you hear today that is NOT related to product "
            "price or quality?",
            "What is one piece of information your salespeople/staff constantly have to ask for that "
            "slows them down?",
            'What does a "qualified lead" look like for your division? What is the minimum '
            "information needed?",
        ),
    ),
    (
        "For Sales & Marketing",
        (
            "What is the current process for handing off a lead from marketing (or an inbound call) to "
            "a salesperson?",
            'How is "Account Ownership" currently decided? How are disputes resolved?',
            "What are the most common reasons a customer gives for not buying from us (after they have "
            "received a quote)?",
        ),
    ),
)
