"""SharePoint/OneDrive files through Graph: metadata, folder listing, download, move."""

from __future__ import annotations

from msgraph.generated.models.drive_item import DriveItem
from msgraph.generated.models.item_reference import ItemReference

from graph.client import GraphClient
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
        page = self.client.call("children", lambda: self._item(folder_id).children.get(), idempotent=True)
        items = list(page.value or []) if page else []
        while page and page.odata_next_link:
            link = page.odata_next_link
            page = self.client.call(
                "children",
                lambda link=link: self._item(folder_id).children.with_url(link).get(),
                idempotent=True,
            )
            items += list(page.value or []) if page else []
        return [_entry(i) for i in items]

    def download(self, item_id: str) -> bytes:
        return self.client.call("content", lambda: self._item(item_id).content.get(), idempotent=True) or b""

    def move(self, item_id: str, folder_id: str) -> None:
        body = DriveItem(parent_reference=ItemReference(id=folder_id))
        # Moving to where it already is changes nothing, so a retried PATCH is safe.
        self.client.call("move", lambda: self._item(item_id).patch(body), idempotent=True)


def _entry(item) -> DriveEntry:
    return DriveEntry(
        id=item.id,
        name=item.name,
        size=int(item.size or 0),
        etag=item.e_tag,
        is_folder=item.folder is not None,
    )
