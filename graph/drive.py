"""SharePoint/OneDrive files through Graph: metadata, folder listing, download, move, folders, upload."""

from __future__ import annotations

from urllib.parse import quote

from msgraph.generated.drives.item.items.item.content.content_request_builder import ContentRequestBuilder
from msgraph.generated.models.drive_item import DriveItem
from msgraph.generated.models.folder import Folder
from msgraph.generated.models.item_reference import ItemReference

from graph.client import GraphCallError, GraphClient
from hub.ports import DriveEntry


class GraphDrive:
    def __init__(self, client: GraphClient, drive_id: str) -> None:
        self.client = client
        self.drive_id = drive_id

    def _item(self, item_id: str):
        return self.client.sdk.drives.by_drive_id(self.drive_id).items.by_drive_item_id(item_id)

    def entry(self, item_id: str) -> DriveEntry:
        item = self.client.call("item", lambda: self._item(item_id).get(), idempotent=True)
        return _entry(item)

    def children(self, folder_id: str) -> list[DriveEntry]:
        return [_entry(i) for i in self.client.all_pages("children", self._item(folder_id).children)]

    def download(self, item_id: str) -> bytes:
        return self.client.call("content", lambda: self._item(item_id).content.get(), idempotent=True) or b""

    def move(self, item_id: str, folder_id: str, new_name: str | None = None) -> None:
        body = DriveItem(parent_reference=ItemReference(id=folder_id), name=new_name)
        # Moving to where it already is changes nothing, so a retried PATCH is safe.
        self.client.call("move", lambda: self._item(item_id).patch(body), idempotent=True)

    def folder(self, parent_id: str, name: str) -> str:
        for entry in self.children(parent_id):
            if entry.is_folder and entry.name.casefold() == name.casefold():
                return entry.id
        body = DriveItem(
            name=name, folder=Folder(), additional_data={"@microsoft.graph.conflictBehavior": "fail"}
        )
        try:
            made = self.client.call(
                "mkdir", lambda: self._item(parent_id).children.post(body), idempotent=False
            )
        except GraphCallError as e:
            if e.status != 409:
                raise
            # Created by a concurrent run between our listing and our POST: use that one.
            return next(
                x.id for x in self.children(parent_id) if x.is_folder and x.name.casefold() == name.casefold()
            )
        assert made is not None and made.id
        return made.id

    def upload(self, folder_id: str, name: str, data: bytes) -> str:
        base = self.client.adapter.base_url
        builder = ContentRequestBuilder(
            self.client.adapter, f"{base}/drives/{self.drive_id}/items/{folder_id}:/{quote(name)}:/content"
        )
        item = self.client.call("upload", lambda: builder.put(data), idempotent=True)
        assert item is not None and item.id
        return item.id


def _entry(item) -> DriveEntry:
    return DriveEntry(
        id=item.id,
        name=item.name,
        size=int(item.size or 0),
        etag=item.e_tag,
        is_folder=item.folder is not None,
    )
