"""A tab read as typed columns gives the very rows the row-by-row read gives."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub_schema.cells import rows_as_dicts, rows_from_columns, typed_columns
from hub_schema.tabs import tab

INTERACTIONS = tab("Interactions")
CELLS = st.one_of(
    st.just(""),
    st.just(" "),
    st.text(max_size=8),
    st.integers(-5, 50_000),
    st.floats(allow_nan=False, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
)
WIDTH = len(INTERACTIONS.columns)


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=WIDTH), max_size=12),
    picked=st.lists(st.sampled_from(list(INTERACTIONS.column_names)), min_size=1, max_size=6, unique=True),
)
def test_typed_columns_then_rows_equal_rows_as_dicts(rows, picked):
    """For any cells (blank, spaces, text, numbers, dates, short rows) and any choice of columns,
    rows built from typed columns equal rows_as_dicts' rows, blank rows skipped alike."""
    header = list(INTERACTIONS.column_names)
    table = [header, *rows]
    for columns in (picked, None):
        expected = rows_as_dicts(INTERACTIONS, table, "hub.xlsx", columns)
        names = columns or header
        assert rows_from_columns(typed_columns(INTERACTIONS, table, "hub.xlsx", columns), names) == expected
