"""The customer pages: search (`GET /api/customers?q=…`) and the card (`GET /api/customers/{id}`).

Server-rendered, no script, readable at 375 px. Every signed-in active staff member may read
(hub.web.access.may_read); someone not signed in gets 401, anyone else 403. An unknown account is a
404 page; a merged one redirects to the account that survives, which says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote

from hub.customers.card import look_up
from hub.customers.snapshot import HubSnapshot
from hub.rendering import environment
from hub.web.access import StaffDirectory, may_read
from hub.web.http import Handler, WebRequest, WebResponse, plain_page
from hub_schema.columns import COMPANY_NAME

SEARCH_PATH = "/api/customers"
MAX_QUERY = 200


def card_path(account_id: str) -> str:
    return f"{SEARCH_PATH}/{quote(account_id.upper(), safe='')}"


@dataclass(frozen=True)
class CustomerPages:
    snapshot: Callable[[], HubSnapshot]  # the cached hub (hub.customers.snapshot.SnapshotCache.get)
    today: Callable[[], date]  # Lagos
    admins: Sequence[str] = ()
    region: str = "NG"
    # Done / Snooze / Hand over links of an open promise (signed, as in the reminder mails): label -> URL
    promise_links: Callable[[str, str], dict[str, str]] = lambda interaction_id, owner: {}
    behind: Callable[[], bool] = lambda: False  # a changed hub is still being read

    def _refusal(self, request: WebRequest, snap: HubSnapshot) -> WebResponse | None:
        if not request.user:
            return plain_page(
                401, "Sign in first", "Open this page from a CX Hub mail and sign in with your work account."
            )
        if not may_read(request.user, StaffDirectory.from_rows(snap.staff_rows, self.admins)):
            return plain_page(
                403,
                "Not for this account",
                f"{request.user} is not an active member of staff on the hub's Staff tab; ask an admin.",
            )
        return None

    def search(self, request: WebRequest) -> WebResponse:
        snap = self.snapshot()
        refused = self._refusal(request, snap)
        if refused is not None:
            return refused
        q = " ".join(str(request.query.get("q") or "").split())[:MAX_QUERY]
        results = []
        for hit in snap.search_index.search(q) if q else []:
            facts = snap.facts[hit.account_id]
            owner = str(facts.row.get("Owner Override") or facts.row.get("Account Owner") or "").lower()
            results.append(
                {
                    "url": card_path(hit.account_id),
                    "name": facts.row.get(COMPANY_NAME) or hit.account_id,
                    "type": facts.row.get("Account Type"),
                    "divisions": sorted(facts.divisions),
                    "owner": snap.staff_names.get(owner, owner) or None,
                    "last_contact": facts.last_contact,
                    "via": hit.via,
                }
            )
        html = (
            environment()
            .get_template("customer_search.html.j2")
            .render(q=q, results=results, search_url=SEARCH_PATH, user=request.user, behind=self.behind())
        )
        return WebResponse(200, html)

    def card(self, request: WebRequest) -> WebResponse:
        snap = self.snapshot()
        refused = self._refusal(request, snap)
        if refused is not None:
            return refused
        account_id = str(request.params.get("account_id") or "")
        found = look_up(snap, account_id, self.today(), self.region)
        if found.kind == "unknown":
            return plain_page(
                404,
                "No such customer",
                f"The hub has no account {account_id[:40]}. Search for the customer instead.",
            )
        if found.kind == "moved":
            assert found.survivor
            location = f"{card_path(found.survivor)}?merged={quote(account_id.upper()[:40], safe='')}"
            return WebResponse(302, "", headers={"Location": location})
        assert found.card is not None
        card = found.card
        card.promises = [
            replace(p, links=self.promise_links(p.interaction_id, p.owner_email)) for p in card.promises
        ]
        merged_from = str(request.query.get("merged") or "").upper()[:40]
        html = (
            environment()
            .get_template("customer_card.html.j2")
            .render(
                c=card,
                merged_from=merged_from if merged_from in snap.accounts else None,
                search_url=SEARCH_PATH,
                user=request.user,
                behind=self.behind(),
            )
        )
        return WebResponse(200, html)


def handlers(pages: CustomerPages) -> list[tuple[str, str, Handler]]:
    return [("GET", SEARCH_PATH, pages.search), ("GET", SEARCH_PATH + "/{account_id}", pages.card)]
