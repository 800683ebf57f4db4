"""Hypothesis strategies for the property tests, in one place so every fuzz test draws from the same
hostile inputs: what staff type into a form, what an ERP export holds, what a steward decides.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from hub_schema.form import questions

# The profile a run loads (tests/conftest.py) says how many examples it draws, as Hypothesis's own
# max_examples: FULL_EXAMPLES (Hypothesis's default) means every test draws its whole `count`.
FULL_EXAMPLES = 100
FAST_EXAMPLES = 20
FEWEST = 10


def examples(count: int) -> settings:
    """Hypothesis settings for a property test: `count` examples under the "full" profile (the
    README's `python -m pytest`, CI), a fifth of them (at least FEWEST) under "fast" (the fast loop);
    no per-example deadline (the machine is shared, so timing says nothing here; speed lives in
    bench/)."""
    share = settings().max_examples / FULL_EXAMPLES  # settings() is the loaded profile
    drawn = count if share >= 1 else max(min(count, FEWEST), round(count * share))
    return settings(max_examples=drawn, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- JSON, as a client may send it ------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)

# JSON a hostile client may write that json.dumps never would: lone surrogates, 4,400-digit
# numbers, NaN and Infinity, nesting. RawJson literals go into the body as written (encode_hostile).


class RawJson(str):
    """A JSON literal written into the body as is (NaN, 1e400, a 4,400-digit number)."""


def encode_hostile(value: Any) -> str:
    """JSON text of `value`, with RawJson literals left exactly as written."""
    if isinstance(value, RawJson):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode_hostile(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode_hostile(v) for v in value) + "]"
    return json.dumps(value)


hostile_scalars = (
    st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=5)
    | st.text(max_size=10)
    | st.sampled_from(["1" * 4400, "NaN", "Infinity", "1e400", "-0", "12.5"]).map(RawJson)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
)
hostile_answers = st.dictionaries(
    st.sampled_from(["company_name", "notes", "deal_value", "contact_phone", "division"]), hostile_values
)

# -- intake: form answers ----------------------------------------------------------------------

# Text that has broken a form before: formula injection, placeholders, impossible dates, local
# phone and money formats, control characters, a 5,000-character answer.
tricky_answer_text = st.sampled_from(
    [
        "",
        " ",
        "N/A",
        "=cmd|' /C calc'!A0",
        "+234",
        "-",
        "@SUM(1)",
        "\t=1",
        "\r=1",
        "31/02/2026",
        "0803 123 4567",
        "2026-11-20T09:15:00Z",
        "₦12,500,000.00",
        "(1,200)",
        "Motors",
        "whatsapp",
        "\x00\x1b",
        "ß" * 5000,
        "20/11/2026 25:99",
        "5",
        "0",
        "1e999",
        "Individual",
    ]
)
# Answer keys: the form's question keys and titles (both are accepted) and arbitrary ones.
answer_keys = st.sampled_from([q.key for q in questions()] + [q.title for q in questions()]) | st.text(
    max_size=12
)
form_answers = st.dictionaries(answer_keys, tricky_answer_text | json_values, max_size=12)
# The submission envelope around the answers, with its fields present, missing or of any type.
envelopes = st.dictionaries(
    st.sampled_from(["responseId", "submittedAt", "responder", "answers", "x"]),
    json_values | tricky_answer_text,
)

# -- ERP exports -------------------------------------------------------------------------------

# Cells that ERP exports really contain, and that a parser can trip on: placeholders, Oracle and
# local dates, accounting negatives, naira amounts, huge numbers, quotes, delimiters, line breaks,
# NUL, a stray BOM, a formula.
erp_tricky_cells = st.sampled_from(
    [
        "",
        " ",
        "-",
        "N/A",
        "#N/A",
        "INV-1",
        "inv-1 ",
        "C-1",
        "05-NOV-26",
        "31/02/2026",
        "2026-11-05T10:00:00",
        "(1,200.00)",
        "1200 CR",
        "₦12,500,000",
        "12,5x0",
        "1e999",
        "9" * 400,
        '"',
        ";",
        "\n",
        "\r\n",
        "\x00",
        "\ufeff",
        "=HYPERLINK(1)",
    ]
)
erp_cells = erp_tricky_cells | st.text(max_size=15)
# What may follow a valid header line: any bytes, or tricky cells run together without structure.
erp_file_tails = st.binary(max_size=400) | st.lists(erp_tricky_cells, max_size=30).map(
    lambda cells: "".join(cells).encode()
)
# Rows of cells for a well-formed CSV (up to 8 rows of up to 7 cells).
erp_rows = st.lists(st.lists(erp_cells, max_size=7), max_size=8)
csv_delimiters = st.sampled_from(",;\t")
# One non-blank cell of any text but NUL and surrogates (quotes, delimiters, line breaks included),
# never a placeholder the parser reads as blank.
csv_cell_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=1, max_size=20
).filter(lambda s: s.strip() and s.strip() not in {"-", "?", "."})

# -- merges ------------------------------------------------------------------------------------

MERGE_ACCOUNTS = 8  # account indexes below are taken modulo the number of accounts drawn
merge_account_counts = st.integers(2, MERGE_ACCOUNTS)
# Each child record names the index of the account it belongs to.
merge_children = st.lists(st.integers(0, MERGE_ACCOUNTS - 1), min_size=0, max_size=30)
# Steward decisions "merge account A into B", including chains, repeats and self-merges.
merge_decisions = st.lists(
    st.tuples(st.integers(0, MERGE_ACCOUNTS - 1), st.integers(0, MERGE_ACCOUNTS - 1)),
    min_size=1,
    max_size=8,
)
