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

import json
import random
import re
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakegraph.common import Fault, Item, Recorded, Session, _error, _error_chain, _maybe_json
from tests.fakegraph.drive import DriveRoutes
from tests.fakegraph.identity import IdentityRoutes
from tests.fakegraph.tls import make_certificate
from tests.fakegraph.workbook import WorkbookRoutes
from tests.fakegraph.workbook_schema import WorkbookSchemaRoutes

_WORKBOOK_ITEM = re.compile(r"/items/([^/:]+)/workbook/")


@dataclass
class FakeGraph(IdentityRoutes, DriveRoutes, WorkbookRoutes, WorkbookSchemaRoutes):
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
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> user (id, mail, UPN)
    managers: dict[str, str] = field(default_factory=dict)  # user id -> the manager's user id
    page_size: int = 100  # items per collection page before @odata.nextLink
    approved_device_codes: set[str] = field(default_factory=set)
    # What an expired or unknown session answers (status, code chain): invalidSessionReCreatable
    # by default; tests set the other documented session codes.
    expired_session: tuple[int, tuple[str, ...]] = (404, ("itemNotFound", "invalidSessionReCreatable"))
    locked_by: str | None = None
    # Tenants differ: False answers workbook calls made with an app-only token 403, as Microsoft's
    # reference pages ("Application: Not supported") would have it.
    app_only_workbook: bool = True  # someone editing the workbook in Excel: writes answer 409

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
        self._in_flight: dict[str, int] = {}
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._download_server: ThreadingHTTPServer | None = None
        self.download_authorizations: list[str | None] = []  # what each download request carried
        self.cert_path, self.key_path = make_certificate(self.root / "tls")

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        """Graph (and Entra ID) on `port`, and the download host (SharePoint's, for /content
        redirects) on a second port of its own."""
        self._server = self._serve(port, "graph")
        self._download_server = self._serve(0, "download")
        return self.base_url

    def _serve(self, port: int, role: str) -> ThreadingHTTPServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
            # client's delayed ACK of the headers (up to 40 ms a response on loopback).
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                fake._handle(self, "GET", role)

            def do_POST(self) -> None:
                fake._handle(self, "POST", role)

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH", role)

            def do_PUT(self) -> None:
                fake._handle(self, "PUT", role)

            def do_DELETE(self) -> None:
                fake._handle(self, "DELETE", role)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        # shutdown() waits for the serving loop to look at its flag, which it does once per poll
        # interval (0.5 s by default): every test's teardown waited that out, twice.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return server

    def stop(self) -> None:
        for server in (self._server, self._download_server):
            if server:
                server.shutdown()
                server.server_close()

    @property
    def download_url(self) -> str:
        assert self._download_server is not None
        return f"https://127.0.0.1:{self._download_server.server_port}"

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

    def add_user(self, mail: str, upn: str | None = None, manager: str | None = None) -> str:
        """A directory user (mail and userPrincipalName may differ); `manager` is a user id."""
        user_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, mail.lower()))
        with self._lock:
            self.users[user_id] = {
                "id": user_id,
                "mail": mail,
                "userPrincipalName": upn or mail,
                "displayName": mail.split("@")[0],
            }
            if manager:
                self.managers[user_id] = manager
        return user_id

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
            # App-only, the opt-in the tests and benches take for brevity (no device-code sign-in).
            "CXHUB_AUTH_MODE": "app",
            # The small local files a Graph-backed run still keeps (state, .eml outbox, job lock) default to
            # the working directory; a test must never write into the checkout.
            "CXHUB_STATE_PATH": str(self.root / "hub.state.json"),
            "CXHUB_OUTBOX": str(self.root / "outbox"),
            # The job lock file sits beside the (local) hub path, which also defaults to the cwd.
            "CXHUB_HUB": str(self.root / "hub.xlsx"),
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
    def _handle(self, h: BaseHTTPRequestHandler, method: str, role: str = "graph") -> None:
        url = urlsplit(h.path)
        path = unquote(url.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        status, body, fault = 500, None, None
        headers: dict[str, str] = {}
        workbook = None
        try:
            with self._lock:
                fault_rule = next((f for f in self.faults if f.matches(method, path, self._rng)), None)
                if fault_rule is not None and fault_rule.times is not None:
                    fault_rule.times -= 1
            # Held from before any injected latency: a request still being served is in flight.
            workbook = _WORKBOOK_ITEM.search(path)
            concurrent = bool(workbook) and not self._enter_workbook(workbook[1])
            if fault_rule is not None and fault_rule.kind == "latency":
                if not concurrent:
                    time.sleep(fault_rule.delay)
                fault_rule = None
            if concurrent:
                # Microsoft: one request at a time per workbook; concurrent ones get throttled.
                fault = "concurrent"
                status, headers = 429, {"Retry-After": "1"}
                body = _error(
                    "tooManyRequests", "Concurrent requests on one workbook", "tooManyRequestsUncategorized"
                )
                workbook = None
            elif fault_rule is not None and fault_rule.kind in ("429", "503", "lock", "403", "error"):
                fault = fault_rule.kind
                status, body, headers = self._fault_response(fault_rule)
            else:
                status, body, headers, fault = self._answer(h, method, path, query, raw, role, fault_rule)
        except Exception as e:  # a bug in the fake: make it loud in the test output
            status, body = 500, _error("internalServerError", f"fake Graph: {type(e).__name__}: {e}")
        finally:
            if workbook:
                self._leave_workbook(workbook[1])
        response = body if isinstance(body, dict | list) else None
        # Recorded before the answer goes out: once a client has its answer, the request is in the log.
        record = Recorded(method, path, status, fault, _maybe_json(raw), query, response)
        self.requests.append(record)
        record.response_bytes = self._send(h, status, body, headers)

    def _answer(
        self, h: BaseHTTPRequestHandler, method: str, path: str, query, raw: bytes, role: str, rule
    ) -> tuple[int, Any, dict[str, str], str | None]:
        """The route's answer (status, body, headers, fault applied), under the lock, with the faults
        that act around a real answer: sessions expired before it, a 504 after it was applied."""
        fault = None
        with self._lock:
            if rule is not None and rule.kind == "session_expired":
                fault = "session_expired"
                self.sessions.clear()  # as if every session idled out: the call answers 404
            if (role == "download") != path.startswith("/download/"):
                status, body, headers = 404, _error("itemNotFound", f"Not on this host: {path}"), {}
            else:
                status, body, headers = self._route(method, path, query, raw, h.headers)
            if rule is not None and rule.kind == "504_after" and status < 300:
                fault = "504_after"  # applied, but the caller never hears so
                status, body, headers = 504, _error("gatewayTimeout", "Gateway timeout"), {}
        return status, body, headers, fault

    def _enter_workbook(self, item_id: str) -> bool:
        with self._lock:
            if self._in_flight.get(item_id):
                return False
            self._in_flight[item_id] = 1
            return True

    def _leave_workbook(self, item_id: str) -> None:
        with self._lock:
            self._in_flight.pop(item_id, None)

    def _fault_response(self, rule: Fault) -> tuple[int, Any, dict[str, str]]:
        if rule.kind == "error":
            throttled = rule.status in (429, 503) or rule.status >= 500
            return (
                rule.status,
                _error_chain(rule.codes, "Injected failure") if rule.codes else None,
                {"Retry-After": str(rule.retry_after)} if throttled else {},
            )
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

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> int:
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
        return len(data)

    def _route(self, method: str, path: str, query: dict[str, str], raw: bytes, headers) -> tuple:
        tenant = re.escape(self.tenant)
        for pattern, verb, handler in self._routes():
            m = re.fullmatch(pattern.replace("{tenant}", tenant), path)
            if m and verb == method:
                if path.startswith("/v1.0"):
                    denied = self._check_token(headers) or self._app_only_refused(path, headers)
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
            (r"/v1.0/sites/(?P<site>[^/]+)/permissions/(?P<id>[^/]+)", "GET", self._site_permission),
            (r"/v1.0/sites/(?P<site>[^/]+)/permissions/(?P<id>[^/]+)", "PATCH", self._site_permission_patch),
            (r"/v1.0/drives/[^/]+/root:/(?P<path>.+?):?", "GET", self._item_by_path),
            (item, "GET", self._item_get),
            (item, "PATCH", self._item_patch),
            (item + "/content", "GET", self._content_get),
            (item + "/content", "PUT", self._content_put),
            (item + r":/(?P<name>[^:]+):/content", "PUT", self._content_put_child),
            (item + r":/(?P<name>[^:/]+):?", "GET", self._child_by_name),
            (item + r":/(?P<name>[^:]+):/createUploadSession", "POST", self._create_upload_session),
            (r"/upload/(?P<token>[^/]+)", "PUT", self._upload_fragment),
            (item + "/children", "GET", self._children),
            (item + "/children", "POST", self._create_folder),
            (wb + "/createSession", "POST", self._create_session),
            (wb + "/refreshSession", "POST", self._refresh_session),
            (wb + "/closeSession", "POST", self._close_session),
            (wb + r"/tables", "GET", self._tables_list),
            # What `cxhub upgrade-hub` adds to an older hub (tests/fakegraph/workbook_schema.py).
            (wb + r"/worksheets", "GET", self._worksheets_list),
            (wb + r"/worksheets/add", "POST", self._worksheet_add),
            (wb + r"/worksheets/(?P<sheet>[^/]+)/tables", "GET", self._worksheet_tables),
            (wb + r"/tables/add", "POST", self._table_add),
            (wb + r"/tables/(?P<table>[^/]+)", "PATCH", self._table_patch),
            (wb + r"/tables/(?P<table>[^/]+)/columns/add", "POST", self._column_add),
            (wb + r"/names", "GET", self._names_list),
            (wb + r"/names/add", "POST", self._name_add),
            (
                wb + r"/worksheets/(?P<sheet>[^/]+)/range\(address='(?P<address>[^']+)'\)/format",
                "PATCH",
                self._range_format_patch,
            ),
            (
                wb + r"/worksheets/(?P<sheet>[^/]+)/range\(address='(?P<address>[^']+)'\)/format/protection",
                "PATCH",
                self._cell_protection_patch,
            ),
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
            (wb + r"/worksheets/(?P<sheet>[^/]+)/protection", "GET", self._protection_get),
            (wb + r"/worksheets/(?P<sheet>[^/]+)/protection/protect", "POST", self._protect),
            (wb + r"/worksheets/(?P<sheet>[^/]+)/protection/unprotect", "POST", self._unprotect),
            (r"/v1.0/users/(?P<user>[^/]+)/sendMail", "POST", self._send_mail),
            (r"/v1.0/users/(?P<user>[^/]+)/manager", "GET", self._manager),
            (r"/v1.0/users", "GET", self._users),
            (r"/v1.0/\$batch", "POST", self._batch),
        ]
