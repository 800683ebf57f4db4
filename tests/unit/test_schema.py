"""The hub declared once: tabs, columns, lists and the Form question set agree."""

import tomllib
from pathlib import Path

import pytest
from openpyxl import Workbook

from graph.workbook_protection import PROTECTION_OPTIONS
from hub_schema import LISTS, TABS, tab
from hub_schema.form import TAB_CHOICES, answer_key, as_markdown, questions
from hub_schema.lists import list_name_to_defined_name
from hub_schema.tabs import parse_tabs
from hub_schema.template import protect

SPEC_TABS = [
    "Accounts",
    "Contacts",
    "Interactions",
    "Opportunities",
    "Tickets",
    "Deals",
    "Price List",  # issue 4: the ERP price list, for reference
    "Campaigns",  # issue 15: the campaigns staff pick on the Form
    "Staff",
    "Review Queue",
    "Steward Log",
    "Rejected",
    "Audit",
    "Health",
    "Dashboard",
]


def test_every_tab_of_the_spec_is_declared():
    """hub_schema declares exactly the product's tabs, in the order the workbook shows them."""
    assert [t.name for t in TABS] == SPEC_TABS


def test_table_names_are_the_tab_names_without_spaces():
    """Each tab's Excel table is named after the tab without spaces, as Excel table names require."""
    assert tab("Review Queue").table_name == "ReviewQueue"
    assert all(" " not in t.table_name for t in TABS)


def test_v6_columns_keep_their_names():
    """The columns existing hubs already have keep their names and order, so an upgraded hub is still read."""
    assert tab("Accounts").column_names[:7] == (
        "Account ID",
        "Company Name",
        "Industry",
        "Address",
        "Main Phone Number",
        "ERP Customer ID",
        "Account Owner",
    )
    assert tab("Contacts").column_names[:6] == (
        "Contact ID",
        "Full Name",
        "Job Title",
        "Email",
        "Mobile Number",
        "Associated Account ID",
    )
    assert tab("Interactions").column_names[:9] == (
        "Interaction ID",
        "Date",
        "Contact ID",
        "Account ID",
        "Channel",
        "Notes",
        "Next Action",
        "Action Due Date",
        "Logged By",
    )


def test_the_seed_enums_are_exact():
    """Divisions, channels and the other dropdown lists hold exactly the company's values."""
    assert LISTS["Divisions"] == ("Motors", "Power", "Construction", "Medical", "GRAS", "Cube 65 Clinic")
    assert LISTS["Channels"] == (
        "Phone",
        "WhatsApp",
        "Email",
        "Meeting",
        "Walk-in",
        "Social Media",
        "Website",
        "Hotline / Call centre",  # issue 15
        "SMS",
        "Other",
    )
    assert LISTS["Pipeline Stages"] == (
        "Inquiry",
        "Qualified",
        "Test Drive / Site Visit",
        "Quote / PFI",
        "Negotiation",
        "Won",
        "Lost",
    )


def test_opportunities_have_a_date_entered_column_per_stage():
    """Opportunities has a "Date Entered <stage>" column for every pipeline stage."""
    names = tab("Opportunities").column_names
    assert all(f"Date Entered {stage}" in names for stage in LISTS["Pipeline Stages"])


def test_every_choice_question_uses_a_hub_list():
    """Every choice question on the form offers exactly the options of a hub list, so the form and the
    dropdowns cannot disagree."""
    for q in questions():
        if q.type == "choice" and q.choices in TAB_CHOICES:
            assert q.options == () and tab(q.choices).key == TAB_CHOICES[q.choices]  # the tab's rows
        elif q.type == "choice":
            assert q.options == LISTS[q.choices]


def test_question_titles_and_keys_do_not_collide():
    """No question's key or title normalises to another question's, so an answer is never read as the wrong
    question."""
    seen = {}
    for q in questions():
        for name in (q.key, q.title):
            assert seen.setdefault(answer_key(name), q.key) == q.key


def test_the_form_file_is_readable_toml_with_the_canonical_keys():
    """form.toml parses as TOML and declares exactly the canonical question keys the code reads."""
    data = tomllib.loads((Path(__file__).parents[2] / "hub_schema" / "form.toml").read_text("utf-8"))
    keys = {q["key"] for q in data["question"]}
    assert keys == {
        "division",
        "company_name",
        "account_id",
        "erp_customer_id",
        "account_type",
        "industry",
        "contact_name",
        "contact_email",
        "contact_phone",
        "job_title",
        "channel",
        "direction",
        "interaction_type",
        "occurred_at",
        "occurred_time",  # issue 14: the Form's date question has no time
        "notes",
        "next_action",
        "action_due_date",
        "opportunity_stage",
        "product",
        "deal_value",
        "campaign",
        "ticket_id",
        "ticket_category",
        "ticket_status",
        "quote_amount",
        "final_amount",
        "csat",
        "follow_up_of",  # issue 5: a 'Follow-up done' names the interaction it closes
        "branch",  # issue 15: the Form and the lists
        "lead_source",
        "lost_reason",
        "first_service_date",
    }


def test_the_form_checklist_lists_every_question_and_option():
    """The Forms set-up checklist names every question title and option an admin must create."""
    text = as_markdown()
    for q in questions():
        assert q.title in text
    assert "Cube 65 Clinic" in text


def test_defined_names_for_lists_are_valid_excel_names():
    """A list's defined name drops spaces so Excel accepts it ("Pipeline Stages" -> ListPipelineStages)."""
    assert list_name_to_defined_name("Pipeline Stages") == "ListPipelineStages"


def test_a_misspelt_attribute_or_type_in_tabs_toml_fails_loudly():
    """A column attribute or type that tabs.toml's reader does not know is an error, not ignored."""
    columns = [{"name": "Account ID", "type": "id"}]
    assert parse_tabs({"tab": [{"name": "Accounts", "key": "Account ID", "columns": columns}]})
    with pytest.raises(ValueError, match="unknown keys \\['requird'\\]"):
        parse_tabs({"tab": [{"name": "Accounts", "columns": [{"name": "Notes", "requird": True}]}]})
    with pytest.raises(ValueError, match="unknown type 'datetme'"):
        parse_tabs({"tab": [{"name": "Accounts", "columns": [{"name": "Created", "type": "datetme"}]}]})
    with pytest.raises(ValueError, match="unknown keys \\['protect'\\]"):
        parse_tabs({"tab": [{"name": "Deals", "protect": True, "columns": columns}]})


def test_a_column_per_list_value_is_named_after_each_value():
    """for_each declares one column per value of a list, in the list's order, each with the same type."""
    spec = {"name": "Date Entered {value}", "for_each": "Pipeline Stages", "type": "datetime"}
    (made,) = parse_tabs({"tab": [{"name": "Opportunities", "columns": [spec]}]})
    assert made.column_names == tuple(f"Date Entered {stage}" for stage in LISTS["Pipeline Stages"])
    assert {c.type for c in made.columns} == {"datetime"}


def test_the_template_and_the_graph_store_leave_staff_the_same_options_on_a_protected_tab():
    """Sorting, filtering and widening columns stay allowed on a protected tab, in both, and nothing else."""
    sheet = Workbook().active
    protect(sheet)
    template = {
        o: not getattr(sheet.protection, o) for o in ("sort", "autoFilter", "formatColumns", "insertRows")
    }
    assert template == {"sort": True, "autoFilter": True, "formatColumns": True, "insertRows": False}
    graph = {k: v for k, v in vars(PROTECTION_OPTIONS).items() if k.startswith("allow_")}
    assert len(graph) == 11 and {k for k, allowed in graph.items() if allowed} == {
        "allow_sort",
        "allow_auto_filter",
        "allow_format_columns",
    }
    assert sheet.protection.sheet and all(
        getattr(sheet.protection, k) for k in ("deleteRows", "formatCells", "insertHyperlinks", "pivotTables")
    )
