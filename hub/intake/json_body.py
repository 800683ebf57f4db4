"""A request body decoded into JSON values every later step can carry, or a reason it cannot be.

JSON allows what Python's text and numbers do not survive: a lone surrogate ("\\ud800") is a str
that cannot be encoded to UTF-8 (the queue then failed without a reply); an integer of more than
4,300 digits makes int() raise; NaN, Infinity and 1e400 become floats that read as "nan"/"inf".
Here surrogates become U+FFFD with a note saying where, and unusable numbers become OutOfRange
values that validation reports as field errors.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from typing import Any

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300


@dataclass(frozen=True)
class OutOfRange:
    """A number in the body that no field can hold; `text` is how it was written (shortened)."""

    text: str

    def __str__(self) -> str:
        return self.text


def _int(text: str) -> int | OutOfRange:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return OutOfRange(f"an integer of {len(text.lstrip('-')):,} digits")
    return int(text)


def _float(text: str) -> float | OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else OutOfRange(text[:40])


def loads(text: str) -> tuple[Any, list[str]]:
    """The decoded body and notes on characters replaced. Raises what json.loads raises for a body
    that is not JSON (JSONDecodeError, RecursionError)."""
    body = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=OutOfRange)
    return make_valid_unicode(body)


def json_object(text: str) -> dict[str, Any] | None:
    """The JSON object `text` holds, or None for anything else: not JSON, nested too deep to read,
    or another kind of value. For reading back a body kept raw (a rejected one may be any of these)."""
    try:
        body, _ = loads(text)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def make_valid_unicode(value: Any) -> tuple[Any, list[str]]:
    """`value` with every lone surrogate in its strings and keys replaced by U+FFFD, and one note per
    place that had one. Iterative: a body nested thousands deep does not exhaust the stack."""
    notes: list[str] = []
    root = [value]
    stack: list[tuple[Any, Any, str]] = [(root, 0, "")]
    while stack:
        holder, slot, path = stack.pop()
        item = holder[slot]
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                holder[slot] = _LONE_SURROGATE.sub("\ufffd", item)
                notes.append(
                    f"{path or 'the body'} held an invalid character (a lone surrogate); it was replaced"
                )
        elif isinstance(item, list):
            stack.extend((item, i, f"{path}[{i}]") for i in range(len(item)))
        elif isinstance(item, dict):
            fixed = {}
            for key, child in item.items():
                clean = _LONE_SURROGATE.sub("\ufffd", key)
                if clean != key:
                    notes.append(
                        f"the name {clean!r} in {path or 'the body'} held an invalid character; replaced"
                    )
                fixed[clean] = child
            item.clear()
            item.update(fixed)
            stack.extend((item, key, f"{path}.{key}" if path else key) for key in item)
    return root[0], notes
