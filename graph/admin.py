"""Admin tasks against a tenant: put the hub on SharePoint, and check that everything works."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import httpx
from msgraph.generated.drives.item.items.item.content.content_request_builder import ContentRequestBuilder
from msgraph.generated.drives.item.items.item.create_upload_session import (
    create_upload_session_post_request_body as upload_body,
)
from msgraph.generated.drives.item.items.item.create_upload_session import (
    create_upload_session_request_builder as upload_builder,
)
from msgraph.generated.drives.item.items.item.drive_item_item_request_builder import (
    DriveItemItemRequestBuilder,
)
from msgraph.generated.models.drive_item import DriveItem
from msgraph.generated.models.drive_item_uploadable_properties import DriveItemUploadableProperties
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.permission import Permission
from msgraph.generated.sites.item.site_item_request_builder import SiteItemRequestBuilder

from graph import errors
from graph.auth import AuthError, TokenSource
from graph.client import GraphCallError, GraphClient

SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024  # Graph's limit for a single PUT of file content
UPLOAD_FRAGMENT = 10 * 320 * 1024  # a multiple of 320 KiB, as upload sessions require (max 60 MiB)


@dataclass(frozen=True)
class Provisioned:
    drive_id: str
    item_id: str
    web_url: str


class HubExists(FileExistsError):
    """The hub file is already there: provision never replaces it unless asked to (--replace)."""

    def __init__(self, name: str, web_url: str) -> None:
        super().__init__(
            f"{name} already exists at {web_url}; nothing was changed. It may hold live data: "
            "point CXHUB_HUB_ITEM_ID at it, pick another --name, or pass --replace to upload a blank "
            "hub over it (SharePoint keeps the current file in its version history)."
        )
        self.name, self.web_url = name, web_url


def provision(
    client: GraphClient, site_url: str, folder: str, name: str, data: bytes, *, replace: bool = False
) -> Provisioned:
    """Upload the hub workbook into `folder` of the site's default document library. An existing
    file of that name is never overwritten unless `replace` (then as a new version of it)."""
    base = client.adapter.base_url
    site = _site(client, site_url)
    drive = client.call(
        "site drive", lambda: client.sdk.sites.by_site_id(site.id).drive.get(), idempotent=True
    )
    if drive is None or not drive.id:
        raise GraphCallError(None, "noDrive", "", f"{site_url} has no document library")
    folder_path = quote(folder.strip("/"))
    folder_builder = DriveItemItemRequestBuilder(
        client.adapter, f"{base}/drives/{drive.id}/root:/{folder_path}:"
    )
    target = client.call("folder", lambda: folder_builder.get(), idempotent=True)
    if target is None or not target.id:
        raise GraphCallError(None, "noFolder", "", f"{folder} was not found in {site_url}")
    child = f"{base}/drives/{drive.id}/items/{target.id}:/{quote(name)}:"
    existing = _existing(client, child)
    if existing is not None and not replace:
        raise HubExists(name, existing.web_url or f"{site_url.rstrip('/')}/{folder.strip('/')}/{name}")
    # A new file: conflictBehavior=fail, so a file that appeared since the check is not replaced.
    # --replace: the existing item's content, which SharePoint versions.
    where = f"{base}/drives/{drive.id}/items/{existing.id}" if existing is not None else child
    behavior = "replace" if existing is not None else "fail"
    try:
        if len(data) <= SIMPLE_UPLOAD_LIMIT:
            upload = ContentRequestBuilder(
                client.adapter, f"{where}/content?@microsoft.graph.conflictBehavior={behavior}"
            )
            item = client.call("upload", lambda: upload.put(data), idempotent=existing is not None)
        else:
            item = _upload_in_fragments(client, where, data, behavior)
    except GraphCallError as e:
        if e.status == 409:  # nameAlreadyExists: someone put it there between the check and now
            raise HubExists(name, f"{site_url.rstrip('/')}/{folder.strip('/')}/{name}") from e
        raise
    if item is None or not item.id:
        raise GraphCallError(None, "noItem", "", "Graph did not return the uploaded item")
    return Provisioned(
        drive.id, item.id, item.web_url or f"{site_url.rstrip('/')}/{folder.strip('/')}/{name}"
    )


def _existing(client: GraphClient, child_url: str) -> DriveItem | None:
    """The file at that path, or None when Graph says itemNotFound."""
    builder = DriveItemItemRequestBuilder(client.adapter, child_url)
    try:
        return client.call("existing", lambda: builder.get(), idempotent=True)
    except GraphCallError as e:
        if e.kind == errors.NOT_FOUND:
            return None
        raise


def _upload_in_fragments(client: GraphClient, child_url: str, data: bytes, behavior: str) -> DriveItem:
    """driveItem: createUploadSession, then the bytes in fragments of a multiple of 320 KiB."""
    body = upload_body.CreateUploadSessionPostRequestBody(
        item=DriveItemUploadableProperties(additional_data={"@microsoft.graph.conflictBehavior": behavior})
    )
    builder = upload_builder.CreateUploadSessionRequestBuilder(
        client.adapter, f"{child_url}/createUploadSession"
    )
    session = client.call("upload session", lambda: builder.post(body), idempotent=False)
    if session is None or not session.upload_url:
        raise GraphCallError(None, "noUploadUrl", "", "Graph returned no uploadUrl")
    total, start = len(data), 0
    # The uploadUrl is pre-authenticated; sending our bearer token to it can make it answer 401.
    with httpx.Client(
        verify=client.tls_verify, timeout=client.settings.timeout_seconds, trust_env=False
    ) as http:
        while True:
            end = min(start + UPLOAD_FRAGMENT, total) - 1
            response = _put_fragment(
                client, http, session.upload_url, data[start : end + 1], start, end, total
            )
            if end + 1 >= total:
                body = response.json()
                return DriveItem(id=body["id"], web_url=body.get("webUrl"))
            start = end + 1


def _put_fragment(
    client: GraphClient, http: httpx.Client, url: str, chunk: bytes, start: int, end: int, total: int
) -> httpx.Response:
    """One fragment; a throttled or failed fragment is sent again (the session keeps what it has)."""
    for attempt in range(1, client.settings.max_attempts + 1):
        client.stats.requests += 1
        try:
            response = http.put(url, content=chunk, headers={"Content-Range": f"bytes {start}-{end}/{total}"})
        except httpx.TransportError as e:
            if attempt == client.settings.max_attempts:
                raise GraphCallError(None, "network", type(e).__name__, str(e)) from e
            client.sleep_backoff(attempt, None)
            continue
        if response.status_code < 400:
            return response
        if response.status_code not in (429, 500, 502, 503, 504) or attempt == client.settings.max_attempts:
            raise GraphCallError(response.status_code, "uploadFailed", "", response.text[:200])
        client.sleep_backoff(attempt, response.headers.get("Retry-After"))
    raise AssertionError("unreachable")


def grant_site(
    client: GraphClient, site_url: str, app_id: str, role: str, display_name: str = "CX Hub"
) -> str:
    """Give an app `role` on one site (Sites.Selected): POST /sites/{id}/permissions. Needs an
    identity with Sites.FullControl.All. Each of the app's permissions is read back one by one
    (GET .../permissions/{id}: lists may leave `roles` out), so a second run changes nothing and
    says so; the outcome is verified by reading the permission after writing it."""
    site = _site(client, site_url)
    permissions = client.sdk.sites.by_site_id(site.id).permissions
    for listed in client.all_pages("site permissions", permissions):
        # grantedToIdentitiesV2 is the supported field; grantedToIdentities still comes back (deprecated).
        identities = (listed.granted_to_identities_v2 or []) + (listed.granted_to_identities or [])
        apps = [i.application for i in identities if getattr(i, "application", None)]
        if not any(a is not None and a.id == app_id for a in apps) or not listed.id:
            continue
        roles = _roles(client, permissions, listed.id)
        if role in roles:
            return f"already granted (permission {listed.id}: {', '.join(roles)})"
        client.call(
            "update site permission",
            lambda pid=listed.id: permissions.by_permission_id(pid).patch(Permission(roles=[role])),  # type: ignore[misc]
            idempotent=True,
        )
        verified = _verified(client, permissions, listed.id, role)
        return f"updated from {', '.join(roles) or 'no role'} ({verified})"
    body = Permission(
        roles=[role],
        granted_to_identities=[IdentitySet(application=Identity(id=app_id, display_name=display_name))],
    )
    made = client.call("grant site", lambda: permissions.post(body), idempotent=False)
    if made is None or not made.id:
        raise GraphCallError(None, "noPermission", "", "Graph returned no permission id")
    return f"granted ({_verified(client, permissions, made.id, role)})"


def _roles(client: GraphClient, permissions, permission_id: str) -> list[str]:
    full = client.call(
        "site permission", lambda: permissions.by_permission_id(permission_id).get(), idempotent=True
    )
    return list(full.roles or []) if full is not None else []


def _verified(client: GraphClient, permissions, permission_id: str, role: str) -> str:
    roles = _roles(client, permissions, permission_id)
    if role not in roles:
        raise GraphCallError(
            None, "notVerified", "", f"permission {permission_id} reads back as {roles}, not {role}"
        )
    return f"verified: permission {permission_id} reads {', '.join(roles)}"


def _site(client: GraphClient, site_url: str):
    parts = urlsplit(site_url)
    if not parts.hostname or not parts.path.strip("/"):
        raise ValueError(
            f"{site_url!r} is not a SharePoint site URL like https://contoso.sharepoint.com/sites/CX"
        )
    # Addressing by path (host:/path:) goes through with_url: the SDK would percent-encode the ':'.
    builder = SiteItemRequestBuilder(
        client.adapter, f"{client.adapter.base_url}/sites/{parts.hostname}:{parts.path.rstrip('/')}:"
    )
    return client.call("site", lambda: builder.get(), idempotent=True)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _status(e: GraphCallError) -> str:
    """Graph's HTTP status and its most specific error code, as a check's detail names them."""
    return f"{e.status} {e.inner or e.code}"


def _failed(name: str, what: str, e: GraphCallError, fix: str) -> Check:
    return Check(name, False, f"{what} ({_status(e)})", fix)


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
        fix = (
            "grant the app write on the hub's site (Sites.Selected + POST /sites/{id}/permissions) "
            "and check CXHUB_HUB_DRIVE_ID / CXHUB_HUB_ITEM_ID"
        )
        checks.append(_failed("hub file", "the hub workbook is not reachable", e, fix))
        return checks
    try:
        store._ensure_session()
        checks.append(Check("workbook API", True, f"workbook sessions work in {mode} mode"))
    except GraphCallError as e:
        fix = (
            "this tenant refuses app-only Excel access: set CXHUB_AUTH_MODE=delegated and run "
            "'cxhub login' with the service account"
            if mode != "delegated"
            else "give the service account edit rights on the hub file"
        )
        checks.append(_failed("workbook API", "the Excel service refused a session", e, fix))
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


def auth_modes(
    configured: str, probes: dict[str, Callable[[], GraphClient]], drive_id: str, item_id: str
) -> Check:
    """Which auth modes get a workbook session in this tenant: the configured one and the other
    one where credentials for it exist (Microsoft documents delegated access only for the Excel
    workbook API; some tenants allow app-only too)."""
    from graph.auth import AuthError
    from graph.workbook_store import GraphHubStore

    results: dict[str, str] = {}
    for mode, make in probes.items():
        try:
            client = make()
        except (AuthError, ValueError) as e:
            results[mode] = f"not available ({e})"
            continue
        store = GraphHubStore(client, drive_id, item_id)
        try:
            store._ensure_session()
            results[mode] = "works"
        except AuthError as e:
            results[mode] = f"no token ({e})"
        except GraphCallError as e:
            results[mode] = f"refused ({_status(e)})"
        finally:
            store.close()
            client.close()
    working = [m for m, r in results.items() if r == "works"]
    detail = "; ".join(f"{m}{' (configured)' if m == configured else ''}: {r}" for m, r in results.items())
    fix = ""
    if configured not in working and working:
        setting = "delegated" if working[0] == "delegated" else "app"
        fix = f"set CXHUB_AUTH_MODE={setting}: it works in this tenant"
    elif not working:
        fix = "sign the service account in with 'cxhub login' and give it edit rights on the hub file"
    return Check("auth mode", configured in working, f"workbook sessions in this tenant: {detail}", fix)


def mail_check(client: GraphClient, sender: str | None, to: tuple[str, ...]) -> Check:
    """Send the admins one short test mail: the only sure test of Mail.Send and its mailbox scope."""
    from graph.mail import GraphMailer
    from hub.ports import MailMessage

    if not sender or not to:
        return Check(
            "mail",
            False,
            "no sender mailbox or admin emails set",
            "set CXHUB_MAIL_SENDER and CXHUB_ADMIN_EMAILS",
        )
    message = MailMessage(
        to=to[:1],
        subject="CX Hub doctor: mail works",
        html="<p>CX Hub can send mail from this mailbox. Reminders and digests will come from it.</p>",
    )
    try:
        GraphMailer(client, sender).send(message)
    except GraphCallError as e:
        fix = (
            "grant Mail.Send scoped to the sender mailbox with Exchange Online RBAC for Applications "
            "(docs/ADMIN.md §4); check CXHUB_MAIL_SENDER is a licensed mailbox"
        )
        return _failed("mail", "sendMail was refused", e, fix)
    return Check("mail", True, "a test mail was sent to the first admin")


def _token_fix(mode: str) -> str:
    return {
        "delegated": "run 'cxhub login' with the service account",
        "managed identity": "assign the Function App's managed identity and grant it the Graph app roles",
    }.get(mode, "check CXHUB_TENANT_ID, CXHUB_CLIENT_ID and the secret/certificate (Key Vault reference)")
