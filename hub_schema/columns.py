"""Names of the key columns the rules use most, as constants (a typo is then a NameError, not a
blank read). Every column is declared in hub_schema.tabs; tests/unit/test_column_names.py checks
that these, and every column name written as a string in hub/, are declared there."""

from __future__ import annotations

ACCOUNT_ID = "Account ID"
CONTACT_ID = "Contact ID"
INTERACTION_ID = "Interaction ID"
OPPORTUNITY_ID = "Opportunity ID"
TICKET_ID = "Ticket ID"
COMPANY_NAME = "Company Name"
FULL_NAME = "Full Name"
DIVISION = "Division"
BUSIEST_STEWARD = "Busiest Steward"
STEWARD_HOURS = "Steward Hours"
CONTACT_NAME = "Contact Name"
