"""Blocking: which records are worth comparing at all, so name matching stays linear.

Comparing every name with every other is quadratic (20k ERP customers took 102 s, 100k did not
finish). Records are instead put in blocks by keys (a name token, a phonetic key of the first
token, a phone, an email domain...) and only records sharing a block are compared. A key shared by
more than `max_block` records says nothing and is skipped. The duplicate finder (governance) and
the near-name search of intake and ERP import share these keys, so they agree on what "near" can
mean.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations, repeat
from typing import cast

import jellyfish

from hub import defaults

DEFAULT_MAX_BLOCK = defaults.DUP_MAX_BLOCK  # CXHUB_DUP_MAX_BLOCK
MIN_TOKEN = 3  # shorter name tokens are not blocking keys


def company_name_keys(norm: str, min_token: int = MIN_TOKEN) -> set[str]:
    """Keys of a normalised company name: each token long enough to say something (every token,
    so swapped word order still meets in a block) and the sound of the first token (so a typo in
    the first word still meets)."""
    tokens = norm.split()
    if not tokens:
        return set()
    keys = {"t:" + t for t in tokens if len(t) >= min_token}
    keys.add("m:" + jellyfish.metaphone(tokens[0]))
    return keys


def pairs(keys: Sequence[str], ids: Sequence[str], max_block: int) -> set[tuple[str, str]]:
    """Each pair of records sharing a key held at most `max_block` times, once, as (lower id, higher
    id); record ids[i] holds keys[i]. Most keys are one record's alone (a phone, an email): the keys
    are counted in C and only the shared ones gathered into blocks (a 20k-account hub has 180k keys,
    7k shared: filing every key in a block of its own took 0.45 of the 0.6 CPU-s)."""
    counts = Counter(keys)
    shared = {key for key, count in counts.items() if 2 <= count <= max_block}
    blocks: dict[str, list[str]] = defaultdict(list)
    for key, record_id in zip(keys, ids, strict=True):
        if key in shared:
            blocks[key].append(record_id)
    found = set().union(*map(combinations, (sorted(set(m)) for m in blocks.values()), repeat(2)))
    return cast(set[tuple[str, str]], found)


class Blocks:
    """An index kept current as records come and go: key -> record ids, and back."""

    def __init__(self) -> None:
        self._members: dict[str, set[str]] = defaultdict(set)
        self._keys: dict[str, set[str]] = {}

    def put(self, record_id: str, keys: Iterable[str]) -> None:
        """Index `record_id` under exactly `keys` (replacing what it had)."""
        self.remove(record_id)
        self._keys[record_id] = set(keys)
        for key in self._keys[record_id]:
            self._members[key].add(record_id)

    def put_many(self, records: Iterable[tuple[str, set[str]]]) -> None:
        """put() of each (record id, keys) in turn, in one loop (20k accounts in a writer batch)."""
        members, filed = self._members, self._keys
        for record_id, keys in records:
            if record_id in filed:
                self.remove(record_id)
            filed[record_id] = keys
            for key in keys:
                members[key].add(record_id)

    def remove(self, record_id: str) -> None:
        for key in self._keys.pop(record_id, ()):
            self._members[key].discard(record_id)

    def candidates(self, keys: Iterable[str], max_block: int) -> set[str]:
        """Records sharing a discriminating key (a block of at most `max_block`) with `keys`."""
        found: set[str] = set()
        for key in keys:
            members = self._members.get(key)
            if members and len(members) <= max_block:
                found |= members
        return found
