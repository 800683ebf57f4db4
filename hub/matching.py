"""Search first: find the account and contact a submission is about.

Indexes are built once per writer batch from the hub's rows and kept current as the batch
creates records, so two submissions about the same new company in one batch make one account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from hub import defaults
from hub.blocking import DEFAULT_MAX_BLOCK, Blocks, company_name_keys
from hub.names import normalise_company_name, normalise_company_names, normalise_person_name
from hub.ports import Row
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, CONTACT_ID, FULL_NAME


def follow_merged_into(rows: Mapping[str, Row], record_id: str) -> tuple[str | None, set[str]]:
    """The record that survives today, following Merged Into from `record_id` (an upper-case key of
    `rows`); None when the chain leaves `rows` or loops. Also the ids walked on the way."""
    walked: set[str] = set()
    current = record_id
    while current in rows and current not in walked:
        walked.add(current)
        row = rows[current]
        if row.get("Status") != "Merged" or not row.get("Merged Into"):
            return current, walked
        current = str(row["Merged Into"]).upper()
    return None, walked


@dataclass(frozen=True)
class MatchRules:
    strong: float = defaults.FUZZY_STRONG  # a unique candidate at or above links
    review: float = defaults.FUZZY_REVIEW  # candidates from here up are raised for the steward
    min_fuzzy_length: int = 4  # names shorter than this are never fuzzy-matched
    max_block: int = DEFAULT_MAX_BLOCK  # a name key shared by more accounts than this finds nothing


@dataclass(frozen=True)
class NearMatch:
    account_id: str
    name: str
    score: float


class AccountIndex:
    def __init__(self, accounts: list[Row], *, fuzzy: bool = True) -> None:
        """`fuzzy=False` leaves out the near-name blocks (an index only looked up by id, ERP id
        and exact name: an ERP import of 100k customers needs no blocks for all of them)."""
        self.fuzzy = fuzzy
        self.rows: dict[str, Row] = {}
        self._by_erp: dict[str, str] = {}
        self._by_name: dict[str, list[str]] = {}
        self._fuzzy_names: dict[str, str] = {}  # account id -> normalised name (active companies)
        self._order: dict[str, int] = {}  # account id -> when first seen: ties go to the older
        self._blocks = Blocks()
        # The name indexes are brought up to date when a name is first looked up: the owner rule
        # (governance) asks by id only, and normalising 20k names costs more than its whole work.
        # What each add() saw, in order: (account id, Company Name, Status, Account Type).
        self._unnamed: list[tuple[str, object, object, object]] = []
        # Normalised name (None: out of the blocks) of each account whose blocks are not yet filed.
        self._unblocked: dict[str, str | None] = {}
        for row in accounts:
            self.add(row)

    def add(self, row: Row) -> None:
        account_id = str(row[ACCOUNT_ID]).upper()
        self.rows[account_id] = row
        if row.get("ERP Customer ID"):
            self._by_erp.setdefault(str(row["ERP Customer ID"]).upper(), account_id)
        self._order.setdefault(account_id, len(self._order))
        self._unnamed.append((account_id, row.get(COMPANY_NAME), row.get("Status"), row.get("Account Type")))

    def _index_names(self) -> None:
        """Apply the adds not yet in the exact-name index, in the order they happened (the names
        normalised together: hub.names.normalise_company_names); the near-name blocks of the
        accounts touched wait for the first near() (most batches only ever ask for exact names)."""
        if not self._unnamed:
            return
        added, self._unnamed = self._unnamed, []
        norms = normalise_company_names([str(name) if name else "" for _, name, _, _ in added])
        for (account_id, name, status, kind), norm in zip(added, norms, strict=True):
            if name:
                self._by_name.setdefault(norm, []).append(account_id)
            # The last add of an account decides its blocks, as when each add() filed them in turn.
            eligible = name and self.fuzzy and status != "Merged" and kind != "Individual"
            self._unblocked[account_id] = norm if eligible else None

    def _index_blocks(self) -> None:
        """File the near-name blocks of the accounts added since the last near()."""
        self._index_names()
        filed = []
        for account_id, norm in self._unblocked.items():
            if norm is None:
                self._fuzzy_names.pop(account_id, None)
                self._blocks.remove(account_id)
            else:
                self._fuzzy_names[account_id] = norm
                filed.append((account_id, company_name_keys(norm)))
        self._blocks.put_many(filed)
        self._unblocked.clear()

    def name_of(self, account_id: str) -> str | None:
        """The Company Name of an account, as people read it beside its ID (None if unknown)."""
        row = self.rows.get(account_id.strip().upper())
        return str(row[COMPANY_NAME]) if row and row.get(COMPANY_NAME) else None

    def survivor(self, account_id: str) -> str | None:
        """Follow Merged Into to the account that survives; None if the id is unknown."""
        found, walked = follow_merged_into(self.rows, account_id.upper())
        if found is not None or account_id.upper() not in self.rows:
            return found
        return sorted(walked)[0]  # a broken chain or a loop: the oldest account on it

    def by_id(self, account_id: str) -> str | None:
        return self.survivor(account_id) if account_id.upper() in self.rows else None

    def by_erp(self, erp_id: str) -> str | None:
        found = self._by_erp.get(erp_id.upper())
        return self.survivor(found) if found else None

    def by_exact_name(self, company_name: str, *, individual: bool = False) -> str | None:
        candidates = self.all_by_exact_name(company_name, individual=individual)
        return candidates[0] if candidates else None  # the oldest account wins

    def all_by_exact_name(self, company_name: str, *, individual: bool = False) -> list[str]:
        """Surviving accounts whose normalised name is exactly this one's, oldest first."""
        candidates = set()
        self._index_names()
        for account_id in self._by_name.get(normalise_company_name(company_name), []):
            survivor = self.survivor(account_id)
            if survivor and (self.rows[survivor].get("Account Type") == "Individual") == individual:
                candidates.add(survivor)
        return sorted(candidates)

    def near(self, company_name: str, rules: MatchRules, limit: int = 5) -> list[NearMatch]:
        """Active company accounts whose name scores at least rules.review, best first. Only names
        sharing a blocking key are scored, so the cost does not grow with the hub."""
        norm = normalise_company_name(company_name)
        if len(norm.replace(" ", "")) < rules.min_fuzzy_length:
            return []
        scored = []
        self._index_blocks()
        for account_id in self._blocks.candidates(company_name_keys(norm), rules.max_block):
            score = fuzz.token_sort_ratio(norm, self._fuzzy_names[account_id], score_cutoff=rules.review)
            if score:
                scored.append((-score, self._order[account_id], account_id))
        return [
            NearMatch(account_id, str(self.rows[account_id][COMPANY_NAME]), round(-score, 1))
            for score, _, account_id in sorted(scored)[:limit]
        ]


class ContactIndex:
    def __init__(self, contacts: list[Row]) -> None:
        # Names are normalised only for the account a lookup is about (one account's contacts, not
        # all 50k): per account, the (Full Name, contact id) pairs reindex() saw since the last lookup
        # there, in order; setdefault then keeps the first contact under each name, as before.
        self._names_seen: dict[str, list[tuple[str, str]]] = {}
        self._by_name: dict[str, dict[str, str]] = {}
        # What add() would file row by row, in bulk (50k contacts in every writer batch: 0.16 ->
        # 0.11 CPU-s): each contact id's row is the last given under it, as add() leaves it.
        ids = [str(row[CONTACT_ID]).upper() for row in contacts]
        self.rows: dict[str, Row] = dict(zip(ids, contacts, strict=True))
        pairs = list(zip(ids, contacts, strict=True))
        self._by_email: dict[str, str] = _first_wins(
            (str(row["Email"]).casefold(), cid) for cid, row in pairs if row.get("Email")
        )
        self._by_phone: dict[str, str] = _first_wins(
            (str(row["Mobile Number"]), cid) for cid, row in pairs if row.get("Mobile Number")
        )
        for cid, row in pairs:
            if row.get(FULL_NAME) and row.get("Associated Account ID"):
                account = str(row["Associated Account ID"]).upper()
                self._names_seen.setdefault(account, []).append((str(row[FULL_NAME]), cid))

    def add(self, row: Row) -> None:
        contact_id = str(row[CONTACT_ID]).upper()
        self.rows[contact_id] = row
        self.reindex(contact_id)

    def reindex(self, contact_id: str) -> None:
        row = self.rows[contact_id]
        if row.get("Email"):
            self._by_email.setdefault(str(row["Email"]).casefold(), contact_id)
        if row.get("Mobile Number"):
            self._by_phone.setdefault(str(row["Mobile Number"]), contact_id)
        if row.get(FULL_NAME) and row.get("Associated Account ID"):
            account = str(row["Associated Account ID"]).upper()
            self._names_seen.setdefault(account, []).append((str(row[FULL_NAME]), contact_id))

    def _named(self, account: str) -> dict[str, str]:
        """Normalised full name -> the first contact reindexed under it at `account`."""
        by_name = self._by_name.setdefault(account, {})
        for name, contact_id in self._names_seen.pop(account, ()):
            by_name.setdefault(normalise_person_name(name), contact_id)
        return by_name

    def survivor(self, contact_id: str) -> str:
        return follow_merged_into(self.rows, contact_id)[0] or contact_id

    def find(
        self, *, email: str | None, phone: str | None, name: str | None, account_id: str | None
    ) -> str | None:
        """By email, then phone, then name within the account."""
        if email and email.casefold() in self._by_email:
            return self.survivor(self._by_email[email.casefold()])
        if phone and phone in self._by_phone:
            return self.survivor(self._by_phone[phone])
        if name and account_id:
            found = self._named(account_id.upper()).get(normalise_person_name(name))
            if found:
                return self.survivor(found)
        return None


def _first_wins(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key -> the first value given under it (dict.setdefault over the pairs in order)."""
    return dict(reversed(list(pairs)))
