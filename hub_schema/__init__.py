"""The hub declared once: tabs, columns, types, dropdown lists and the Forms question set."""

from hub_schema.lists import LISTS
from hub_schema.tabs import TAB_BY_NAME, TABS, Column, Tab, tab

__all__ = ["LISTS", "TABS", "TAB_BY_NAME", "Column", "Tab", "tab"]
