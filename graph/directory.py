"""Who manages whom, from Entra ID (GET /users/{id}/manager; User.Read.All), cached per run."""

from __future__ import annotations

from graph.client import GraphCallError, GraphClient


class GraphDirectory:
    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self._cache: dict[str, str | None] = {}

    def manager_of(self, email: str) -> str | None:
        key = email.lower()
        if key not in self._cache:
            try:
                user = self.client.call(
                    "manager", lambda: self.client.sdk.users.by_user_id(email).manager.get(), idempotent=True
                )
            except GraphCallError as e:
                if e.status != 404:  # 404: no manager on record, which is an answer
                    raise
                user = None
            address = None
            if user is not None:
                data = getattr(user, "additional_data", {}) or {}
                address = getattr(user, "mail", None) or data.get("mail") or data.get("userPrincipalName")
            self._cache[key] = address.lower() if address else None
        return self._cache[key]
