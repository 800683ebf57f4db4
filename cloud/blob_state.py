"""Small durable values in Azure: one blob per key in the function's storage account."""

from __future__ import annotations

import contextlib
import re

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient


class BlobState:
    def __init__(self, connection_string: str, container: str = "cxhub-state") -> None:
        self._container = BlobServiceClient.from_connection_string(connection_string).get_container_client(
            container
        )
        with contextlib.suppress(ResourceExistsError):
            self._container.create_container()

    def _blob(self, key: str):
        return self._container.get_blob_client(re.sub(r"[^A-Za-z0-9._-]+", "-", key) + ".txt")

    def get(self, key: str) -> str | None:
        try:
            return self._blob(key).download_blob().readall().decode("utf-8")
        except ResourceNotFoundError:
            return None

    def set(self, key: str, value: str) -> None:
        self._blob(key).upload_blob(value.encode("utf-8"), overwrite=True)
