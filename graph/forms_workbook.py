"""The Forms response workbook on SharePoint, downloaded whole (cached by eTag) and read locally."""

from __future__ import annotations

from typing import Any

from graph.client import GraphClient
from hub.intake.forms_sheet import forms_rows


class GraphFormsWorkbook:
    def __init__(self, client: GraphClient, drive_id: str, item_id: str) -> None:
        self.client = client
        self.drive_id = drive_id
        self.item_id = item_id
        self._cache: tuple[str, list[list[Any]]] | None = None

    def rows(self) -> list[list[Any]]:
        item = self.client.sdk.drives.by_drive_id(self.drive_id).items.by_drive_item_id(self.item_id)
        meta = self.client.call("forms item", lambda: item.get(), idempotent=True)
        etag = meta.e_tag if meta else None
        if self._cache and etag and self._cache[0] == etag:
            return self._cache[1]  # nothing new since the last poll: one small request
        data = self.client.call("forms content", lambda: item.content.get(), idempotent=True) or b""
        rows = forms_rows(data)
        if etag:
            self._cache = (etag, rows)
        return rows
