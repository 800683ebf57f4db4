"""Reading rows of a hub tab: the fast path types every cell exactly as coerce() does."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub_schema.cells import _PLAIN_TEXT, coerce, rows_as_dicts
from hub_schema.tabs import tab
from tests.strategies import examples

# What a workbook read (calamine) or the Graph API hands back for a cell.
cell_values = (
    st.just("")
    | st.text(max_size=12)
    | st.sampled_from(["  ", " ACC-000001 ", "12", "1,234.50", "2026-11-30", "2026-11-30T09:15:00", "x"])
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.booleans()
    | st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1))
    | st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1))
)


@pytest.mark.slow
@examples(40)
@given(st.data())
def test_every_column_type_reads_as_coerce_types_it(data: st.DataObject) -> None:
    """Each cell comes back as coerce(column, cell) (free text as typed), blank rows dropped."""
    for name in ("Accounts", "Deals", "Interactions", "Health"):
        schema = tab(name)
        header = list(schema.column_names)
        rows = data.draw(
            st.lists(st.lists(cell_values, min_size=len(header), max_size=len(header)), max_size=4)
        )
        got = rows_as_dicts(schema, [header, *rows], "hub.xlsx")
        expected = []
        for raw in rows:
            typed = {
                c.name: None if v == "" else v if c.type in _PLAIN_TEXT else coerce(c, v)
                for c, v in zip(schema.columns, raw, strict=True)
            }
            if any(v is not None for v in typed.values()):
                expected.append(typed)
        assert got == expected


def test_a_serial_past_year_9999_in_a_date_column_is_kept_as_typed() -> None:
    """A date cell holding a huge number is read as that number, not a crash of the whole read."""
    schema = tab("Deals")
    header = list(schema.column_names)
    dated = next(c for c in schema.columns if c.type == "date")
    row = [""] * len(header)
    row[header.index(dated.name)] = 2958466.0
    assert rows_as_dicts(schema, [header, row], "hub.xlsx") == [
        {**dict.fromkeys(header), dated.name: 2958466.0}
    ]


def test_asked_columns_only_and_short_rows_padded() -> None:
    """A read for two columns returns just those, and a row shorter than the header is padded."""
    schema = tab("Interactions")
    header = list(schema.column_names)
    key_at = header.index(schema.columns[0].name)
    short = [""] * key_at + [" INT-000007 "]
    got = rows_as_dicts(schema, [header, short, [""] * len(header)], "hub.xlsx", [header[key_at], header[-1]])
    assert got == [{header[key_at]: "INT-000007", header[-1]: None}]


def test_an_integer_column_holding_inf_or_nan_is_kept_as_typed() -> None:
    """A cell typed "inf" (or an infinite float) in an integer column is read as typed, not a crash of
    the whole read (a Hypothesis find)."""
    schema = tab("Interactions")
    header = list(schema.column_names)
    whole = next(c for c in schema.columns if c.type == "integer")
    for typed in ("INF", float("inf"), float("nan"), "-inf"):
        row = [""] * len(header)
        row[header.index(schema.key)] = "INT-000001"
        row[header.index(whole.name)] = typed
        [got] = rows_as_dicts(schema, [header, row], "hub.xlsx")
        assert str(got[whole.name]).lower().lstrip("-") in ("inf", "nan")
