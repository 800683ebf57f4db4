"""The one place that builds adapters from settings. Tests pass fakes to the same services."""

from __future__ import annotations

from datetime import UTC, datetime

from cxhub.settings import DEFAULT_QUEUE_NAME, Settings
from hub.matching import MatchRules
from hub.ports import HubStore, Queue
from hub.services import WriterRules
from hub.validation import IntakeRules


def clock() -> datetime:
    return datetime.now(UTC)


def build_queue(settings: Settings) -> Queue:
    if settings.queue_backend == "azure":
        from cloud.storage_queue import StorageQueue

        assert settings.storage_connection
        return StorageQueue(settings.storage_connection, DEFAULT_QUEUE_NAME)
    from local.journal_queue import JournalQueue

    return JournalQueue(settings.queue_path)


def build_store(settings: Settings) -> HubStore:
    from local.xlsx_store import XlsxHubStore

    return XlsxHubStore(settings.hub_path)


def intake_rules(settings: Settings) -> IntakeRules:
    return IntakeRules(timezone=settings.timezone, phone_region=settings.phone_region)


def writer_rules(settings: Settings) -> WriterRules:
    return WriterRules(
        batch_size=settings.batch_size,
        max_attempts=settings.max_attempts,
        timezone=settings.timezone,
        match=MatchRules(strong=settings.fuzzy_strong, review=settings.fuzzy_review),
    )
