"""Who is signed in.

In Azure, App Service Authentication (Entra ID) signs the person in in front of the function and
passes who it is in the X-MS-CLIENT-PRINCIPAL-NAME / X-MS-CLIENT-PRINCIPAL headers. Those headers
are trusted ONLY when the setting says App Service Authentication is on (CXHUB_APP_SERVICE_AUTH):
without it anyone could send them, so they are stripped and ignored. Locally, `cxhub serve --as
EMAIL` stands in for the sign-in. Either way the action links also carry a signed token, so a forged
header alone can never act.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace

from hub.web.http import WebRequest

NAME_HEADER = "x-ms-client-principal-name"
PRINCIPAL_HEADER = "x-ms-client-principal"
# Everything App Service Authentication injects; a client-sent copy must never reach page code.
PRINCIPAL_HEADERS = (NAME_HEADER, PRINCIPAL_HEADER, "x-ms-client-principal-id", "x-ms-client-principal-idp")

# Claims that carry the person's mail address in an Entra ID token, most specific first.
_EMAIL_CLAIMS = (
    "preferred_username",
    "email",
    "upn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
)


def identify(request: WebRequest, *, app_service_auth: bool, stand_in: str | None = None) -> WebRequest:
    """The request with `user` set to the signed-in person (or None) and untrusted headers removed."""
    if not app_service_auth:
        headers = {k: v for k, v in request.headers.items() if k not in PRINCIPAL_HEADERS}
        user = stand_in.strip().lower() if stand_in and "@" in stand_in else None
        return replace(request, headers=headers, user=user)
    return replace(request, user=_principal_email(request))


def _principal_email(request: WebRequest) -> str | None:
    name = (request.header(NAME_HEADER) or "").strip()
    if "@" in name:
        return name.lower()
    encoded = request.header(PRINCIPAL_HEADER)
    if not encoded:
        return None
    try:
        principal = json.loads(base64.b64decode(encoded, validate=False))
    except (binascii.Error, ValueError, RecursionError):  # a header nested deep is no principal either
        return None
    claims = principal.get("claims") if isinstance(principal, dict) else None
    if not isinstance(claims, list):
        return None
    values = {c.get("typ"): c.get("val") for c in claims if isinstance(c, dict)}
    for claim in _EMAIL_CLAIMS:
        value = values.get(claim)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None
