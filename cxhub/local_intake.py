"""The intake HTTP contract on a laptop: POST /api/submissions answered by the intake use case
(hub.intake.receive, through cxhub.wiring), with the configured queue behind it. No Functions SDK."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cxhub import wiring
from cxhub.settings import Settings
from hub.intake.receive import MAX_BODY_BYTES, SIGNATURE_HEADER, sign
from hub.ports import Queue
from hub.web.http import WebRequest, WebResponse

log = logging.getLogger(__name__)
ROUTE = "/api/submissions"


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


def call_intake(
    queue: Queue,
    raw: bytes,
    *,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
    settings: Settings | None = None,
) -> Reply:
    """One body through intake as POST /api/submissions takes it: the message is durably queued
    before the reply. `secret` signs the body; the secret checked is the settings' (default: the
    environment's), as in Azure."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if secret and SIGNATURE_HEADER.lower() not in headers:
        headers[SIGNATURE_HEADER.lower()] = sign(raw, secret)
    reply = wiring.receive_submission(
        settings or Settings.from_env(), raw, headers.get(SIGNATURE_HEADER.lower())
    )
    if reply.message is not None:
        queue.put(reply.message)
    log.info("intake %s", json.dumps(reply.log))
    return Reply(reply.status, reply.body)


Pages = Callable[[WebRequest], WebResponse]


def build_server(
    queue: Queue, port: int, settings: Settings | None = None, pages: Pages | None = None
) -> IntakeServer:
    """An HTTP server on 127.0.0.1 that answers POST /api/submissions through intake and, given
    `pages`, the server-rendered pages (cxhub/pages.py) for everything else."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._page()

        def do_POST(self) -> None:
            if self.path.split("?")[0] != ROUTE:
                return self._page()
            declared = (self.headers.get("Content-Length") or "0").strip()
            # Digits only: int() would take "-1" (and read(-1) buffers until the client hangs up)
            # or raise on "abc" and drop the connection with a traceback.
            if not (declared.isascii() and declared.isdigit()):
                self.close_connection = True
                message = f"Content-Length must be a number of bytes, not {declared[:40]!r}"
                return self._reply(400, {"status": "error", "message": message})
            length = int(declared)
            if length > MAX_BODY_BYTES:
                self.close_connection = True  # the unread body must not be taken for a next request
                return self._reply(413, {"status": "error", "message": "The body is over 64 KiB"})
            raw = self.rfile.read(length)
            reply = call_intake(queue, raw, headers=dict(self.headers.items()), settings=settings)
            self._reply(reply.status, reply.body)

        def _page(self) -> None:
            if pages is None:
                return self._reply(404, {"status": "error", "message": f"POST to {ROUTE}"})
            length = int(self.headers.get("Content-Length") or 0)
            path, _, query = self.path.partition("?")
            request = WebRequest.build(
                self.command,
                path,
                query=query,
                headers=dict(self.headers.items()),
                body=self.rfile.read(min(length, MAX_BODY_BYTES)),
            )
            page = pages(request)
            data = page.body_bytes()
            self.send_response(page.status)
            for name, value in page.all_headers().items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.command, args[1] if len(args) > 1 else "")

    return IntakeServer(("127.0.0.1", port), Handler)


class IntakeServer(ThreadingHTTPServer):
    """A thread per connection; a listen backlog for a burst of clients (socketserver's default
    of 5 reset a few connections per thousand at 20 concurrent clients)."""

    request_queue_size = 128
    daemon_threads = True
    block_on_close = False


def serve(
    queue: Queue,
    drain_once: Callable[[], None],
    *,
    port: int,
    interval: float = 2.0,
    settings: Settings | None = None,
    pages: Pages | None = None,
) -> None:
    """Serve the intake route (and the pages) and run the writer every `interval` seconds until Ctrl-C."""
    stop = threading.Event()

    def writer_loop() -> None:
        while not stop.wait(interval):
            try:
                drain_once()
            except Exception:
                log.exception("writer run failed; the queue keeps the submissions")

    server = build_server(queue, port, settings, pages)
    thread = threading.Thread(target=writer_loop, daemon=True)
    thread.start()
    print(f"CX Hub intake listening on http://127.0.0.1:{server.server_port}{ROUTE} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        thread.join(timeout=interval + 1)
        drain_once()
