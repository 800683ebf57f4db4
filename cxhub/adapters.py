"""The adapters, built from Settings: the hub store, queue, state, job lock, mailer and Graph client
each chosen by the configured backends (local files, Azure Storage, Microsoft Graph). Only
cxhub.wiring and the CLI's Graph set-up commands build them; the use cases receive them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from cxhub.settings import DEFAULT_QUEUE_NAME, Settings, SettingsError
from hub.ports import Drive, HubStore, JobLock, Mailer, Queue, StateStore

T = TypeVar("T")


def build_queue(settings: Settings) -> Queue:
    if settings.storage_backend == "azure":
        from cloud.storage_queue import StorageQueue

        return _on_storage(settings, lambda connection: StorageQueue(connection, DEFAULT_QUEUE_NAME))
    from local.journal_queue import JournalQueue

    return JournalQueue(settings.queue_path)


def build_store(settings: Settings, graph_client=None) -> HubStore:
    if settings.hub_backend == "graph":
        from graph.workbook_store import GraphHubStore

        assert settings.hub_drive_id and settings.hub_item_id
        client = graph_client or build_graph_client(settings)
        return GraphHubStore(client, settings.hub_drive_id, settings.hub_item_id)
    return local_hub_store(settings.hub_path)


def local_hub_store(path: Path, cache_root: Path | None = None) -> HubStore:
    """The local .xlsx hub whose writing jobs keep the columns they read between runs (a private
    temp folder, local.hub_cache), so a writer batch on a large hub does not parse it again. Whichever
    job parses or loads a big tab keeps every column a writer batch may read of it: a batch that
    closes a lost sale's promises or applies a button from a mail, or the first batch after the
    nightly run, then finds its columns kept. (The nightly run's own extra columns are not carried
    by every batch: it runs once a day and parses what it lacks.)"""
    from hub.actions.apply import ACTION_COLUMNS
    from hub.intake.reads import FOLLOW_UP_COLUMNS, READ_COLUMNS
    from hub.promises import PROMISE_COLUMNS
    from local.hub_cache import HubCache
    from local.xlsx_store import XlsxHubStore

    keep_with: dict[str, tuple[str, ...]] = {}
    writer = {"Interactions": (*FOLLOW_UP_COLUMNS, *PROMISE_COLUMNS)}
    for columns in (READ_COLUMNS, writer, ACTION_COLUMNS):
        for tab, names in columns.items():
            keep_with[tab] = tuple(dict.fromkeys((*keep_with.get(tab, ()), *names)))
    return XlsxHubStore(path, cache=HubCache.for_hub(path, cache_root), keep_with=keep_with)


@contextmanager
def open_store(settings: Settings) -> Iterator[HubStore]:
    """The configured hub for one job, closed (its workbook session ended) whatever happens."""
    store = build_store(settings)
    try:
        yield store
    finally:
        store.close()


def ensure_hub(settings: Settings) -> bool:
    """Create a blank local hub when there is none (a Graph hub must exist); True when created."""
    with open_store(settings) as store:
        return store.ensure_exists()


def _on_storage(settings: Settings, build: Callable[[str], T]) -> T:
    """An Azure Storage adapter on the configured account; a connection string the SDK cannot
    read is a setting to fix (said without the string: it holds the account key)."""
    assert settings.storage_connection
    try:
        return build(settings.storage_connection)
    except ValueError as e:
        raise SettingsError(
            "the Azure Storage connection string (CXHUB_STORAGE_CONNECTION, else AzureWebJobsStorage) "
            f"cannot be read: {e}"
        ) from None


def build_state(settings: Settings) -> StateStore:
    """Small durable values: a blob in Azure, a JSON file next to the hub locally."""
    if settings.storage_backend == "azure":
        from cloud.blob_state import BlobState

        return _on_storage(settings, BlobState)
    from local.state import JsonFileState

    hub = settings.hub_path
    return JsonFileState(settings.state_path or hub.with_name(hub.stem + ".state.json"))


def build_job_lock(settings: Settings) -> JobLock:
    """One hub writer at a time: a blob lease in Azure, a lock file beside the hub locally."""
    if settings.storage_backend == "azure":
        from cloud.blob_lock import BlobJobLock

        return _on_storage(settings, BlobJobLock)
    from local.job_lock import FileJobLock

    return FileJobLock(settings.hub_path.parent)


def auth_settings(settings: Settings):
    from graph.auth import AuthSettings

    return AuthSettings(
        tenant_id=settings.tenant_id or "",
        client_id=settings.client_id or "",
        authority_host=settings.authority_host,
        client_secret=settings.client_secret,
        client_cert_path=settings.client_cert_path,
        use_managed_identity=settings.use_managed_identity,
        managed_identity_client_id=settings.managed_identity_client_id,
        delegated=settings.auth_mode == "delegated",
        token_cache=token_cache(settings),
        ca_bundle=settings.ca_bundle,
    )


def token_cache(settings: Settings):
    from graph.auth import FileTokenCache, StateTokenCache

    if settings.storage_backend == "azure":  # in Azure: a blob, since the function's disk is not kept
        return StateTokenCache(build_state(settings))
    return FileTokenCache(settings.token_cache_path)


def graph_tokens(settings: Settings):
    from graph.auth import token_source

    return token_source(auth_settings(settings))


def build_graph_client(settings: Settings, tokens=None, *, sleep=None, transport=None):
    """The Graph client; tests pass `sleep` (not to wait out Retry-After) or an httpx `transport`."""
    import time

    from graph.client import ClientSettings, GraphClient

    return GraphClient(
        ClientSettings(graph_base_url=settings.graph_base_url, ca_bundle=settings.ca_bundle),
        tokens or graph_tokens(settings),
        sleep or time.sleep,
        transport=transport,
    )


def auth_mode_name(settings: Settings) -> str:
    if settings.use_managed_identity:
        return "managed identity"
    return "delegated" if settings.auth_mode == "delegated" else "app-only"


def build_forms_source(settings: Settings, workbook: str | None = None):
    """Where the no-premium Forms path reads responses from, or None when it is not set up."""
    local_workbook = workbook or settings.forms_workbook
    if local_workbook:
        from local.forms_workbook import LocalFormsWorkbook

        return LocalFormsWorkbook(local_workbook)
    if settings.forms_drive_id and settings.forms_item_id:
        from graph.forms_workbook import GraphFormsWorkbook

        return GraphFormsWorkbook(
            build_graph_client(settings), settings.forms_drive_id, settings.forms_item_id
        )
    return None


def build_erp_drop(settings: Settings) -> tuple[Drive, str] | None:
    """(drive, folder id) of the ERP drop folder, or None when none is set up."""
    if settings.erp_folder:
        from local.folder_drive import FolderDrive

        return FolderDrive(settings.erp_folder), "."
    if settings.erp_drive_id and settings.erp_folder_id:
        from graph.drive import GraphDrive

        return GraphDrive(build_graph_client(settings), settings.erp_drive_id), settings.erp_folder_id
    return None


def mail_through_outlook(settings: Settings) -> bool:
    """Mail goes through Outlook (Graph) when a sender mailbox is set on the graph backend."""
    return settings.hub_backend == "graph" and bool(settings.mail_sender)


def outbox_path(settings: Settings):
    return settings.outbox or settings.hub_path.parent / "outbox"


def build_mailer(settings: Settings) -> Mailer:
    """Outlook through Graph when a sender mailbox is set on the graph backend; else .eml files."""
    sender = settings.mail_sender
    if sender and mail_through_outlook(settings):
        from graph.mail import GraphMailer

        return GraphMailer(build_graph_client(settings), sender, per_minute=settings.mail_per_minute)
    from local.outbox import OutboxMailer

    return OutboxMailer(outbox_path(settings), sender=settings.mail_sender or "cxhub@localhost")


def build_manager_lookup(settings: Settings) -> Callable[[str], str | None]:
    """Manager of a person beyond the Staff tab: Graph /users/{id}/manager on the graph backend."""
    if settings.hub_backend == "graph":
        from graph.directory import GraphDirectory

        return GraphDirectory(build_graph_client(settings)).manager_of
    return lambda email: None
