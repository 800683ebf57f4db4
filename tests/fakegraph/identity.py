"""Entra ID token endpoints (app, device code, refresh, managed identity), mail, directory."""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakegraph.common import GRAPH_SCOPE, _b64, _error, _Headers, _is_jwt, _unsigned_jwt

_FILTER = re.compile(r"\b(mail|userPrincipalName) eq '((?:[^']|'')*)'")


class IdentityRoutes:
    """Entra ID token endpoints (app, device code, refresh, managed identity), mail, directory."""

    # -- identity ----------------------------------------------------------------------
    def _openid(self, m, query, raw, headers):
        base = f"{self.base_url}/{self.tenant}"
        return (
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"{base}/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            },
            {},
        )

    def _issue(self, kind: str, user: str | None = None) -> dict[str, Any]:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = {"kind": kind, "expires": time.time() + self.token_lifetime, "user": user}
        return {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
        }

    def _token(self, m, query, raw, headers):
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        grant = form.get("grant_type")
        if form.get("client_id") != self.client_id:
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016: unknown app"}, {}
        if grant == "client_credentials":
            secret_ok = form.get("client_secret") == self.client_secret
            assertion_ok = form.get("client_assertion_type", "").endswith("jwt-bearer") and _is_jwt(
                form.get("client_assertion", "")
            )
            if not (secret_ok or assertion_ok):
                return (
                    401,
                    {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret"},
                    {},
                )
            if GRAPH_SCOPE not in form.get("scope", ""):
                return 400, {"error": "invalid_scope", "error_description": "AADSTS1002012: bad scope"}, {}
            return 200, self._issue("app"), {}
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            code = form.get("device_code", "")
            if code not in self.device_codes:
                return 400, {"error": "expired_token", "error_description": "AADSTS70019"}, {}
            if code not in self.approved_device_codes:
                return 400, {"error": "authorization_pending", "error_description": "AADSTS70016"}, {}
            return 200, self._user_tokens(self.device_codes.pop(code)), {}
        if grant == "refresh_token":
            user = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if user is None:
                return (
                    400,
                    {"error": "invalid_grant", "error_description": "AADSTS70000: bad refresh token"},
                    {},
                )
            return 200, self._user_tokens(user), {}
        return 400, {"error": "unsupported_grant_type"}, {}

    def _user_tokens(self, user: str) -> dict[str, Any]:
        out = self._issue("user", user)
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = user
        oid = str(uuid.uuid5(uuid.NAMESPACE_DNS, user))
        claims = {
            "aud": self.client_id,
            "iss": f"{self.base_url}/{self.tenant}/v2.0",
            "tid": self.tenant,
            "oid": oid,
            "preferred_username": user,
            "name": user,
            "iat": int(time.time()),
            "exp": int(time.time()) + self.token_lifetime,
        }
        out["refresh_token"] = refresh
        out["id_token"] = _unsigned_jwt(claims)
        out["client_info"] = _b64(json.dumps({"uid": oid, "utid": self.tenant}).encode())
        out["scope"] = "https://graph.microsoft.com/Files.ReadWrite.All https://graph.microsoft.com/Mail.Send"
        return out

    def _devicecode(self, m, query, raw, headers):
        code = secrets.token_urlsafe(16)
        self.device_codes[code] = "cxhub-service@mikano.example"
        return (
            200,
            {
                "device_code": code,
                "user_code": "FAKE-CODE",
                "verification_uri": f"{self.base_url}/devicelogin",
                "expires_in": 900,
                "interval": 1,
                "message": f"To sign in, open {self.base_url}/devicelogin and enter FAKE-CODE.",
            },
            {},
        )

    def approve_all_device_codes(self) -> None:
        self.approved_device_codes |= set(self.device_codes)

    def _msi(self, m, query, raw, headers):
        if headers.get("X-IDENTITY-HEADER") != self.identity_header:
            return 401, {"statusCode": 401, "message": "bad identity header"}, {}
        token = self._issue("managed_identity")
        return (
            200,
            {
                "access_token": token["access_token"],
                "expires_on": str(int(time.time()) + self.token_lifetime),
                "resource": query.get("resource"),
                "token_type": "Bearer",
            },
            {},
        )

    def _app_only_refused(self, path: str, headers) -> tuple | None:
        if self.app_only_workbook or "/workbook/" not in path:
            return None
        info = self.tokens.get(headers.get("Authorization", "")[7:]) or {}
        if info.get("kind") in ("app", "managed_identity"):
            return 403, _error("accessDenied", "Application permissions are not supported here."), {}
        return None

    def _check_token(self, headers) -> tuple | None:
        auth = headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        info = self.tokens.get(token)
        if info is None or info["expires"] < time.time():
            return 401, _error("InvalidAuthenticationToken", "Access token is empty or invalid."), {}
        return None

    # -- mail and directory ------------------------------------------------------------
    def _send_mail(self, m, query, raw, headers):
        body = json.loads(raw)
        message = body.get("message") or body.get("Message")  # msgraph-sdk capitalises these keys
        if not isinstance(message, dict) or not message.get("toRecipients"):
            return 400, _error("ErrorInvalidRecipients", "At least one recipient is not valid."), {}
        self.mailbox.append(
            {
                "from": m["user"],
                "message": message,
                "saveToSentItems": body.get("saveToSentItems", body.get("SaveToSentItems")),
            }
        )
        return 202, None, {}

    # GET /users/{id | userPrincipalName}/manager: a mail address that is not the UPN is no key.
    def _manager(self, m, query, raw, headers):
        key = m["user"].lower()
        user = next(
            (u for u in self.users.values() if key in (u["id"], u["userPrincipalName"].lower())), None
        )
        if user is None:
            return 404, _error("Request_ResourceNotFound", f"Resource '{m['user']}' does not exist."), {}
        manager = self.users.get(self.managers.get(user["id"], ""))
        if manager is None:
            message = (
                "Resource 'manager' does not exist or one of its queried reference-property objects "
                "are not present."
            )
            return 404, _error("Request_ResourceNotFound", message), {}
        return 200, {"@odata.type": "#microsoft.graph.user", **manager}, {}

    # GET /users?$filter=mail eq '...' or userPrincipalName eq '...' (&$select=...)
    def _users(self, m, query, raw, headers):
        wanted = _FILTER.findall(query.get("$filter", ""))
        if not wanted:
            return 400, _error("Request_UnsupportedQuery", "Unsupported or missing $filter."), {}
        found = [
            u
            for u in self.users.values()
            if any(u.get(prop, "").lower() == value.replace("''", "'").lower() for prop, value in wanted)
        ]
        select = query.get("$select")
        if select:
            fields = {f.strip() for f in select.split(",")}
            found = [{k: v for k, v in u.items() if k in fields} for u in found]
        return 200, self._page(found, query, m.string), {}

    def _batch(self, m, query, raw, headers):
        body = json.loads(raw)
        requests = body.get("requests", [])
        if len(requests) > 20:
            return 400, _error("BadRequest", "Number of batch request steps exceeds the maximum of 20."), {}
        responses = []
        for req in requests:
            url = urlsplit("/v1.0" + req["url"] if not req["url"].startswith("/v1.0") else req["url"])
            sub_headers = {**dict(headers.items()), **req.get("headers", {})}
            status, sub_body, sub_h = self._route(
                req["method"],
                unquote(url.path),
                {k: v[-1] for k, v in parse_qs(url.query).items()},
                json.dumps(req.get("body")).encode() if "body" in req else b"",
                _Headers(sub_headers),
            )
            responses.append({"id": req["id"], "status": status, "headers": sub_h, "body": sub_body})
        return 200, {"responses": responses}, {}
