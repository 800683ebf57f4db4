"""The upgrade plan (hub_schema.upgrade), on hub shapes as the adapters read them: what an older hub
gains, and what is refused, naming the tab and the column, before anything is written."""

from __future__ import annotations

import pytest

from hub_schema.cells import missing_columns_message, missing_tab_message
from hub_schema.lists import LISTS, list_name_to_defined_name
from hub_schema.tabs import LISTS_TAB_NAME, PROTECTED_TABS, TABS, tab
from hub_schema.template import growing_list
from hub_schema.upgrade import (
    AddColumns,
    AddListValues,
    AddTab,
    HubShape,
    ProtectTab,
    SetDropdownSource,
    TableShape,
    UpgradeRefused,
    plan_upgrade,
)


def current(**changes) -> HubShape:
    """The shape of a hub built by today's template, with `changes` to its fields."""
    tables = {t.name: TableShape(t.name, t.table_name, t.column_names) for t in TABS}
    tables[LISTS_TAB_NAME] = TableShape(LISTS_TAB_NAME, LISTS_TAB_NAME, tuple(LISTS))
    fields = {
        "sheets": (*(t.name for t in TABS), LISTS_TAB_NAME),
        "tables": tables,
        "lists": dict(LISTS),
        "protected": frozenset(PROTECTED_TABS),
        "names": {list_name_to_defined_name(n): growing_list(n) for n in LISTS},
    }
    return HubShape(**{**fields, **changes})  # type: ignore[arg-type]


def with_header(shape: HubShape, name: str, header: tuple[str, ...], **table) -> HubShape:
    tables = dict(shape.tables)
    tables[name] = TableShape(name, tables[name].name, header, **table)
    return HubShape(shape.sheets, tables, shape.lists, shape.protected, shape.names)


def refusal(shape: HubShape) -> str:
    with pytest.raises(UpgradeRefused) as e:
        plan_upgrade(shape)
    return str(e.value)


def test_a_hub_made_by_this_template_needs_nothing():
    """A hub built by today's template plans no step at all (so a second upgrade changes nothing)."""
    assert plan_upgrade(current()).empty


def test_missing_columns_go_at_the_end_and_a_column_staff_added_in_the_middle_stays():
    """Columns the hub lacks are added after its last column, in schema order, and a column staff
    inserted in the middle is neither refused nor moved."""
    newer = ("Company Name", "Contact Name", "Branch")
    kept = [c for c in tab("Interactions").column_names if c not in newer]
    old = (*kept[:3], "Car Model", *kept[3:])
    plan = plan_upgrade(with_header(current(), "Interactions", old))
    [step] = plan.steps
    assert isinstance(step, AddColumns) and step.tab.name == "Interactions"
    assert [c.name for c in step.columns] == list(newer)
    assert f"after {kept[-1]!r}" in plan.lines()[0]


def test_a_missing_tab_is_added_but_a_tab_every_hub_had_is_not():
    """A tab older hubs never had (Campaigns) is planned as a new tab; a missing Accounts tab is refused
    as renamed or deleted, with the tabs found."""
    sheets = tuple(s for s in current().sheets if s != "Campaigns")
    assert plan_upgrade(current(sheets=sheets)).steps == (AddTab(tab("Campaigns")),)
    renamed = tuple("Customers" if s == "Accounts" else s for s in current().sheets)
    message = refusal(current(sheets=renamed))
    assert "no 'Accounts' tab, which every hub has had" in message and "'Customers'" in message


def test_a_renamed_column_is_refused_naming_the_tab_and_both_names():
    """A column renamed by a steward ('Contact name ' for 'Contact Name') is refused, not added a second
    time beside its values."""
    header = tuple("Contact name " if c == "Contact Name" else c for c in tab("Interactions").column_names)
    message = refusal(with_header(current(), "Interactions", header))
    assert "'Interactions' table has no 'Contact Name' column but has 'Contact name'" in message


def test_a_lost_key_or_required_column_is_refused():
    """A hub without its key column or a required column every hub had is refused: adding it empty
    would hide that rows lost their identity or their data."""
    no_key = tuple(c for c in tab("Accounts").column_names if c != "Account ID")
    assert "lost its key column 'Account ID'" in refusal(with_header(current(), "Accounts", no_key))
    no_notes = tuple(c for c in tab("Interactions").column_names if c != "Notes")
    assert "lost its required column 'Notes'" in refusal(with_header(current(), "Interactions", no_notes))


def test_a_duplicate_header_and_a_renamed_table_are_refused():
    """A header naming a column twice, and a tab whose table was renamed, are each refused by name."""
    header = (*tab("Staff").column_names, "full name")
    assert "names 'full name' twice" in refusal(with_header(current(), "Staff", header))
    tables = dict(current().tables)
    tables["Deals"] = TableShape("Deals", "Table7", tab("Deals").column_names)
    message = refusal(current(tables=tables))
    assert "'Deals' tab has no Excel table named 'Deals' (it has the table 'Table7')" in message


def test_cells_filled_right_of_a_table_that_must_grow_are_refused():
    """Staff notes right of a table where the new columns must go are refused, not overwritten."""
    header = tab("Health").column_names[:-1]
    message = refusal(with_header(current(), "Health", header, free_right=0))
    assert "'Health' tab has cells filled right of its table" in message
    assert plan_upgrade(with_header(current(), "Health", header, free_right=1)).steps


def test_every_problem_is_listed_at_once():
    """Two problems on two tabs are both named in one refusal, so the admin fixes them in one go."""
    shape = with_header(current(), "Staff", (*tab("Staff").column_names, "Email"))
    shape = with_header(shape, "Accounts", tab("Accounts").column_names[1:])
    with pytest.raises(UpgradeRefused) as e:
        plan_upgrade(shape)
    assert len(e.value.problems) == 2


def test_list_values_are_added_after_what_a_steward_added_and_dropdowns_are_made_to_grow():
    """Missing list values go below the last filled cell (a steward's own value kept above them), a new
    list becomes a new Lists column, and a fixed-range dropdown name is pointed at its growing list."""
    lists = dict(LISTS)
    lists["Channels"] = (*LISTS["Channels"][:-2], "Telegram")
    del lists["Branches"]
    names = {list_name_to_defined_name(n): growing_list(n) for n in LISTS}
    names["ListChannels"] = "'Lists'!$B$2:$B$9"
    tables = dict(current().tables)
    tables[LISTS_TAB_NAME] = TableShape(
        LISTS_TAB_NAME, LISTS_TAB_NAME, tuple(n for n in LISTS if n != "Branches")
    )
    steps = plan_upgrade(current(lists=lists, names=names, tables=tables)).steps
    assert AddListValues("Channels", LISTS["Channels"][-2:], len(LISTS["Channels"]) - 1, False) in steps
    assert AddListValues("Branches", LISTS["Branches"], 0, True) in steps
    assert steps[-1] == SetDropdownSource("Channels", growing_list("Channels"), "'Lists'!$B$2:$B$9")


def test_unprotected_machine_tabs_are_protected():
    """A hub from before protection gets every machine tab protected, and only those."""
    steps = plan_upgrade(current(protected=frozenset())).steps
    assert steps == tuple(ProtectTab(name) for name in PROTECTED_TABS)


def test_the_broken_hub_message_says_to_upgrade_only_when_an_upgrade_would_fix_it():
    """The writer's message for an older hub's missing columns or tab names `cxhub upgrade-hub`; for a
    renamed column or a tab every hub had it says to rename back instead."""
    interactions = tab("Interactions")
    older = list(interactions.column_names[:20])
    assert "run `cxhub upgrade-hub`" in missing_columns_message("hub.xlsx", interactions, ["Branch"], older)
    renamed = [("Remarks" if c == "Notes" else c) for c in interactions.column_names]
    message = missing_columns_message("hub.xlsx", interactions, ["Notes"], renamed)
    assert "upgrade-hub" not in message and "rename the header back" in message
    assert "run `cxhub upgrade-hub`" in missing_tab_message("hub.xlsx", "Campaigns", ["Accounts"])
    assert "upgrade-hub" not in missing_tab_message("hub.xlsx", "Accounts", ["Customers"])


def test_a_tab_an_upgrade_left_half_made_is_finished_not_refused():
    """An empty Campaigns sheet, or one holding just its header, or its table under Excel's default
    name (an upgrade through Graph cut off between calls) is finished by the next run; the same sheet
    holding something else is refused."""
    campaigns = tab("Campaigns")
    tables = {k: v for k, v in current().tables.items() if k != "Campaigns"}
    for bare in ((), campaigns.column_names):
        steps = plan_upgrade(current(tables=tables, bare_sheets={"Campaigns": bare})).steps
        assert steps == (AddTab(campaigns, sheet_exists=True),)
    named = dict(current().tables)
    named["Campaigns"] = TableShape("Campaigns", "Table3", campaigns.column_names)
    assert plan_upgrade(current(tables=named)).steps == (AddTab(campaigns, True, "Table3"),)
    other = current(tables=tables, bare_sheets={"Campaigns": ("Notes",)})
    assert "'Campaigns' tab has no Excel table named 'Campaigns'" in refusal(other)
