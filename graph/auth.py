"""Tokens for Microsoft Graph, from msal: app-only (secret, certificate, managed identity) or a
delegated service account whose token cache persists (a local file, or a blob in Azure).

The Excel workbook API's reference pages mark application permissions "not supported", yet
tenants report app-only access working; `cxhub doctor` tells which mode works in a tenant, and
`cxhub login` signs the service account in once (device code) for the delegated mode.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import msal
import requests
from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
GRAPH_RESOURCE = "https://graph.microsoft.com"
DELEGATED_SCOPES = [
    "https://graph.microsoft.com/Files.ReadWrite.All",
    "https://graph.microsoft.com/Mail.Send",
    "https://graph.microsoft.com/User.Read.All",
]


class AuthError(RuntimeError):
    """No token could be had; the message says what to fix (never contains a secret)."""


class TokenSource(Protocol):
    def token(self) -> str: ...


@dataclass(frozen=True)
class AuthSettings:
    tenant_id: str
    client_id: str
    authority_host: str = "https://login.microsoftonline.com"
    client_secret: str | None = None
    client_cert_path: Path | None = None
    use_managed_identity: bool = False
    managed_identity_client_id: str | None = None
    delegated: bool = False
    token_cache: TokenCacheStore | None = None
    ca_bundle: str | None = None  # trust store override (tests use the fake Graph's certificate)

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant_id}"


class TokenCacheStore(Protocol):
    """Where the delegated account's msal token cache lives between runs."""

    def load(self) -> str | None: ...

    def save(self, data: str) -> None: ...


class FileTokenCache:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> str | None:
        return self.path.read_text("utf-8") if self.path.exists() else None

    def save(self, data: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(data, "utf-8")
        tmp.chmod(0o600)  # it holds a refresh token
        tmp.replace(self.path)


class StateTokenCache:
    """The token cache kept in a StateStore: in Azure, a blob in the function's storage account."""

    def __init__(self, state, key: str = "msal-token-cache") -> None:
        self._state, self._key = state, key

    def load(self) -> str | None:
        return self._state.get(self._key)

    def save(self, data: str) -> None:
        self._state.set(self._key, data)


def http_session(ca_bundle: str | None) -> requests.Session:
    """msal's HTTP client. trust_env off so REQUESTS_CA_BUNDLE cannot override `verify`."""
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_bundle or True
    return session


class AppTokens:
    """Client credentials: a secret or a certificate."""

    def __init__(self, settings: AuthSettings) -> None:
        credential: Any
        if settings.client_cert_path:
            credential = _certificate_credential(settings.client_cert_path)
        elif settings.client_secret:
            credential = settings.client_secret
        else:
            raise AuthError("Set CXHUB_CLIENT_SECRET, CXHUB_CLIENT_CERT_PATH or CXHUB_USE_MANAGED_IDENTITY")
        self._app = msal.ConfidentialClientApplication(
            settings.client_id,
            client_credential=credential,
            authority=settings.authority,
            http_client=http_session(settings.ca_bundle),
            instance_discovery=False,
        )

    def token(self) -> str:
        # acquire_token_for_client serves from msal's in-memory cache until near expiry.
        return _token_or_raise(self._app.acquire_token_for_client(scopes=GRAPH_SCOPES), "app-only")


class ManagedIdentityTokens:
    def __init__(self, settings: AuthSettings) -> None:
        identity: Any = (
            msal.UserAssignedManagedIdentity(client_id=settings.managed_identity_client_id)
            if settings.managed_identity_client_id
            else msal.SystemAssignedManagedIdentity()
        )
        self._client = msal.ManagedIdentityClient(identity, http_client=http_session(settings.ca_bundle))

    def token(self) -> str:
        return _token_or_raise(
            self._client.acquire_token_for_client(resource=GRAPH_RESOURCE), "managed identity"
        )


class DelegatedTokens:
    """The service account signed in once with `cxhub login`; refreshed silently after that."""

    def __init__(self, settings: AuthSettings) -> None:
        if settings.token_cache is None:
            raise AuthError("delegated mode needs a token cache location (CXHUB_TOKEN_CACHE)")
        self._store = settings.token_cache
        self._cache = msal.SerializableTokenCache()
        saved = self._store.load()
        if saved:
            self._cache.deserialize(saved)
        self._lock = threading.Lock()
        self._app = msal.PublicClientApplication(
            settings.client_id,
            authority=settings.authority,
            token_cache=self._cache,
            http_client=http_session(settings.ca_bundle),
            instance_discovery=False,
        )

    def _persist(self) -> None:
        if self._cache.has_state_changed:
            self._store.save(self._cache.serialize())
            self._cache.has_state_changed = False

    def token(self) -> str:
        with self._lock:
            accounts = self._app.get_accounts()
            if not accounts:
                raise AuthError("No signed-in service account: run 'cxhub login' once")
            result = self._app.acquire_token_silent(DELEGATED_SCOPES, account=accounts[0])
            self._persist()
        if result is None:
            raise AuthError("The service account's sign-in has expired: run 'cxhub login' again")
        return _token_or_raise(result, "delegated")

    def login(
        self, show: Callable[[str], None], poll: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    ) -> str:
        """Device-code sign-in; `show` displays the instructions. Returns the signed-in user name."""
        flow = self._app.initiate_device_flow(scopes=DELEGATED_SCOPES)
        if "user_code" not in flow:
            raise AuthError(f"Could not start the device sign-in: {flow.get('error_description', flow)}")
        show(flow["message"])
        result = poll(flow) if poll else self._app.acquire_token_by_device_flow(flow)
        with self._lock:
            self._persist()
        _token_or_raise(result, "delegated sign-in")
        claims = result.get("id_token_claims") or {}
        return str(claims.get("preferred_username", "the service account"))

    def acquire_by_device_flow(self, flow: dict[str, Any]) -> dict[str, Any]:
        return self._app.acquire_token_by_device_flow(flow)


def token_source(settings: AuthSettings) -> TokenSource:
    if settings.use_managed_identity:
        return ManagedIdentityTokens(settings)
    if settings.delegated:
        return DelegatedTokens(settings)
    return AppTokens(settings)


class KiotaTokenProvider(AccessTokenProvider):
    """msal tokens for msgraph-sdk; msal blocks on HTTP, so it runs off the event loop."""

    def __init__(self, source: TokenSource, graph_base_url: str) -> None:
        self._source = source
        self._hosts = AllowedHostsValidator([urlsplit(graph_base_url).hostname or ""])

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict | None = None
    ) -> str:
        if not self._hosts.is_url_host_valid(uri):
            return ""  # never send the token to a host that is not Graph (e.g. a download URL)
        return await asyncio.to_thread(self._source.token)

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


def _token_or_raise(result: dict[str, Any] | None, mode: str) -> str:
    if result and "access_token" in result:
        return str(result["access_token"])
    error = (result or {}).get("error", "no_token")
    description = str((result or {}).get("error_description", "")).split("\n")[0]
    raise AuthError(f"Could not get a Graph token ({mode}): {error}: {description}")


def _certificate_credential(path: Path) -> dict[str, str]:
    """msal's certificate credential from one PEM file holding the private key and certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pem = Path(path).read_bytes()
    try:
        cert = x509.load_pem_x509_certificate(pem)
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError as e:
        raise AuthError(f"{path} must be one PEM file with the private key and the certificate") from e
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    thumbprint = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return {
        "private_key": key_pem,
        "thumbprint": thumbprint,
        "public_certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
    }
