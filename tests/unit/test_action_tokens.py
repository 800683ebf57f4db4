"""Signed action tokens: what a mail link carries and how a changed, old or odd one is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.actions.tokens import ActionToken, TokenError, action_id, csrf_for, csrf_ok, issue, sign, verify

KEY = b"k" * 32
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def _status(text, *, key=KEY, now=NOW) -> int:
    with pytest.raises(TokenError) as caught:
        verify(text, key=key, now=now)
    return caught.value.status


def test_a_signed_token_verifies_to_its_action_record_person_and_expiry():
    """What the mail signs is exactly what the page reads back, expiring 14 days later by default."""
    text = issue("done", "int-000123", "Ada@X.ng", key=KEY, now=NOW, mail="follow-up reminder of 2026-11-30")
    token = verify(text, key=KEY, now=NOW + timedelta(days=13))
    assert (token.action, token.record, token.person) == ("done", "INT-000123", "ada@x.ng")
    assert token.expires == NOW + timedelta(days=14)
    assert token.mail == "follow-up reminder of 2026-11-30"


def test_any_change_to_the_token_or_another_key_is_refused_with_403():
    """Editing the payload, the signature, or signing with another key all give 403."""
    text = issue("done", "INT-000123", "ada@x.ng", key=KEY, now=NOW)
    body, mac = text.split(".")
    other = issue("done", "INT-000124", "ada@x.ng", key=KEY, now=NOW).split(".")[0]
    assert _status(f"{other}.{mac}") == 403  # someone else's record under this signature
    assert _status(f"{body}.{mac[:-2]}AA") == 403
    assert _status(issue("done", "INT-000123", "ada@x.ng", key=b"z" * 32, now=NOW)) == 403
    for junk in ("", "abc", "a.b.c", "!!!.???", "x" * 5000, None):
        assert _status(junk) == 403


def test_an_expired_token_is_410_and_an_unknown_action_400():
    """A genuine link past its expiry says so (410); a genuine one naming no known action is 400."""
    text = issue("snooze", "INT-000001", "ada@x.ng", key=KEY, now=NOW, lifetime=timedelta(days=1))
    assert _status(text, now=NOW + timedelta(days=1)) == 410
    odd = sign(ActionToken("explode", "INT-000001", "ada@x.ng", NOW + timedelta(days=1)), KEY)
    assert _status(odd) == 400
    with pytest.raises(ValueError):
        issue("explode", "INT-000001", "ada@x.ng", key=KEY, now=NOW)


def test_the_action_id_is_the_same_for_the_same_link_and_differs_between_links():
    """Using one link twice is one action; the next day's mail is another."""
    a = issue("done", "INT-000001", "ada@x.ng", key=KEY, now=NOW, mail="m1")
    b = issue("done", "INT-000001", "ada@x.ng", key=KEY, now=NOW + timedelta(days=1), mail="m2")
    assert action_id(a) == action_id(a) and action_id(a) != action_id(b)


def test_the_csrf_value_is_bound_to_the_link_and_the_signed_in_person():
    """A confirm form's CSRF value does not work for another person or another link."""
    a = issue("done", "INT-000001", "ada@x.ng", key=KEY, now=NOW)
    b = issue("done", "INT-000002", "ada@x.ng", key=KEY, now=NOW)
    value = csrf_for(a, "ada@x.ng", KEY)
    assert csrf_ok(value, a, "ADA@x.ng", KEY)
    assert not csrf_ok(value, a, "bola@x.ng", KEY)
    assert not csrf_ok(value, b, "ada@x.ng", KEY)
    assert not csrf_ok(None, a, "ada@x.ng", KEY)
