"""Tokens from the fake authority through the real msal code paths (HTTPS, discovery, caches)."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from graph.auth import (
    AppTokens,
    AuthError,
    AuthSettings,
    DelegatedTokens,
    FileTokenCache,
    ManagedIdentityTokens,
)


def settings_for(fake, **overrides) -> AuthSettings:
    base = {
        "tenant_id": fake.tenant,
        "client_id": fake.client_id,
        "authority_host": fake.base_url,
        "client_secret": fake.client_secret,
        "ca_bundle": str(fake.cert_path),
    }
    return AuthSettings(**{**base, **overrides})


def token_posts(fake) -> int:
    return fake.count("POST", r"/oauth2/v2.0/token$")


def test_app_only_with_a_secret_gets_a_token_and_reuses_it(fake):
    """App-only sign-in with a client secret gets an app token and reuses it from the cache instead of asking
    again."""
    tokens = AppTokens(settings_for(fake))
    first = tokens.token()
    assert first in fake.tokens and fake.tokens[first]["kind"] == "app"
    assert tokens.token() == first
    assert token_posts(fake) == 1  # the second came from msal's cache


def test_a_wrong_secret_says_so_without_showing_it(fake):
    """A wrong client secret raises AuthError with Entra's invalid_client, never showing the secret."""
    with pytest.raises(AuthError, match="invalid_client") as caught:
        AppTokens(settings_for(fake, client_secret="not-the-secret")).token()
    assert "not-the-secret" not in str(caught.value)


def test_app_only_with_a_certificate(fake, tmp_path):
    """App-only sign-in with a certificate PEM (key and certificate) gets an app token."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cxhub-app")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) + cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "app.pem").write_bytes(pem)
    tokens = AppTokens(settings_for(fake, client_secret=None, client_cert_path=tmp_path / "app.pem"))
    assert fake.tokens[tokens.token()]["kind"] == "app"


def test_a_certificate_file_without_a_key_is_explained(fake, tmp_path):
    """A certificate file that is not a PEM with key and certificate is refused with what the file must
    contain."""
    (tmp_path / "bad.pem").write_text("not a pem")
    with pytest.raises(AuthError, match="one PEM file with the private key and the certificate"):
        AppTokens(settings_for(fake, client_secret=None, client_cert_path=tmp_path / "bad.pem"))


def test_managed_identity_on_app_service(fake, monkeypatch):
    """On App Service the managed identity endpoint gives a token that is then reused from the cache."""
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{fake.base_url}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", fake.identity_header)
    tokens = ManagedIdentityTokens(settings_for(fake, use_managed_identity=True))
    first = tokens.token()
    assert fake.tokens[first]["kind"] == "managed_identity"
    assert tokens.token() == first
    assert fake.count("GET", "/msi/token") == 1


def test_delegated_sign_in_persists_the_cache_and_later_runs_are_silent(fake, tmp_path):
    """A delegated device-code sign-in saves its token cache, so later runs get tokens without asking
    anyone."""
    cache = FileTokenCache(tmp_path / "cache" / "tokens.json")
    shown = []
    login = DelegatedTokens(settings_for(fake, client_secret=None, delegated=True, token_cache=cache))

    def approve_then_poll(flow):
        fake.approve_all_device_codes()
        return login.acquire_by_device_flow(flow)

    user = login.login(shown.append, poll=approve_then_poll)
    assert user == "cxhub-service@mikano.example"
    assert "FAKE-CODE" in shown[0]
    assert stat.S_IMODE((tmp_path / "cache" / "tokens.json").stat().st_mode) == 0o600

    later = DelegatedTokens(settings_for(fake, client_secret=None, delegated=True, token_cache=cache))
    assert fake.tokens[later.token()]["user"] == "cxhub-service@mikano.example"
    assert fake.count("POST", "/devicecode") == 1  # no second sign-in


def test_an_expired_delegated_token_is_refreshed_silently_and_the_cache_saved(fake, tmp_path):
    """A delegated token near expiry is refreshed with the refresh token silently, and the refreshed cache is
    saved."""
    cache = FileTokenCache(tmp_path / "tokens.json")
    fake.token_lifetime = 60  # msal refreshes tokens this close to expiry
    login = DelegatedTokens(settings_for(fake, client_secret=None, delegated=True, token_cache=cache))
    login.login(
        lambda text: None,
        poll=lambda flow: (fake.approve_all_device_codes(), login.acquire_by_device_flow(flow))[1],
    )
    saved = cache.load()
    posts = token_posts(fake)
    fresh = DelegatedTokens(settings_for(fake, client_secret=None, delegated=True, token_cache=cache)).token()
    assert token_posts(fake) == posts + 1  # a refresh_token grant, not a new sign-in
    assert fresh in fake.tokens
    assert cache.load() != saved  # the rotated refresh token was kept


def test_delegated_without_a_sign_in_says_to_run_cxhub_login(fake, tmp_path):
    """Delegated mode with no saved sign-in raises an AuthError telling the admin to run cxhub login."""
    tokens = DelegatedTokens(
        settings_for(
            fake, client_secret=None, delegated=True, token_cache=FileTokenCache(tmp_path / "none.json")
        )
    )
    with pytest.raises(AuthError, match="cxhub login"):
        tokens.token()


def test_delegated_is_the_default_and_managed_identity_needs_the_app_only_opt_in(fake, hub_item):
    """Microsoft documents the workbook API for delegated access only: that is the default mode;
    a managed identity (app-only tokens) is refused unless CXHUB_AUTH_MODE=app says so."""
    from cxhub.settings import Settings, SettingsError

    env = {k: v for k, v in fake.settings_env(hub_item).items() if k != "CXHUB_AUTH_MODE"}
    assert Settings.from_env(env).auth_mode == "delegated"
    with pytest.raises(SettingsError, match="CXHUB_AUTH_MODE=app"):
        Settings.from_env({**env, "CXHUB_USE_MANAGED_IDENTITY": "true"})
    assert (
        Settings.from_env({**env, "CXHUB_USE_MANAGED_IDENTITY": "true", "CXHUB_AUTH_MODE": "app"}).auth_mode
        == "app"
    )
