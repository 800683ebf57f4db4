"""Sites, drives and drive items: metadata, children, content, uploads, site permissions."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from tests.fakegraph.common import Item, _error


class DriveRoutes:
    """Sites, drives and drive items: metadata, children, content, uploads, site permissions."""

    # -- drive -------------------------------------------------------------------------
    def _item(self, item_id: str) -> Item | None:
        return self.items.get(item_id)

    def _meta(self, item: Item) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "id": item.id,
            "name": item.name,
            "eTag": f'"{{{item.id}}},{item.version}"',
            "cTag": f'"c:{{{item.id}}},{item.version}"',
            "lastModifiedDateTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "parentReference": {"driveId": self.drive_id, "id": item.parent},
            "webUrl": f"https://mikano.sharepoint.com{self.site_url_path}/Shared%20Documents/{quote(item.name)}",
        }
        if item.is_folder:
            meta["folder"] = {"childCount": sum(1 for i in self.items.values() if i.parent == item.id)}
            meta["size"] = 0
        else:
            self._flush(item.id)
            meta["file"] = {"mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
            assert item.path is not None, "a file item has its bytes on disk"
            meta["size"] = item.path.stat().st_size
        return meta

    site_url_path: str = "/sites/CX"

    def _site_by_path(self, m, query, raw, headers):
        if m["path"].rstrip("/") != self.site_url_path:
            return 404, _error("itemNotFound", "Requested site could not be found"), {}
        return (
            200,
            {
                "id": f"{m['host']},fake-site-collection,fake-web",
                "webUrl": f"https://{m['host']}{m['path']}",
                "displayName": "CX",
            },
            {},
        )

    def _site_drive(self, m, query, raw, headers):
        return 200, {"id": self.drive_id, "driveType": "documentLibrary", "name": "Documents"}, {}

    # POST /sites/{id}/permissions creates an application permission (Sites.Selected); only an
    # identity holding Sites.FullControl.All may call it. The fake lets `admin_token_kinds` in.
    # The list leaves `roles` out (what tenants see, and why grant-site reads each permission);
    # GET .../permissions/{id} carries them.
    def _site_permissions(self, m, query, raw, headers):
        listed = [{k: v for k, v in p.items() if k != "roles"} for p in self.site_permissions]
        return 200, self._page(listed, query, m.string), {}

    def _site_permission(self, m, query, raw, headers):
        found = next((p for p in self.site_permissions if p["id"] == m["id"]), None)
        if found is None:
            return 404, _error("itemNotFound", "The permission was not found"), {}
        return 200, found, {}

    def _site_permission_patch(self, m, query, raw, headers):
        found = next((p for p in self.site_permissions if p["id"] == m["id"]), None)
        if found is None:
            return 404, _error("itemNotFound", "The permission was not found"), {}
        body = json.loads(raw or b"{}")
        if set(body) != {"roles"}:
            return 400, _error("invalidRequest", "only roles can be updated"), {}
        found["roles"] = body["roles"]
        return 200, found, {}

    def _grant_site(self, m, query, raw, headers):
        body = json.loads(raw or b"{}")
        identities = body.get("grantedToIdentities") or []
        app = (identities[0] if identities else {}).get("application") or {}
        if not body.get("roles") or not app.get("id"):
            return (
                400,
                _error("invalidRequest", "roles and grantedToIdentities[].application.id are required"),
                {},
            )
        permission = {
            "id": secrets.token_urlsafe(8),
            "roles": body["roles"],
            "grantedToIdentities": [{"application": app}],
            "grantedToIdentitiesV2": [{"application": app}],
        }
        self.site_permissions.append(permission)
        return 201, permission, {}

    def _item_by_path(self, m, query, raw, headers):
        parent, found = "root", None
        for part in [p for p in m["path"].split("/") if p]:
            found = next((i for i in self.items.values() if i.parent == parent and i.name == part), None)
            if found is None:
                return 404, _error("itemNotFound", "The resource could not be found."), {}
            parent = found.id
        return 200, self._meta(found or self.items["root"]), {}

    def _item_get(self, m, query, raw, headers):
        item = self._item(m["item"])
        return (200, self._meta(item), {}) if item else (404, _error("itemNotFound", "Item not found"), {})

    def _item_patch(self, m, query, raw, headers):
        item = self._item(m["item"])
        if item is None:
            return 404, _error("itemNotFound", "Item not found"), {}
        body = json.loads(raw or b"{}")
        if "parentReference" in body:
            item.parent = body["parentReference"]["id"]
        if "name" in body:
            item.name = body["name"]
        item.version += 1
        return 200, self._meta(item), {}

    def _children(self, m, query, raw, headers):
        listed = [self._meta(i) for i in self.items.values() if i.parent == m["item"]]
        return 200, self._page(listed, query, m.string), {}

    def _child_by_name(self, m, query, raw, headers):
        found = self._child(m["item"], m["name"])
        return (200, self._meta(found), {}) if found else (404, _error("itemNotFound", "Item not found"), {})

    def _child(self, parent: str, name: str) -> Item | None:
        return next((i for i in self.items.values() if i.parent == parent and i.name == name), None)

    def _page(self, value: list[Any], query: dict[str, str], path: str) -> dict[str, Any]:
        """A collection page of `page_size` with @odata.nextLink to the rest, as Graph pages lists."""
        start = int(query.get("$skiptoken", "0"))
        out: dict[str, Any] = {"value": value[start : start + self.page_size]}
        if start + self.page_size < len(value):
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            rest["$skiptoken"] = str(start + self.page_size)
            out["@odata.nextLink"] = f"{self.base_url}{quote(path)}?{urlencode(rest)}"
        return out

    def _create_folder(self, m, query, raw, headers):
        body = json.loads(raw or b"{}")
        parent = self._item(m["item"])
        if parent is None or not parent.is_folder:
            return 404, _error("itemNotFound", "Item not found"), {}
        if "folder" not in body or not body.get("name"):
            return 400, _error("invalidRequest", "name and folder are required"), {}
        clash = next(
            (i for i in self.items.values() if i.parent == parent.id and i.name == body["name"]), None
        )
        if clash is not None and body.get("@microsoft.graph.conflictBehavior", "fail") == "fail":
            return 409, _error("nameAlreadyExists", "The specified item name already exists."), {}
        folder_id = self.add_folder(body["name"], parent.id)
        return 201, self._meta(self.items[folder_id]), {}

    def _content_get(self, m, query, raw, headers):
        item = self._item(m["item"])
        if item is None or item.is_folder:
            return 404, _error("itemNotFound", "Item not found"), {}
        self._flush(item.id)
        token = secrets.token_urlsafe(12)
        self.downloads[token] = item.id
        # Graph answers 302 with a short-lived pre-authenticated URL on another host (SharePoint's),
        # where a Graph bearer token must not go.
        return 302, None, {"Location": f"{self.download_url}/download/{token}"}

    def _download(self, m, query, raw, headers):
        self.download_authorizations.append(headers.get("Authorization"))
        if headers.get("Authorization"):
            return (
                401,
                _error("unauthenticated", "the download URL is pre-authenticated: no bearer token"),
                {},
            )
        item_id = self.downloads.pop(m["token"], None)
        if item_id is None:
            return 401, _error("unauthenticated", "download link expired"), {}
        return 200, self.items[item_id].path.read_bytes(), {}

    def _content_put(self, m, query, raw, headers):
        item = self._item(m["item"])
        if item is None or item.is_folder:
            return 404, _error("itemNotFound", "Item not found"), {}
        self._replace_content(item, raw)
        return 200, self._meta(item), {}

    def _replace_content(self, item: Item, data: bytes) -> None:
        """New content for an existing file; SharePoint keeps the old one in version history."""
        self._flush(item.id)
        item.history.append(item.path.read_bytes())
        item.path.write_bytes(data)
        self._books.pop(item.id, None)
        item.version += 1

    # PUT .../{parent-id}:/{filename}:/content: the default for PUT is replace; with
    # ?@microsoft.graph.conflictBehavior=fail an existing name answers 409 nameAlreadyExists.
    def _content_put_child(self, m, query, raw, headers):
        parent = m["item"]
        existing = self._child(parent, m["name"])
        if existing:
            if query.get("@microsoft.graph.conflictBehavior", "replace") == "fail":
                return 409, _error("nameAlreadyExists", "The specified item name already exists."), {}
            self._replace_content(existing, raw)
            return 200, self._meta(existing), {}
        item_id = self.add_file(m["name"], raw, parent)
        return 201, self._meta(self.items[item_id]), {}

    # driveItem: createUploadSession. The uploadUrl is pre-authenticated: "including the
    # Authorization header when issuing the PUT call might result in 401" (Graph docs), so the
    # fake answers 401 to one. Fragments other than the last must be multiples of 320 KiB.
    def _create_upload_session(self, m, query, raw, headers):
        parent = self._item(m["item"])
        if parent is None or not parent.is_folder:
            return 404, _error("itemNotFound", "Item not found"), {}
        behavior = (json.loads(raw or b"{}").get("item") or {}).get("@microsoft.graph.conflictBehavior")
        if behavior == "fail" and self._child(parent.id, m["name"]):
            return 409, _error("nameAlreadyExists", "The specified item name already exists."), {}
        token = secrets.token_urlsafe(12)
        self.uploads[token] = {"parent": parent.id, "name": m["name"], "data": bytearray()}
        expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        return (
            200,
            {
                "uploadUrl": f"{self.base_url}/upload/{token}",
                "expirationDateTime": expires,
                "nextExpectedRanges": ["0-"],
            },
            {},
        )

    def _upload_fragment(self, m, query, raw, headers):
        if headers.get("Authorization"):
            return 401, _error("unauthenticated", "uploadUrl is pre-authenticated: drop Authorization"), {}
        upload = self.uploads.get(m["token"])
        if upload is None:
            return 404, _error("itemNotFound", "The upload session was not found"), {}
        found = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", headers.get("Content-Range", ""))
        if not found:
            return 400, _error("invalidRequest", "Content-Range is required"), {}
        start, end, total = (int(g) for g in found.groups())
        data = upload["data"]
        last = end + 1 == total
        if start != len(data) or end - start + 1 != len(raw) or (not last and len(raw) % (320 * 1024)):
            return 416, _error("invalidRange", f"Expected range {len(data)}-"), {}
        data.extend(raw)
        if not last:
            return 202, {"nextExpectedRanges": [f"{len(data)}-"]}, {}
        del self.uploads[m["token"]]
        existing = next(
            (i for i in self.items.values() if i.parent == upload["parent"] and i.name == upload["name"]),
            None,
        )
        if existing:
            self._replace_content(existing, bytes(data))
            return 200, self._meta(existing), {}
        item_id = self.add_file(upload["name"], bytes(data), upload["parent"])
        return 201, self._meta(self.items[item_id]), {}
