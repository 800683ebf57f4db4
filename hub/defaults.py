"""Every default value of a setting, declared once.

cxhub/settings.py reads each setting with the default given here, and the rules' dataclasses
(IntakeRules, WriterRules, MatchRules, FollowUpRules, KpiTargets, Thresholds...) default to the same
constants, so a rule run without settings (a test, a benchmark) behaves as the deployed app.
"""

from __future__ import annotations

from typing import Final

TIMEZONE: Final = "Africa/Lagos"  # every datetime in the hub is wall-clock time here
PHONE_REGION: Final = "NG"  # phone numbers without a country code are read as Nigerian
# The pilot in scope (hub/pilot.py): divisions and/or branches, e.g. "Motors; Victoria Island, Ikeja".
# Blank: no pilot, every mail and KPI covers the whole hub.
PILOT: Final = ""

# Intake and the writer.
BATCH_SIZE: Final = 500  # messages the writer takes from the queue per hub write
MAX_ATTEMPTS: Final = 5  # a message failing this many times is set aside (poisoned)
FUZZY_STRONG: Final = 90.0  # a unique account name match at or above this links
FUZZY_REVIEW: Final = 80.0  # candidates from here up are raised for the steward

# Governance.
OWNER_RULE: Final = "largest"  # account owner: the salesperson with the largest invoices in 12 months
DUP_STRONG: Final = 95.0
DUP_REVIEW: Final = 85.0
DUP_MAX_BLOCK: Final = 50

# Follow-ups and KPIs.
RESPONSE_HOURS: Final = 12.0  # the response standard: an inbound inquiry answered within this many hours
OVERRUN_PERCENT: Final = 10.0
TICKET_OPEN_DAYS: Final = 5
QUIET_DAYS: Final = 7
MAIL_PER_MINUTE: Final = 30

# The upgrade triggers.
HEALTH_MAX_MB: Final = 100.0
HEALTH_MAX_OPEN_SECONDS: Final = 10.0
HEALTH_MAX_STEWARD_HOURS: Final = 2.0
HEALTH_MAX_USERS: Final = 25

RETENTION_DAYS: Final = 90  # raw payloads of rejected submissions and local mail (NDPA 2023)
