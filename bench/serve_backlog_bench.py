"""Connection resets at the local server: 20 clients at once, many requests each, against `cxhub serve`.

    python bench/serve_backlog_bench.py [--clients 20] [--requests 250] [--backlog 128]

Starts `cxhub serve` on a blank hub in a temporary folder (its writer runs every 2 s as usual), then
`--clients` threads each POST `--requests` submissions, a new connection per request (the hardest
case for the listen backlog). Prints one JSON line: answered, resets (connection reset, refused or
closed before an answer), other errors, and the requests per second. `--backlog` replaces the
server's listen backlog (128 as shipped; socketserver's default of 5 is the before figure).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAUNCH = """
import sys
import cxhub.local_intake as local_intake
local_intake.IntakeServer.request_queue_size = int(sys.argv[1])
from cxhub.cli import main
sys.exit(main(sys.argv[2:]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds a process has used so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(port: int, bodies: list[bytes], tally: Counter, lock: threading.Lock) -> None:
    for body in bodies:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/api/submissions", body, {"Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            outcome = f"http {status}"
        except (
            ConnectionResetError,
            ConnectionRefusedError,
            BrokenPipeError,
            http.client.RemoteDisconnected,
        ):
            outcome = "reset"
        except OSError as e:
            outcome = f"error {type(e).__name__}"
        with lock:
            tally[outcome] += 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=250)
    parser.add_argument("--backlog", type=int, default=128)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from cxhub.sample_data import generate

    samples = generate(200, datetime.now(UTC), seed=3, bad_share=0.1, repeat_share=0.1).bodies
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            **os.environ,
            "CXHUB_STATE_PATH": str(Path(tmp) / "state.json"),
            "CXHUB_QUEUE_PATH": str(Path(tmp) / "queue.sqlite"),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                LAUNCH,
                str(args.backlog),
                "serve",
                "--hub",
                str(Path(tmp) / "hub.xlsx"),
                "--port",
                str(port),
            ],
            cwd=tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert server.stdout is not None
            for line in server.stdout:
                if "listening" in line:
                    break
            tally: Counter = Counter()
            lock = threading.Lock()
            threads = [
                threading.Thread(
                    target=client,
                    args=(
                        port,
                        [samples[(c * args.requests + i) % len(samples)] for i in range(args.requests)],
                        tally,
                        lock,
                    ),
                )
                for c in range(args.clients)
            ]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - started
            server_cpu = cpu_seconds(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    total = args.clients * args.requests
    answered = sum(n for k, n in tally.items() if k.startswith("http"))
    print(
        json.dumps(
            {
                "bench": "serve_resets",
                "backlog": args.backlog,
                "clients": args.clients,
                "requests": total,
                "answered": answered,
                "resets": tally["reset"],
                "resets_per_1000": round(1000 * tally["reset"] / total, 2),
                "outcomes": dict(tally),
                "seconds": round(seconds, 1),
                "server_cpu_seconds": server_cpu,
                "requests_per_s": round(total / seconds, 1),
                "load_average": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
