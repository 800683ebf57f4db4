"""Admin tasks against a tenant: put the hub on SharePoint, and check that everything works."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from msgraph.generated.drives.item.items.item.content.content_request_builder import ContentRequestBuilder
from msgraph.generated.drives.item.items.item.drive_item_item_request_builder import (
    DriveItemItemRequestBuilder,
)
from msgraph.generated.sites.item.site_item_request_builder import SiteItemRequestBuilder

from graph.auth import AuthError, TokenSource
from graph.client import GraphCallError, GraphClient

SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024  # Graph's limit for a single PUT of file content


@dataclass(frozen=True)
class Provisioned:
    drive_id: str
    item_id: str
    web_url: str


def provision(client: GraphClient, site_url: str, folder: str, name: str, data: bytes) -> Provisioned:
    """Upload the hub workbook into `folder` of the site's default document library."""
    if len(data) > SIMPLE_UPLOAD_LIMIT:
        raise ValueError(
            f"{name} is {len(data):,} bytes; a blank hub is far smaller. Upload it in the browser."
        )
    parts = urlsplit(site_url)
    if not parts.hostname or not parts.path.strip("/"):
        raise ValueError(
            f"{site_url!r} is not a SharePoint site URL like https://contoso.sharepoint.com/sites/CX"
        )
    base = client.adapter.base_url
    # Addressing by path (host:/path:, root:/folder:) goes through with_url: the SDK would
    # percent-encode the ':' separators of an id-style segment.
    site_builder = SiteItemRequestBuilder(
        client.adapter, f"{base}/sites/{parts.hostname}:{parts.path.rstrip('/')}:"
    )
    site = client.call("site", lambda: site_builder.get(), idempotent=True)
    drive = client.call(
        "site drive", lambda: client.sdk.sites.by_site_id(site.id).drive.get(), idempotent=True
    )
    folder_path = quote(folder.strip("/"))
    folder_builder = DriveItemItemRequestBuilder(
        client.adapter, f"{base}/drives/{drive.id}/root:/{folder_path}:"
    )
    target = client.call("folder", lambda: folder_builder.get(), idempotent=True)
    upload = ContentRequestBuilder(
        client.adapter, f"{base}/drives/{drive.id}/items/{target.id}:/{quote(name)}:/content"
    )
    item = client.call("upload", lambda: upload.put(data), idempotent=True)  # same bytes again: harmless
    return Provisioned(
        drive.id, item.id, item.web_url or f"{site_url.rstrip('/')}/{folder.strip('/')}/{name}"
    )


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(tokens: TokenSource, client: GraphClient, drive_id: str, item_id: str, mode: str) -> list[Check]:
    """Token, hub access, workbook sessions in this auth mode, tables and columns; each with its fix."""
    from graph.workbook_store import GraphHubStore

    checks: list[Check] = []
    try:
        tokens.token()
        checks.append(Check("token", True, f"a Graph token was issued ({mode})"))
    except AuthError as e:
        return [Check("token", False, str(e), _token_fix(mode))]
    store = GraphHubStore(client, drive_id, item_id)
    try:
        size = store.size_bytes()
        checks.append(Check("hub file", True, f"the hub workbook is reachable ({size / 1e6:.1f} MB)"))
    except GraphCallError as e:
        checks.append(
            Check(
                "hub file",
                False,
                f"the hub workbook is not reachable ({e.status} {e.inner or e.code})",
                "grant the app write on the hub's site (Sites.Selected + POST /sites/{id}/permissions) "
                "and check CXHUB_HUB_DRIVE_ID / CXHUB_HUB_ITEM_ID",
            )
        )
        return checks
    try:
        store._ensure_session()
        checks.append(Check("workbook API", True, f"workbook sessions work in {mode} mode"))
    except GraphCallError as e:
        checks.append(
            Check(
                "workbook API",
                False,
                f"the Excel service refused a session ({e.status} {e.inner or e.code})",
                "this tenant refuses app-only Excel access: set CXHUB_AUTH_MODE=delegated and run "
                "'cxhub login' with the service account"
                if mode != "delegated"
                else "give the service account edit rights on the hub file",
            )
        )
        return checks
    finally:
        store.close()
    problems = store.check_schema()
    checks.append(
        Check(
            "tables",
            not problems,
            "tables and columns match hub_schema" if not problems else "; ".join(problems),
            "" if not problems else "restore the missing tables/columns from 'cxhub init' or re-provision",
        )
    )
    return checks


def _token_fix(mode: str) -> str:
    return {
        "delegated": "run 'cxhub login' with the service account",
        "managed identity": "assign the Function App's managed identity and grant it the Graph app roles",
    }.get(mode, "check CXHUB_TENANT_ID, CXHUB_CLIENT_ID and the secret/certificate (Key Vault reference)")
