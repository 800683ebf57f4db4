"""What the cxhub command modules share: exit codes, the usage error, and two small sayings."""

from __future__ import annotations

from cxhub.settings import Settings

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_NOT_WRITTEN, EXIT_HUB_BROKEN = 0, 1, 2, 3, 4


class UsageError(Exception):
    """A command used the wrong way or a setting is missing: one line on stderr, exit 2."""


def ensure_hub_said(settings: Settings) -> None:
    """Create a blank local hub when there is none, and say so."""
    from cxhub import wiring

    if wiring.ensure_hub(settings):
        print(f"Created a blank hub at {settings.hub_path}")


def mail_where(settings: Settings) -> str:
    """Where the mail went: the Outlook sender, or the local outbox folder."""
    from cxhub import wiring

    if wiring.mail_through_outlook(settings):
        return f"from {settings.mail_sender}"
    return f"in {wiring.outbox_path(settings)}"
