"""A working table numbers new rows after the highest ID the tab had when read, whenever it is first asked."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.tables import Table, next_number

_KEYS = st.sampled_from(
    ["INT-000001", "int-000007", "INT-000030", "INT-²", "INT-x", "TKT-000099", "", None, 12]
)
_STEP = st.one_of(st.just("allocate"), _KEYS.map(lambda key: ("add", key)), st.just("add allocated"))


@settings(max_examples=300)
@given(st.lists(_KEYS, max_size=8), st.lists(_STEP, max_size=10))
def test_ids_are_numbered_as_if_counted_when_the_tab_was_read(keys, steps):
    """Allocating and adding rows (with IDs of their own, repeated, blank or foreign, and with allocated
    ones) in any order gives the IDs numbered from the tab's highest ID as read, as counting at once did."""
    table = Table("Interactions", [{"Interaction ID": k} for k in keys])
    expected = next_number(dict(table.by_key), "INT")  # counted when the tab was read
    got, want = [], []
    for step in steps:
        if step == "allocate" or step == "add allocated":
            got.append(table.allocate())
            want.append(f"INT-{expected:06d}")
            expected += 1
            if step == "add allocated":
                table.add({"Interaction ID": got[-1]})
        else:
            table.add({"Interaction ID": step[1]})
    assert got == want
