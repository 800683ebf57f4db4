"""A fake Microsoft Graph (and Entra ID token service) on 127.0.0.1, over real HTTPS.

It behaves as Microsoft documents the real services (paths, JSON field names, status codes,
headers, error bodies) for the calls CX Hub makes, keeps its workbooks as real .xlsx files
(openpyxl), records every request, and injects faults by rule. Used by the tests and runnable
by hand: `python -m tests.fakegraph --port 8443`.

Docs followed (learn.microsoft.com/graph): workbook sessions (createSession 201 {id,
persistChanges}; an expired session answers 404), tablerow add (201 workbookTableRow),
range update (null leaves a cell unchanged: office/dev/add-ins/excel/excel-add-ins-blank-null-values),
workbook error handling (error.innerError.code carries accessConflict, invalidSessionReCreatable),
driveitem get content (302 to a pre-authenticated download URL), user sendMail (202),
user list manager (404 when none), JSON batching (at most 20 requests).
"""

from __future__ import annotations

import base64
import json
import random
import re
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from tests.fakegraph.tls import make_certificate

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass
class Fault:
    """Fail matching requests. kind: 429 | 503 | 504_after | lock | 403 | session_expired | latency."""

    kind: str
    method: str | None = None
    path: str = ""  # regex searched in the path
    times: int | None = None  # how many matching requests to hit (None: no limit)
    probability: float = 1.0
    retry_after: int = 1
    delay: float = 0.0

    def matches(self, method: str, path: str, rng: random.Random) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method and self.method != method:
            return False
        if not re.search(self.path, path):
            return False
        return rng.random() < self.probability


@dataclass
class Recorded:
    method: str
    path: str
    status: int
    fault: str | None = None
    body: Any = None


@dataclass
class Item:
    id: str
    name: str
    parent: str  # parent item id ("root" for the drive root)
    path: Path | None = None  # file contents on disk (None for folders)
    version: int = 1

    @property
    def is_folder(self) -> bool:
        return self.path is None


@dataclass
class Session:
    id: str
    item: str
    last_used: float
    persist: bool


@dataclass
class FakeGraph:
    root: Path
    tenant: str = "11111111-2222-3333-4444-555555555555"
    client_id: str = "cxhub-app"
    client_secret: str = "fake-secret"
    identity_header: str = "fake-identity-header"
    drive_id: str = "b!fake-drive"
    token_lifetime: int = 3600
    session_idle_seconds: float = 300.0
    seed: int = 1
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    mailbox: list[dict[str, Any]] = field(default_factory=list)
    site_permissions: list[dict[str, Any]] = field(default_factory=list)
    managers: dict[str, dict[str, Any]] = field(default_factory=dict)
    approved_device_codes: set[str] = field(default_factory=set)
    locked_by: str | None = None  # someone editing the workbook in Excel: writes answer 409

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.items: dict[str, Item] = {"root": Item("root", "root", "")}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, Session] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.device_codes: dict[str, str] = {}
        self.downloads: dict[str, str] = {}
        self._books: dict[str, Any] = {}
        self._rng = random.Random(self.seed)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.cert_path, self.key_path = make_certificate(self.root / "tls")

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH")

            def do_PUT(self) -> None:
                fake._handle(self, "PUT")

            def do_DELETE(self) -> None:
                fake._handle(self, "DELETE")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_port}"

    @property
    def graph_url(self) -> str:
        return self.base_url + "/v1.0"

    # -- fixtures ----------------------------------------------------------------------
    def add_file(self, name: str, data: bytes, parent: str = "root", item_id: str | None = None) -> str:
        item_id = item_id or "01" + uuid.uuid4().hex[:30].upper()
        path = self.root / f"{item_id}-{name}"
        path.write_bytes(data)
        with self._lock:
            self.items[item_id] = Item(item_id, name, parent, path)
        return item_id

    def add_folder(self, name: str, parent: str = "root") -> str:
        item_id = "01" + uuid.uuid4().hex[:30].upper()
        with self._lock:
            self.items[item_id] = Item(item_id, name, parent)
        return item_id

    def settings_env(self, item_id: str, **extra: str) -> dict[str, str]:
        """The CXHUB_* settings that point CX Hub's graph backend at this fake and one hub item."""
        return {
            "CXHUB_BACKEND": "graph",
            "CXHUB_GRAPH_BASE_URL": self.graph_url,
            "CXHUB_AUTHORITY_HOST": self.base_url,
            "CXHUB_TENANT_ID": self.tenant,
            "CXHUB_CLIENT_ID": self.client_id,
            "CXHUB_CLIENT_SECRET": self.client_secret,
            "CXHUB_HUB_DRIVE_ID": self.drive_id,
            "CXHUB_HUB_ITEM_ID": item_id,
            "CXHUB_CA_BUNDLE": str(self.cert_path),
            **extra,
        }

    def workbook(self, item_id: str):
        """The workbook as it stands (openpyxl), for assertions."""
        with self._lock:
            return self._book(item_id)

    def count(self, method: str | None = None, path: str = "", *, faults: bool | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method)
            and re.search(path, r.path)
            and (faults is None or (r.fault is not None) == faults)
        )

    # -- dispatch ----------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(h.path)
        path = unquote(url.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        status, body, headers, fault = 500, None, {}, None
        try:
            with self._lock:
                fault_rule = next((f for f in self.faults if f.matches(method, path, self._rng)), None)
                if fault_rule is not None and fault_rule.times is not None:
                    fault_rule.times -= 1
            if fault_rule is not None and fault_rule.kind == "latency":
                time.sleep(fault_rule.delay)
                fault_rule = None
            if fault_rule is not None and fault_rule.kind in ("429", "503", "lock", "403"):
                fault = fault_rule.kind
                status, body, headers = self._fault_response(fault_rule)
            else:
                with self._lock:
                    if fault_rule is not None and fault_rule.kind == "session_expired":
                        fault = "session_expired"
                        self.sessions.clear()  # as if every session idled out: the call answers 404
                    status, body, headers = self._route(method, path, query, raw, h.headers)
                    if fault_rule is not None and fault_rule.kind == "504_after" and status < 300:
                        fault = "504_after"  # applied, but the caller never hears so
                        status, body, headers = 504, _error("gatewayTimeout", "Gateway timeout"), {}
        except Exception as e:  # a bug in the fake: make it loud in the test output
            status, body = 500, _error("internalServerError", f"fake Graph: {type(e).__name__}: {e}")
        self.requests.append(Recorded(method, path, status, fault, _maybe_json(raw)))
        self._send(h, status, body, headers)

    def _fault_response(self, rule: Fault) -> tuple[int, Any, dict[str, str]]:
        if rule.kind == "429":
            return (
                429,
                _error("tooManyRequests", "Too many requests", "tooManyRequestsUncategorized"),
                {"Retry-After": str(rule.retry_after)},
            )
        if rule.kind == "503":
            return (
                503,
                _error("serviceUnavailable", "Service unavailable", "transientFailure"),
                {"Retry-After": str(rule.retry_after)},
            )
        if rule.kind == "403":
            # sendMail answers ErrorAccessDenied; drive/workbook calls answer accessDenied.
            code = "ErrorAccessDenied" if "sendMail" in rule.path else "accessDenied"
            return 403, _error(code, "Access is denied. Check credentials and try again."), {}
        return (
            409,
            _error("conflict", "The workbook is locked for editing by another user.", "accessConflict"),
            {},
        )

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> None:
        if isinstance(body, bytes):
            data, ctype = body, "application/octet-stream"
        elif body is None:
            data, ctype = b"", None
        else:
            data, ctype = json.dumps(body).encode(), "application/json"
        h.send_response(status)
        if ctype:
            h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("request-id", str(uuid.uuid4()))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _route(self, method: str, path: str, query: dict[str, str], raw: bytes, headers) -> tuple:
        tenant = re.escape(self.tenant)
        for pattern, verb, handler in self._routes():
            m = re.fullmatch(pattern.replace("{tenant}", tenant), path)
            if m and verb == method:
                if path.startswith("/v1.0"):
                    denied = self._check_token(headers)
                    if denied:
                        return denied
                return handler(m, query, raw, headers)
        return 404, _error("itemNotFound", f"No route for {method} {path}"), {}

    def _routes(self) -> list[tuple[str, str, Callable]]:
        item = r"/v1.0/drives/[^/]+/items/(?P<item>[^/:]+)"
        wb = item + r"/workbook"
        return [
            (r"/{tenant}/v2.0/.well-known/openid-configuration", "GET", self._openid),
            (r"/{tenant}/oauth2/v2.0/token", "POST", self._token),
            (r"/{tenant}/oauth2/v2.0/devicecode", "POST", self._devicecode),
            (r"/msi/token", "GET", self._msi),
            (r"/download/(?P<token>[^/]+)", "GET", self._download),
            (r"/v1.0/sites/(?P<host>[^/:]+):(?P<path>/[^:]*):?", "GET", self._site_by_path),
            (r"/v1.0/sites/(?P<site>[^/]+)/drive", "GET", self._site_drive),
            (r"/v1.0/sites/(?P<site>[^/]+)/permissions", "GET", self._site_permissions),
            (r"/v1.0/sites/(?P<site>[^/]+)/permissions", "POST", self._grant_site),
            (r"/v1.0/drives/[^/]+/root:/(?P<path>.+?):?", "GET", self._item_by_path),
            (item, "GET", self._item_get),
            (item, "PATCH", self._item_patch),
            (item + "/content", "GET", self._content_get),
            (item + "/content", "PUT", self._content_put),
            (item + r":/(?P<name>[^:]+):/content", "PUT", self._content_put_child),
            (item + r":/(?P<name>[^:]+):/createUploadSession", "POST", self._create_upload_session),
            (r"/upload/(?P<token>[^/]+)", "PUT", self._upload_fragment),
            (item + "/children", "GET", self._children),
            (item + "/children", "POST", self._create_folder),
            (wb + "/createSession", "POST", self._create_session),
            (wb + "/refreshSession", "POST", self._refresh_session),
            (wb + "/closeSession", "POST", self._close_session),
            (wb + r"/tables", "GET", self._tables_list),
            (wb + r"/tables/(?P<table>[^/]+)/columns", "GET", self._columns_list),
            (wb + r"/tables/(?P<table>[^/]+)/rows/add", "POST", self._rows_add),
            (wb + r"/tables/(?P<table>[^/]+)/rows", "GET", self._rows_list),
            # Docs write /range; msgraph-sdk sends the OData function form /range(). Both are served.
            (wb + r"/tables/(?P<table>[^/]+)/range(\(\))?", "GET", self._table_range),
            (
                wb + r"/tables/(?P<table>[^/]+)/columns/(?P<column>[^/]+)/dataBodyRange(\(\))?",
                "GET",
                self._column_body,
            ),
            (wb + r"/worksheets/(?P<sheet>[^/]+)/usedRange\(valuesOnly=true\)", "GET", self._used_range),
            (
                wb + r"/worksheets/(?P<sheet>[^/]+)/range\(address='(?P<address>[^']+)'\)",
                "PATCH",
                self._range_patch,
            ),
            (
                wb + r"/worksheets/(?P<sheet>[^/]+)/range\(address='(?P<address>[^']+)'\)",
                "GET",
                self._range_get,
            ),
            (r"/v1.0/users/(?P<user>[^/]+)/sendMail", "POST", self._send_mail),
            (r"/v1.0/users/(?P<user>[^/]+)/manager", "GET", self._manager),
            (r"/v1.0/\$batch", "POST", self._batch),
        ]

    # -- identity ----------------------------------------------------------------------
    def _openid(self, m, query, raw, headers):
        base = f"{self.base_url}/{self.tenant}"
        return (
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"{base}/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            },
            {},
        )

    def _issue(self, kind: str, user: str | None = None) -> dict[str, Any]:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = {"kind": kind, "expires": time.time() + self.token_lifetime, "user": user}
        return {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
        }

    def _token(self, m, query, raw, headers):
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        grant = form.get("grant_type")
        if form.get("client_id") != self.client_id:
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016: unknown app"}, {}
        if grant == "client_credentials":
            secret_ok = form.get("client_secret") == self.client_secret
            assertion_ok = form.get("client_assertion_type", "").endswith("jwt-bearer") and _is_jwt(
                form.get("client_assertion", "")
            )
            if not (secret_ok or assertion_ok):
                return (
                    401,
                    {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret"},
                    {},
                )
            if GRAPH_SCOPE not in form.get("scope", ""):
                return 400, {"error": "invalid_scope", "error_description": "AADSTS1002012: bad scope"}, {}
            return 200, self._issue("app"), {}
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            code = form.get("device_code", "")
            if code not in self.device_codes:
                return 400, {"error": "expired_token", "error_description": "AADSTS70019"}, {}
            if code not in self.approved_device_codes:
                return 400, {"error": "authorization_pending", "error_description": "AADSTS70016"}, {}
            return 200, self._user_tokens(self.device_codes.pop(code)), {}
        if grant == "refresh_token":
            user = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if user is None:
                return (
                    400,
                    {"error": "invalid_grant", "error_description": "AADSTS70000: bad refresh token"},
                    {},
                )
            return 200, self._user_tokens(user), {}
        return 400, {"error": "unsupported_grant_type"}, {}

    def _user_tokens(self, user: str) -> dict[str, Any]:
        out = self._issue("user", user)
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = user
        oid = str(uuid.uuid5(uuid.NAMESPACE_DNS, user))
        claims = {
            "aud": self.client_id,
            "iss": f"{self.base_url}/{self.tenant}/v2.0",
            "tid": self.tenant,
            "oid": oid,
            "preferred_username": user,
            "name": user,
            "iat": int(time.time()),
            "exp": int(time.time()) + self.token_lifetime,
        }
        out["refresh_token"] = refresh
        out["id_token"] = _unsigned_jwt(claims)
        out["client_info"] = _b64(json.dumps({"uid": oid, "utid": self.tenant}).encode())
        out["scope"] = "https://graph.microsoft.com/Files.ReadWrite.All https://graph.microsoft.com/Mail.Send"
        return out

    def _devicecode(self, m, query, raw, headers):
        code = secrets.token_urlsafe(16)
        self.device_codes[code] = "cxhub-service@mikano.example"
        return (
            200,
            {
                "device_code": code,
                "user_code": "FAKE-CODE",
                "verification_uri": f"{self.base_url}/devicelogin",
                "expires_in": 900,
                "interval": 1,
                "message": f"To sign in, open {self.base_url}/devicelogin and enter FAKE-CODE.",
            },
            {},
        )

    def approve_all_device_codes(self) -> None:
        self.approved_device_codes |= set(self.device_codes)

    def _msi(self, m, query, raw, headers):
        if headers.get("X-IDENTITY-HEADER") != self.identity_header:
            return 401, {"statusCode": 401, "message": "bad identity header"}, {}
        token = self._issue("managed_identity")
        return (
            200,
            {
                "access_token": token["access_token"],
                "expires_on": str(int(time.time()) + self.token_lifetime),
                "resource": query.get("resource"),
                "token_type": "Bearer",
            },
            {},
        )

    def _check_token(self, headers) -> tuple | None:
        auth = headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        info = self.tokens.get(token)
        if info is None or info["expires"] < time.time():
            return 401, _error("InvalidAuthenticationToken", "Access token is empty or invalid."), {}
        return None

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
        }
        if item.is_folder:
            meta["folder"] = {"childCount": sum(1 for i in self.items.values() if i.parent == item.id)}
            meta["size"] = 0
        else:
            self._flush(item.id)
            meta["file"] = {"mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
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
    def _site_permissions(self, m, query, raw, headers):
        return 200, {"value": list(self.site_permissions)}, {}

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
        return 200, {"value": [self._meta(i) for i in self.items.values() if i.parent == m["item"]]}, {}

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
        # Graph answers 302 with a short-lived pre-authenticated URL (no Authorization needed).
        return 302, None, {"Location": f"{self.base_url}/download/{token}"}

    def _download(self, m, query, raw, headers):
        item_id = self.downloads.pop(m["token"], None)
        if item_id is None:
            return 401, _error("unauthenticated", "download link expired"), {}
        return 200, self.items[item_id].path.read_bytes(), {}

    def _content_put(self, m, query, raw, headers):
        item = self._item(m["item"])
        if item is None or item.is_folder:
            return 404, _error("itemNotFound", "Item not found"), {}
        item.path.write_bytes(raw)
        self._books.pop(item.id, None)
        item.version += 1
        return 200, self._meta(item), {}

    def _content_put_child(self, m, query, raw, headers):
        parent = m["item"]
        existing = next((i for i in self.items.values() if i.parent == parent and i.name == m["name"]), None)
        if existing:
            existing.path.write_bytes(raw)
            existing.version += 1
            self._books.pop(existing.id, None)
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
            existing.path.write_bytes(bytes(data))
            existing.version += 1
            self._books.pop(existing.id, None)
            return 200, self._meta(existing), {}
        item_id = self.add_file(upload["name"], bytes(data), upload["parent"])
        return 201, self._meta(self.items[item_id]), {}

    # -- workbook ----------------------------------------------------------------------
    def _book(self, item_id: str):
        if item_id not in self._books:
            self._books[item_id] = load_workbook(self.items[item_id].path)
        return self._books[item_id]

    def _flush(self, item_id: str) -> None:
        book = self._books.get(item_id)
        if book is not None and getattr(book, "_cxhub_dirty", False):
            book.save(self.items[item_id].path)
            book._cxhub_dirty = False

    def _dirty(self, item_id: str) -> None:
        self._book(item_id)._cxhub_dirty = True
        self.items[item_id].version += 1

    def _session_for(self, item_id: str, headers) -> tuple | None:
        """None when the call may go ahead; otherwise the error response."""
        sid = headers.get("workbook-session-id")
        if sid is None:
            return None  # sessionless calls work (slowly) on the real service
        session = self.sessions.get(sid)
        if (
            session is None
            or session.item != item_id
            or time.time() - session.last_used > self.session_idle_seconds
        ):
            self.sessions.pop(sid, None)
            return (
                404,
                _error("itemNotFound", "The session is not found or expired.", "invalidSessionReCreatable"),
                {},
            )
        session.last_used = time.time()
        return None

    def _writable(self, item_id: str, headers) -> tuple | None:
        denied = self._session_for(item_id, headers)
        if denied:
            return denied
        if self.locked_by:
            return (
                409,
                _error(
                    "conflict",
                    f"The file is locked for editing by {self.locked_by}.",
                    "EditModeCannotAcquireLock",
                ),
                {},
            )
        return None

    def _create_session(self, m, query, raw, headers):
        if self._item(m["item"]) is None:
            return 404, _error("itemNotFound", "Item not found"), {}
        body = json.loads(raw or b"{}")
        sid = "cluster=FAKE&session=" + uuid.uuid4().hex
        self.sessions[sid] = Session(sid, m["item"], time.time(), bool(body.get("persistChanges")))
        return 201, {"id": sid, "persistChanges": bool(body.get("persistChanges"))}, {}

    def _refresh_session(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        return denied or (204, None, {})

    def _close_session(self, m, query, raw, headers):
        self.sessions.pop(headers.get("workbook-session-id", ""), None)
        return 204, None, {}

    def _find_table(self, item_id: str, name: str):
        book = self._book(item_id)
        for ws in book.worksheets:
            if name in ws.tables:
                return ws, ws.tables[name]
        return None, None

    def _tables_list(self, m, query, raw, headers):
        book = self._book(m["item"])
        value = [
            {"id": f"{{{i}}}", "name": t, "showHeaders": True, "worksheet": ws.title}
            for i, (ws, t) in enumerate((ws, t) for ws in book.worksheets for t in ws.tables)
        ]
        return 200, {"value": value}, {}

    def _columns_list(self, m, query, raw, headers):
        ws, table = self._find_table(m["item"], m["table"])
        if table is None:
            return 404, _error("itemNotFound", f"Table {m['table']} not found"), {}
        min_col, min_row, max_col, _ = range_boundaries(table.ref)
        value = [
            {"id": str(c - min_col + 1), "index": c - min_col, "name": ws.cell(min_row, c).value}
            for c in range(min_col, max_col + 1)
        ]
        return 200, {"value": value}, {}

    def _rows_add(self, m, query, raw, headers):
        denied = self._writable(m["item"], headers)
        if denied:
            return denied
        ws, table = self._find_table(m["item"], m["table"])
        if table is None:
            return 404, _error("itemNotFound", f"Table {m['table']} not found"), {}
        body = json.loads(raw)
        values = body["values"]
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if any(len(r) != max_col - min_col + 1 for r in values):
            return (
                400,
                _error("invalidArgument", "The number of values does not match the table's columns."),
                {},
            )
        nxt = max_row + 1
        while nxt - 1 > min_row and all(
            ws.cell(nxt - 1, c).value in (None, "") for c in range(min_col, max_col + 1)
        ):
            nxt -= 1
        first = nxt
        for row in values:
            for offset, value in enumerate(row):
                _set_cell(ws, nxt, min_col + offset, value)
            nxt += 1
        table.ref = (
            f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max(nxt - 1, min_row + 1)}"
        )
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
        self._dirty(m["item"])
        return (
            201,
            {"@odata.context": "$metadata#workbookTableRow", "index": first - min_row - 1, "values": values},
            {},
        )

    def _table_values(self, ws, table, with_header: bool) -> list[list[Any]]:
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        start = min_row if with_header else min_row + 1
        return [
            [_api_value(ws.cell(r, c)) for c in range(min_col, max_col + 1)]
            for r in range(start, max_row + 1)
        ]

    def _rows_list(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        if denied:
            return denied
        ws, table = self._find_table(m["item"], m["table"])
        if table is None:
            return 404, _error("itemNotFound", f"Table {m['table']} not found"), {}
        rows = self._table_values(ws, table, with_header=False)
        skip, top = int(query.get("$skip", 0)), int(query.get("$top", len(rows) or 1))
        value = [{"index": skip + i, "values": [r]} for i, r in enumerate(rows[skip : skip + top])]
        return 200, {"value": value}, {}

    def _table_range(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        if denied:
            return denied
        ws, table = self._find_table(m["item"], m["table"])
        if table is None:
            return 404, _error("itemNotFound", f"Table {m['table']} not found"), {}
        values = self._table_values(ws, table, with_header=True)
        return 200, _range(ws.title, table.ref, values), {}

    def _column_body(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        if denied:
            return denied
        ws, table = self._find_table(m["item"], m["table"])
        if table is None:
            return 404, _error("itemNotFound", f"Table {m['table']} not found"), {}
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        names = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
        if m["column"] not in names:
            return 404, _error("itemNotFound", f"Column {m['column']} not found"), {}
        col = min_col + names.index(m["column"])
        values = [[_api_value(ws.cell(r, col))] for r in range(min_row + 1, max_row + 1)]
        letter = get_column_letter(col)
        return 200, _range(ws.title, f"{letter}{min_row + 1}:{letter}{max_row}", values), {}

    def _used_range(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        if denied:
            return denied
        ws = self._book(m["item"])[m["sheet"]]
        if query.get("$select") == "address":  # what a pager asks first: how big is the sheet
            return 200, {"address": f"{ws.title}!{ws.dimensions}"}, {}
        values = [[_api_value(c) for c in row] for row in ws.iter_rows()]
        return 200, _range(ws.title, ws.dimensions, values), {}

    def _range_get(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        if denied:
            return denied
        ws = self._book(m["item"])[m["sheet"]]
        min_col, min_row, max_col, max_row = range_boundaries(m["address"])
        rows = ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)
        return 200, _range(ws.title, m["address"], [[_api_value(c) for c in row] for row in rows]), {}

    def _range_patch(self, m, query, raw, headers):
        denied = self._writable(m["item"], headers)
        if denied:
            return denied
        ws = self._book(m["item"])[m["sheet"]]
        min_col, min_row, max_col, max_row = range_boundaries(m["address"])
        values = json.loads(raw)["values"]
        if len(values) != max_row - min_row + 1 or any(len(r) != max_col - min_col + 1 for r in values):
            return 400, _error("invalidArgument", "The values do not match the size of the range."), {}
        for r_off, row in enumerate(values):
            for c_off, value in enumerate(row):
                if value is not None:  # null leaves the cell as it is
                    _set_cell(ws, min_row + r_off, min_col + c_off, value)
        self._dirty(m["item"])
        return 200, _range(ws.title, m["address"], values), {}

    # -- mail and directory ------------------------------------------------------------
    def _send_mail(self, m, query, raw, headers):
        body = json.loads(raw)
        message = body.get("message") or body.get("Message")  # msgraph-sdk capitalises these keys
        if not isinstance(message, dict) or not message.get("toRecipients"):
            return 400, _error("ErrorInvalidRecipients", "At least one recipient is not valid."), {}
        self.mailbox.append(
            {
                "from": m["user"],
                "message": message,
                "saveToSentItems": body.get("saveToSentItems", body.get("SaveToSentItems")),
            }
        )
        return 202, None, {}

    def _manager(self, m, query, raw, headers):
        manager = self.managers.get(m["user"].lower())
        if manager is None:
            return (
                404,
                _error("Request_ResourceNotFound", f"Resource 'manager' does not exist for {m['user']}."),
                {},
            )
        return 200, {"@odata.type": "#microsoft.graph.user", **manager}, {}

    def _batch(self, m, query, raw, headers):
        body = json.loads(raw)
        requests = body.get("requests", [])
        if len(requests) > 20:
            return 400, _error("BadRequest", "Number of batch request steps exceeds the maximum of 20."), {}
        responses = []
        for req in requests:
            url = urlsplit("/v1.0" + req["url"] if not req["url"].startswith("/v1.0") else req["url"])
            sub_headers = {**dict(headers.items()), **req.get("headers", {})}
            status, sub_body, sub_h = self._route(
                req["method"],
                unquote(url.path),
                {k: v[-1] for k, v in parse_qs(url.query).items()},
                json.dumps(req.get("body")).encode() if "body" in req else b"",
                _Headers(sub_headers),
            )
            responses.append({"id": req["id"], "status": status, "headers": sub_h, "body": sub_body})
        return 200, {"responses": responses}, {}


class _Headers(dict):
    def get(self, key, default=None):
        for k, v in self.items():
            if k.lower() == key.lower():
                return v
        return default


def _error(code: str, message: str, inner: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "innerError": {"date": datetime.now(UTC).isoformat(), "request-id": str(uuid.uuid4())},
    }
    if inner:
        error["innerError"]["code"] = inner
        error["innerError"]["message"] = message
    return {"error": error}


def _range(sheet: str, address: str, values: list[list[Any]]) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.workbookRange",
        "address": f"{sheet}!{address}",
        "rowCount": len(values),
        "columnCount": len(values[0]) if values else 0,
        "values": values,
    }


def _api_value(cell) -> Any:
    """What the workbook API returns for a cell: numbers (dates as serials), text, or ''."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        from hub_schema.cells import to_excel_serial

        return to_excel_serial(value)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        from hub_schema.cells import to_excel_serial

        return to_excel_serial(value)
    return value


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _set_cell(ws, row: int, col: int, value: Any) -> None:
    """Store a value the way Excel does when the API sets it (as if typed into the cell)."""
    cell = ws.cell(row, col)
    above = ws.cell(row - 1, col) if row > 2 else ws.cell(2, col)
    if isinstance(value, str):
        if value.startswith("'"):
            cell.value = value[1:]
            cell.data_type = "s"
            cell.quotePrefix = True
        elif value.startswith("="):
            cell.value = value  # Excel would run it: the reason CX Hub must never send this
        elif _NUMBER.match(value.strip()):
            cell.value = float(value) if "." in value else int(value)
        else:
            cell.value = value
    else:
        cell.value = value
    if above.number_format and above.number_format != "General" and not isinstance(value, str):
        cell.number_format = above.number_format  # a table carries its column format down


def _maybe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    return ".".join(
        [_b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()), _b64(json.dumps(claims).encode()), ""]
    )


def _is_jwt(token: str) -> bool:
    return token.count(".") == 2 and all(token.split(".")[:2])


def xlsx_bytes(path: Path) -> bytes:
    return BytesIO(path.read_bytes()).getvalue()
