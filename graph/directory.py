"""Who manages whom, from Entra ID (User.Read.All), cached per run.

GET /users/{id | userPrincipalName}/manager takes an object id or a UPN, not a mail address; where
mail and UPN differ, asking by mail answers 404 as if there were no manager. So the person is
resolved first by mail or UPN (one $filter query), then the manager is asked for by object id;
"no manager" is only what Graph says for a user that exists.
"""

from __future__ import annotations

import logging

from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from graph import errors
from graph.client import GraphCallError, GraphClient

log = logging.getLogger(__name__)


class GraphDirectory:
    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self._ids: dict[str, str | None] = {}
        self._cache: dict[str, str | None] = {}

    def user_id(self, email: str) -> str | None:
        """The object id of the user whose mail or userPrincipalName is `email` (cached)."""
        key = email.strip().lower()
        if key not in self._ids:
            quoted = key.replace("'", "''")  # OData string literal
            query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter=f"mail eq '{quoted}' or userPrincipalName eq '{quoted}'",
                select=["id", "mail", "userPrincipalName"],
            )
            config = UsersRequestBuilder.UsersRequestBuilderGetRequestConfiguration(query_parameters=query)
            found = self.client.all_pages("user", self.client.sdk.users, config)
            self._ids[key] = found[0].id if found else None
            if not found:
                log.warning("no directory user has that mail or user principal name; no manager looked up")
        return self._ids[key]

    def manager_of(self, email: str) -> str | None:
        key = email.strip().lower()
        if key not in self._cache:
            user_id = self.user_id(key)
            self._cache[key] = self._manager(user_id) if user_id else None
        return self._cache[key]

    def _manager(self, user_id: str) -> str | None:
        try:
            user = self.client.call(
                "manager", lambda: self.client.sdk.users.by_user_id(user_id).manager.get(), idempotent=True
            )
        except GraphCallError as e:
            if e.kind == errors.NOT_FOUND:  # the user exists (just resolved): Graph says no manager
                return None
            raise
        if user is None:
            return None
        data = getattr(user, "additional_data", {}) or {}
        address = getattr(user, "mail", None) or data.get("mail") or data.get("userPrincipalName")
        return str(address).lower() if address else None
