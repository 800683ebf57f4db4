"""`cxhub serve` under hostile headers and a burst of concurrent clients, over real sockets."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cxhub.local_intake import build_server
from tests.factories import body, raw


@pytest.fixture
def server(queue):
    srv = build_server(queue, 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def raw_request(port: int, head: bytes, body: bytes = b"", *, timeout: float = 5.0) -> tuple:
    """Send bytes as they are (no client library to fix the headers) and read the reply."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head + body)
        reply = b""
        while b"\r\n\r\n" not in reply or len(reply.split(b"\r\n\r\n", 1)[1]) < _length(reply):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    return status, json.loads(reply.split(b"\r\n\r\n", 1)[1] or b"{}"), time.monotonic() - started


def _length(reply: bytes) -> int:
    for line in reply.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def head(length: str) -> bytes:
    return (
        "POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def test_a_negative_content_length_is_refused_at_once_without_reading_the_body(server, queue):
    """Content-Length: -1 gets a 400 straight away (it used to buffer the body until the client hung up)."""
    status, reply, seconds = raw_request(server.server_port, head("-1"), b"x" * 100_000)
    assert status == 400 and "Content-Length" in reply["message"] and seconds < 2
    assert queue.depth() == 0


def test_a_content_length_that_is_not_a_number_gets_a_400_not_a_dropped_connection(server, queue):
    """Content-Length: abc is answered with a 400 naming the header."""
    status, reply, _ = raw_request(server.server_port, head("abc"), raw(body()))
    assert status == 400 and "'abc'" in reply["message"] and queue.depth() == 0


def test_an_oversized_declared_body_gets_a_413_at_once(server, queue):
    """A declared 200 MiB body is refused before any of it is read."""
    status, _, seconds = raw_request(server.server_port, head(str(200 * 2**20)), b"{}")
    assert status == 413 and seconds < 2 and queue.depth() == 0


def test_twenty_concurrent_clients_get_every_request_answered(server, queue):
    """20 clients x 40 requests at once: every connection is answered 202, none reset, all queued."""
    port = server.server_port
    payloads = [raw(body()) for _ in range(800)]

    def post(data: bytes) -> int | str:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/api/submissions", data, {"Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError as e:  # a reset or refused connection: what this test is about
            return type(e).__name__

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(post, payloads))
    failures = [r for r in results if r != 202]
    assert failures == [] and queue.depth() == 800
