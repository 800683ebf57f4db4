"""ERP import rules (ERP is king): upsert parsed ERP rows into the hub. "ERP is king": the hub
copies from the ERP and never writes to it.

An unchanged row changes nothing, so re-importing a file changes nothing. A changed row updates the
hub row and Audit says what changed. Blank ERP values never blank hub values (the Form may know
more). A bad row is reported with file and line and kept in Rejected; it never stops the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hub.governance.erp_parse import ErpRow, ErpRowError, ParsedFile
from hub.governance.ownership import salesperson_emails
from hub.governance.rules import GovernanceRules
from hub.matching import AccountIndex
from hub.names import normalise_person_name
from hub.ports import HubChanges, Row
from hub.tables import ReviewQueue, Table, add_audit, changes_of
from hub.values import FieldError, parse_phone
from hub_schema.cells import as_day
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME
from hub_schema.lists import LISTS
from hub_schema.tabs import RAW_PAYLOAD_COLUMNS

ACTOR = "CX Hub ERP import"
READS = ("Accounts", "Deals", "Price List", "Staff", "Review Queue", "Rejected", "Audit")
READ_COLUMNS = {"Audit": ("Audit ID",)}
INDIVIDUAL_TYPES = frozenset({"person", "individual", "consumer", "b2c", "retail individual"})
CREDIT_TYPES = frozenset({"cm", "credit memo", "credit note", "credit", "crn"})


@dataclass
class ImportReport:
    """What one ERP file did to the hub, row by row, as the admin and the HTTP reply see it."""

    file: str
    kind: str
    profile: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    linked: int = 0  # ERP customers linked to accounts first logged through the Form
    sent_to_review: int = 0
    errors: list[ErpRowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unmapped_salespeople: dict[str, int] = field(default_factory=dict)
    unmapped_headers: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-able data (the HTTP upload's reply)."""
        return {
            "file": self.file,
            "kind": self.kind,
            "columns": self.profile,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "linked": self.linked,
            "sentToReview": self.sent_to_review,
            "errors": [{"line": e.line, "reason": e.reason} for e in self.errors],
            "warnings": self.warnings,
            "unmappedSalespeople": self.unmapped_salespeople,
        }

    def text(self) -> str:
        lines = [
            f"ERP import of {self.file} ({self.kind}, {self.profile} columns)",
            f"  inserted  {self.inserted}",
            f"  updated   {self.updated}",
            f"  unchanged {self.unchanged}",
            f"  rejected  {self.rejected}",
        ]
        if self.linked:
            lines.append(f"  linked to accounts logged through the Form: {self.linked}")
        if self.sent_to_review:
            lines.append(f"  similar names sent to the Review Queue: {self.sent_to_review}")
        for name, count in sorted(self.unmapped_salespeople.items()):
            lines.append(
                f"  salesperson {name!r} ({count} invoice(s)) has no Staff row with that "
                "ERP Salesperson Name: add it there (not guessed)"
            )
        if self.unmapped_headers:
            lines.append(f"  columns not imported: {', '.join(self.unmapped_headers)}")
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  rejected {e.file} line {e.line}: {e.reason}" for e in self.errors]
        return "\n".join(lines)


def import_parsed(
    parsed: ParsedFile, tables: Mapping[str, list[Row]], now: datetime, rules: GovernanceRules
) -> tuple[HubChanges, ImportReport]:
    """The hub changes and the report of one parsed export. The rows of `tables` (a fresh read the
    caller throws away) are updated in place as the import goes."""
    run = _Import(parsed, tables, now, rules)
    run.rows()
    return changes_of(run.t), run.report


class _Import:
    def __init__(
        self, parsed: ParsedFile, tables: Mapping[str, list[Row]], now: datetime, rules: GovernanceRules
    ):
        self.parsed, self.now, self.rules = parsed, now, rules
        # The rows are the caller's fresh read, updated in place: no copy of 100k accounts.
        self.t = {name: Table(name, list(tables.get(name, []))) for name in READS}
        accounts = self.t["Accounts"].rows
        self.accounts = AccountIndex(accounts, fuzzy=False)
        # Near names are only asked about accounts logged through the Form (no ERP id): an ERP
        # customer is never a duplicate of another ERP customer, the ERP keeps them apart.
        self.form_accounts = AccountIndex([a for a in accounts if not a.get("ERP Customer ID")])
        self.report = ImportReport(parsed.file, parsed.kind, parsed.profile)
        self.report.unmapped_headers = list(parsed.unmapped_headers)
        self.salespeople = salesperson_emails(self.t["Staff"].rows)
        self.reviews = ReviewQueue(self.t["Review Queue"], self.t["Accounts"], self.t.get("Contacts"))
        self.rejected = {(r.get("Source Response ID"), r.get("Errors")) for r in self.t["Rejected"].rows}

    def rows(self) -> None:
        handler = {"customers": self._customer, "invoices": self._invoice, "prices": self._price}[
            self.parsed.kind
        ]
        for row in self.parsed.rows:
            try:
                handler(row)
            except FieldError as e:
                self._reject(ErpRowError(self.parsed.file, row.line, str(e), row.raw))
        for error in self.parsed.errors:
            self._reject(error)
        r = self.report
        if r.inserted or r.updated or self.t["Rejected"].new:
            self._audit(
                "ERP import",
                self.parsed.file,
                reason=f"{self.parsed.kind}: {r.inserted} inserted, {r.updated} updated, "
                f"{r.unchanged} unchanged, {r.rejected} rejected",
            )

    # -- customers -> Accounts -------------------------------------------------------------
    def _customer(self, row: ErpRow) -> None:
        v = row.values
        erp_id = str(v["erp_customer_id"]).strip()
        individual = str(v.get("customer_type") or "").strip().casefold() in INDIVIDUAL_TYPES
        phone = None
        if v.get("phone"):
            try:
                phone = parse_phone(str(v["phone"]), "phone", self.rules.phone_region)
            except FieldError:
                self.report.warnings.append(f"line {row.line}: the phone number is not valid; left blank")
        address = ", ".join(str(v[k]) for k in ("address", "city", "state") if v.get(k)) or None
        values = {
            COMPANY_NAME: v["company_name"],
            "Account Type": "Individual" if individual else "Company",
            "Industry": v.get("industry"),
            "Address": address,
            "Main Phone Number": phone,
        }
        where = f"{self.parsed.file} line {row.line}"
        existing = self.accounts.by_erp(erp_id)
        if existing:
            self._upsert_existing("Accounts", existing, values, where)
            return
        # Only an account without an ERP id can be linked; in a hub with none (every account came
        # from the ERP, e.g. the first import) the name lookup is skipped, and its index never built.
        exact = (
            [
                a
                for a in self.accounts.all_by_exact_name(str(v["company_name"]), individual=individual)
                if not self.accounts.rows[a].get("ERP Customer ID")
            ]
            if self.form_accounts.rows
            else []
        )
        if exact:
            target = exact[0]
            self.t["Accounts"].set(target, {"ERP Customer ID": erp_id} | _filled(values))
            self.accounts.add(self.accounts.rows[target])
            self.report.linked += 1
            self.report.updated += 1
            self._audit(
                "Linked to ERP",
                target,
                after=erp_id,
                reason=f"{where}: same name as the account logged through the Form",
            )
            return
        new_id = self._new_account(erp_id, values)
        if individual or not self.form_accounts.rows:
            return
        for match in self.form_accounts.near(str(v["company_name"]), self.rules.match):
            if match.account_id == new_id or self.accounts.rows[match.account_id].get("ERP Customer ID"):
                continue
            self._review(new_id, match.account_id, match.score, str(v["company_name"]), match.name, erp_id)

    def _new_account(self, erp_id: str, values: dict[str, Any]) -> str:
        accounts = self.t["Accounts"]
        account_id = accounts.allocate()
        row = accounts.add(
            {
                ACCOUNT_ID: account_id,
                "ERP Customer ID": erp_id,
                **values,
                "Status": "Active",
                "Created": self.now,
                "Created By": ACTOR,
            }
        )
        self.accounts.add(row)
        self.report.inserted += 1
        return account_id

    def _review(self, new_id: str, other: str, score: float, name: str, other_name: str, erp_id: str) -> None:
        reason = (
            f"ERP customer {erp_id} {name!r} was added as {new_id}; it looks like {other} {other_name!r}, "
            f"logged earlier through the Form (score {score:g}). Merge if they are the same customer: "
            "the ERP account survives."
        )
        if self.reviews.raise_item(self.now, "Account", new_id, other, score, reason):
            self.report.sent_to_review += 1

    # -- invoices -> Deals -----------------------------------------------------------------
    def _invoice(self, row: ErpRow) -> None:
        v = row.values
        invoice = str(v["invoice_no"]).strip()
        erp_id = str(v["erp_customer_id"]).strip()
        amount = float(v["amount"])
        salesperson = v.get("salesperson")
        if salesperson and normalise_person_name(str(salesperson)) not in self.salespeople:
            name = str(salesperson)
            self.report.unmapped_salespeople[name] = self.report.unmapped_salespeople.get(name, 0) + 1
        account_id = self.accounts.by_erp(erp_id)
        if account_id is None:
            self.report.warnings.append(
                f"line {row.line}: customer {erp_id} of invoice {invoice} is not in the hub yet "
                "(import the customers export too); the deal is kept and linked once it is"
            )
        values = {
            "ERP Customer ID": erp_id,
            "Salesperson": salesperson,
            "Amount": amount,
            "Invoice Date": as_day(v["invoice_date"]),
            "Division": _division(v.get("division")),
            "Status": _deal_status(v.get("status"), v.get("trx_type"), amount),
        }
        if account_id:
            values[ACCOUNT_ID] = account_id
        self._upsert("Deals", invoice, {"Invoice No": invoice}, values, row)

    # -- prices -> Price List ----------------------------------------------------------------
    def _price(self, row: ErpRow) -> None:
        v = row.values
        code = str(v["item_code"]).strip()
        values = {
            "Description": v.get("description"),
            "Division": _division(v.get("division")),
            "Unit Price": float(v["unit_price"]),
            "Currency": (str(v["currency"]).upper() if v.get("currency") else None),
            "Effective From": as_day(v.get("effective_from")),
        }
        self._upsert("Price List", code, {"Item Code": code}, values, row)

    # -- shared ------------------------------------------------------------------------------
    def _upsert(
        self, tab_name: str, key: str, ident: dict[str, Any], values: dict[str, Any], row: ErpRow
    ) -> None:
        table = self.t[tab_name]
        if key.upper() in table.by_key:
            self._upsert_existing(tab_name, key, values, f"{self.parsed.file} line {row.line}")
            return
        table.add(ident | values | {"Imported At": self.now})
        self.report.inserted += 1

    def _upsert_existing(self, tab_name: str, key: str, values: dict[str, Any], where: str) -> None:
        table = self.t[tab_name]
        current = table.by_key[key.upper()]
        diff = {col: new for col, new in _filled(values).items() if not _same(current.get(col), new)}
        if not diff:
            self.report.unchanged += 1
            return
        before = "; ".join(f"{col}: {_show(current.get(col))}" for col in diff)
        after = "; ".join(f"{col}: {_show(new)}" for col, new in diff.items())
        if "Imported At" in table.schema.by_name:
            diff["Imported At"] = self.now
        table.set(key, diff)
        if tab_name == "Accounts":
            self.accounts.add(table.by_key[key.upper()])
        self.report.updated += 1
        self._audit("ERP update", key, before=before, after=after, reason=where)

    def _reject(self, error: ErpRowError) -> None:
        self.report.rejected += 1
        self.report.errors.append(error)
        source = f"ERP {error.file} line {error.line}"
        if (source, error.reason) in self.rejected:
            return  # the same bad line of a re-imported file is kept once
        self.rejected.add((source, error.reason))
        table = self.t["Rejected"]
        table.add(
            {
                "Rejected ID": table.allocate(),
                "Received At": self.now,
                "Source Response ID": source,
                "Responder": ACTOR,
                "Errors": error.reason,
                RAW_PAYLOAD_COLUMNS[0]: error.raw[:30_000],
            }
        )

    def _audit(
        self, action: str, record: str, *, before: Any = None, after: Any = None, reason: str = ""
    ) -> None:
        add_audit(self.t["Audit"], self.now, ACTOR, action, record, before=before, after=after, reason=reason)


def _filled(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != ""}


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, float) and isinstance(old, int | float):
        return abs(old - new) < 0.005
    if isinstance(new, date) and isinstance(old, datetime):
        return old.date() == new
    if isinstance(new, str) and isinstance(old, str):
        return old.strip() == new.strip()
    return old == new


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, float) and value == int(value):
        return f"{value:,.0f}"
    return str(value)


def _division(text: Any) -> str | None:
    if not text:
        return None
    folded = str(text).casefold()
    for division in LISTS["Divisions"]:
        if division.casefold() in folded:
            return division
    return None


def _deal_status(status: Any, trx_type: Any, amount: float) -> str:
    kind = str(trx_type or "").strip().casefold()
    words = str(status or "").strip().casefold()
    if kind in CREDIT_TYPES or amount < 0:
        return "Credit Note"
    if any(w in words for w in ("cancel", "void", "reversed", "reversal")):
        return "Cancelled"
    if any(w in words for w in ("paid", "closed", "cleared")):
        return "Paid"
    return "Open"
