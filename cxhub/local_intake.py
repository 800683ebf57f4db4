"""Run the Azure intake function locally: same code, with the local queue behind its output binding."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import azure.functions as func

from hub.intake.receive import MAX_BODY_BYTES, SIGNATURE_HEADER, sign
from hub.ports import Queue

log = logging.getLogger("cxhub.serve")
ROUTE = "/api/submissions"


class QueueOut(func.Out):
    """The queue output binding, backed by a Queue port: set() returns once the message is stored."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue
        self._value: str | None = None

    def set(self, val: str) -> None:
        self._queue.put(json.loads(val))
        self._value = val

    def get(self) -> str | None:
        return self._value


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


def intake_function() -> Callable[[func.HttpRequest, func.Out[str]], func.HttpResponse]:
    from functions.intake import submissions

    return submissions  # FunctionBuilder is callable with the function's own arguments


def call_intake(
    queue: Queue, raw: bytes, *, secret: str | None = None, headers: dict[str, str] | None = None
) -> Reply:
    """POST one body to the intake function exactly as the Functions host would."""
    headers = dict(headers or {})
    if secret and SIGNATURE_HEADER not in headers:
        headers[SIGNATURE_HEADER] = sign(raw, secret)
    req = func.HttpRequest(method="POST", url=f"http://127.0.0.1{ROUTE}", headers=headers, body=raw)
    resp = intake_function()(req, QueueOut(queue))
    return Reply(resp.status_code, json.loads(resp.get_body() or b"{}"))


def build_server(queue: Queue, port: int) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 that runs the intake function for POST /api/submissions."""
    function = intake_function()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path.split("?")[0] != ROUTE:
                return self._reply(404, {"status": "error", "message": f"POST to {ROUTE}"})
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                return self._reply(413, {"status": "error", "message": "The body is over 64 KiB"})
            raw = self.rfile.read(length)
            req = func.HttpRequest(method="POST", url=ROUTE, headers=dict(self.headers.items()), body=raw)
            resp = function(req, QueueOut(queue))
            self._reply(resp.status_code, json.loads(resp.get_body() or b"{}"))

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.command, args[1] if len(args) > 1 else "")

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def serve(queue: Queue, drain_once: Callable[[], None], *, port: int, interval: float = 2.0) -> None:
    """Serve the intake route and run the writer every `interval` seconds until Ctrl-C."""
    stop = threading.Event()

    def writer_loop() -> None:
        while not stop.wait(interval):
            try:
                drain_once()
            except Exception:
                log.exception("writer run failed; the queue keeps the submissions")

    server = build_server(queue, port)
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
