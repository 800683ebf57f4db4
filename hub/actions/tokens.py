"""Signed action tokens: HMAC-SHA256 over the action, the record, the intended person, the expiry
and the mail the link came from. The token is the only thing a link carries; the key never leaves
the settings (CXHUB_ACTION_KEY, a Key Vault reference in Azure).

Verification order is deliberate: a token that does not verify is 403 whatever it claims, so an
attacker learns nothing; a genuine but expired one is 410; a genuine one naming an action this
version does not know is 400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ACTIONS = (
    "done",
    "snooze",
    "handover",
    "reassign",
    "reassign_ticket",
    "approve",
    "reject",
    "merge",
    "keep_link",
    "not_duplicate",
)
DEFAULT_LIFETIME = timedelta(days=14)
MAX_TOKEN_CHARS = 2048


class TokenError(Exception):
    """A link that cannot be used; `status` is the HTTP answer (403 tampered, 410 expired, 400 unknown)."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass(frozen=True)
class ActionToken:
    action: str
    record: str  # INT-..., TKT-..., REV-...
    person: str  # who the link was mailed to (lower case)
    expires: datetime  # UTC
    mail: str = ""  # which mail the link came from, e.g. "reminder 2026-11-30"

    def payload(self) -> dict[str, object]:
        return {
            "a": self.action,
            "r": self.record,
            "p": self.person,
            "e": int(self.expires.timestamp()),
            "m": self.mail,
        }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> bytes:
    return hmac.new(key, b"cxhub-action-v1." + body.encode(), hashlib.sha256).digest()


def sign(token: ActionToken, key: bytes) -> str:
    body = _b64(json.dumps(token.payload(), separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_mac(key, body))}"


def issue(
    action: str,
    record: str,
    person: str,
    *,
    key: bytes,
    now: datetime,
    mail: str = "",
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> str:
    """A signed token for one link; `now` is timezone-aware."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    expires = now.astimezone(UTC).replace(microsecond=0) + lifetime
    return sign(ActionToken(action, record.upper(), person.strip().lower(), expires, mail), key)


def verify(text: str | None, *, key: bytes, now: datetime) -> ActionToken:
    """The token's contents, or TokenError (nothing about a bad token is trusted)."""
    tampered = TokenError(
        403, "This link is not valid", "The link is damaged or was changed. Open it again from the mail."
    )
    if not text or len(text) > MAX_TOKEN_CHARS or text.count(".") != 1:
        raise tampered
    body, mac = text.split(".")
    try:
        given = _unb64(mac)
    except (ValueError, TypeError):
        raise tampered from None
    if not hmac.compare_digest(given, _mac(key, body)):
        raise tampered
    try:
        data = json.loads(_unb64(body))
        token = ActionToken(
            action=str(data["a"]),
            record=str(data["r"]),
            person=str(data["p"]),
            expires=datetime.fromtimestamp(int(data["e"]), UTC),
            mail=str(data.get("m") or ""),
        )
    except (ValueError, KeyError, TypeError):
        raise tampered from None
    if now.astimezone(UTC) >= token.expires:
        raise TokenError(
            410,
            "This link has expired",
            f"Links in CX Hub mails work for {DEFAULT_LIFETIME.days} days; this one ended "
            f"{token.expires:%d %b %Y}. Use the link in a newer mail.",
        )
    if token.action not in ACTIONS:
        raise TokenError(400, "Unknown action", "This link asks for something CX Hub does not do.")
    return token


def action_id(text: str) -> str:
    """The action's idempotency key: the same link is one action however often it is used."""
    return "ACT-" + hashlib.sha256(text.encode()).hexdigest()[:20].upper()


def csrf_for(text: str, user: str, key: bytes) -> str:
    """The confirm form's anti-forgery value: bound to this link and this signed-in person."""
    return _b64(hmac.new(key, f"csrf|{text}|{user.lower()}".encode(), hashlib.sha256).digest())


def csrf_ok(given: str | None, text: str, user: str, key: bytes) -> bool:
    return bool(given) and hmac.compare_digest(str(given), csrf_for(text, user, key))
