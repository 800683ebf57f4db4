"""The links in mails: plain https:// anchors (Outlook desktop, web and phone open them as they are),
one signed token each. The same URLs go in the HTML and in the plain-text part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from hub.actions.tokens import DEFAULT_LIFETIME, issue

ACT_PATH = "/api/act"
CUSTOMER_PATH = "/api/customers/{account_id}"  # served by the customer card (issue 14)


def customer_url(base_url: str, account_id: str) -> str:
    """The customer card's address for an account: one shape for every mail that links to it."""
    return base_url + CUSTOMER_PATH.format(account_id=quote(account_id.upper(), safe=""))


@dataclass(frozen=True)
class Links:
    base_url: str  # CXHUB_PUBLIC_URL, no trailing slash
    key: bytes
    now: datetime  # timezone-aware: the tokens' expiry counts from here
    lifetime: timedelta = DEFAULT_LIFETIME

    def act(self, action: str, record: str, person: str, mail: str) -> str:
        token = issue(action, record, person, key=self.key, now=self.now, mail=mail, lifetime=self.lifetime)
        return f"{self.base_url}{ACT_PATH}?t={token}"

    def customer(self, account_id: str) -> str:
        return customer_url(self.base_url, account_id)
