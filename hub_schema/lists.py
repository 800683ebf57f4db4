"""The hub's dropdown lists: the single place where every enum's allowed values are spelled.

The template writes them to the Lists tab (feeding the data-validation dropdowns), intake checks
answers against them, and the Form question set refers to them by name.
"""

from __future__ import annotations

LISTS: dict[str, tuple[str, ...]] = {
    "Divisions": ("Motors", "Power", "Construction", "Medical", "GRAS", "Cube 65 Clinic"),
    "Channels": (
        "Phone",
        "WhatsApp",
        "Email",
        "Meeting",
        "Walk-in",
        "Social Media",
        "Website",
        "Hotline / Call centre",
        "SMS",
        "Other",
    ),
    "Directions": ("Inbound", "Outbound"),
    "Account Types": ("Company", "Individual"),
    "Account Statuses": ("Active", "Merged"),
    "Interaction Types": (
        "Inquiry",
        "Follow-up",
        "Quote / PFI",
        "Order",
        "Test Drive / Site Visit",
        "Service Request",
        "Complaint",
        "Feedback",
        "Follow-up done",
        # After the sale: a Delivery with a first-service date schedules the
        # owner's reminder before it and a Check-in call after it (hub/followups/after_sale.py).
        "Delivery",
        "Service booking",
        "Check-in call",
        "Payment follow-up",
        "Other",
    ),
    "Action Statuses": ("Open", "Done", "Cancelled"),
    "Pipeline Stages": (
        "Inquiry",
        "Qualified",
        "Test Drive / Site Visit",
        "Quote / PFI",
        "Negotiation",
        "Won",
        "Lost",
    ),
    "Lost Reasons": (
        "Price",
        "Stock / delivery time",
        "Competitor",
        "Financing",
        "No response",
        "Other",
    ),
    "Lead Sources": (
        "Walk-in",
        "Referral / word of mouth",
        "Google Maps",
        "Facebook / Instagram ad",
        "Website / landing page",
        "WhatsApp",
        "Hotline",
        "Existing customer",
        "Other",
    ),
    # Where the interaction was handled, so a pilot can be one branch. A steward adds a branch on
    # the Lists tab (the dropdowns grow with it) and here, for the Form and intake.
    "Branches": ("Victoria Island", "Ikeja", "Abuja", "Port Harcourt", "Kano"),
    "Ticket Categories": (
        "Service Request",
        "Complaint",
        "Warranty",
        "Quality Flag",
        "Spare Parts",
        "Billing",
        "Other",
    ),
    "Ticket Statuses": (
        "Open",
        "In Progress",
        "Awaiting Customer",
        "Awaiting Parts",
        "Resolved",
        "Closed",
    ),
    "Review Kinds": ("Account", "Contact"),
    "Review Decisions": ("Merge", "Not duplicate", "Same account - keep link"),
    "Roles": ("Sales", "Service", "Manager", "Data Steward", "Admin"),
    "Yes No": ("Yes", "No"),
    "Deal Statuses": ("Open", "Paid", "Cancelled", "Credit Note"),
}

CLOSED_STAGES: frozenset[str] = frozenset({"Won", "Lost"})
CLOSED_TICKET_STATUSES: frozenset[str] = frozenset({"Resolved", "Closed"})


def list_name_to_defined_name(list_name: str) -> str:
    """Excel defined name used by data validation for a list: 'Pipeline Stages' -> 'ListPipelineStages'."""
    return "List" + "".join(part for part in list_name.split())
