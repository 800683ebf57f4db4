"""The job lock in Azure: a lease on a blob in the function's storage account.

Function instances and timers run in parallel; a lease is the one primitive they all share. The
lease is short (60 s) and renewed in the background while held, so a crashed instance frees the
hub within a minute instead of locking everyone out.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.storage.blob import BlobLeaseClient, BlobServiceClient

from hub.ports import HubUnavailable

LEASE_SECONDS = 60
RENEW_EVERY = 20


class BlobJobLock:
    def __init__(
        self,
        connection_string: str,
        container: str = "cxhub-state",
        timeout: float = 120.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """clock and sleep pace the retries while another job holds the lease (seconds)."""
        self._container = BlobServiceClient.from_connection_string(connection_string).get_container_client(
            container
        )
        with contextlib.suppress(ResourceExistsError):
            self._container.create_container()
        self.timeout = timeout
        self._clock = clock
        self._sleep = sleep

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        blob = self._container.get_blob_client(f"locks/{name}")
        with contextlib.suppress(ResourceExistsError):
            blob.upload_blob(b"", overwrite=False)
        lease = BlobLeaseClient(blob)
        deadline = self._clock() + self.timeout
        while True:
            try:
                lease.acquire(lease_duration=LEASE_SECONDS)
                break
            except HttpResponseError as e:
                if e.status_code != 409 or self._clock() > deadline:
                    raise HubUnavailable(
                        f"another CX Hub job has been writing the hub for {self.timeout:.0f}s"
                    ) from None
                self._sleep(1.0)
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(RENEW_EVERY):
                with contextlib.suppress(HttpResponseError):
                    lease.renew()

        renewer = threading.Thread(target=renew, name=f"lease-{name}", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            renewer.join(timeout=5)
            with contextlib.suppress(HttpResponseError):
                lease.release()
