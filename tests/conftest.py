from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from hub_schema.template import build_template
from local.journal_queue import JournalQueue
from local.xlsx_store import XlsxHubStore
from tests.strategies import FAST_EXAMPLES, FULL_EXAMPLES

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# Azurite's well-known development account (public, documented by Microsoft; not a secret).
_DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


# Folders whose every test is end to end: a real Chromium (browser/), or whole cxhub processes,
# servers and kill -9 (e2e/). Seconds each, whatever the test; they run in the full loop.
END_TO_END_FOLDERS = ("browser", "e2e")


# Hypothesis profiles: "full" draws every example a property test asks for (tests/strategies.py
# examples(N)); "fast" a fifth of them, for the inner loop. Choose with --hypothesis-profile or
# HYPOTHESIS_PROFILE; otherwise a run that deselects the slow tests is the fast loop, and any
# other run (the README's `python -m pytest`, CI) is full.
settings.register_profile(
    "full", max_examples=FULL_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fast", settings.get_profile("full"), max_examples=FAST_EXAMPLES)


def _fast_loop(config: pytest.Config) -> bool:
    """The run deselects every slow test: its marker expression is `not slow`, alone or and-ed
    with other terms (an `or` could select some back, so such a run is not taken for the fast loop)."""
    markexpr = " ".join(str(config.getoption("markexpr", "") or "").split())
    return "not slow" in markexpr.split(" and ") and " or " not in f" {markexpr} "


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--hypothesis-profile", None):
        return  # Hypothesis's own plugin loads it
    fast = _fast_loop(config)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("fast" if fast else "full"))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The fast loop does not even import the end-to-end folders (Playwright, subprocess helpers):
    every test there is slow, so `-m "not slow"` would deselect them all after paying ~2 CPU-s to
    collect them. Any other run collects them as usual."""
    if collection_path.parent == TESTS and collection_path.name in END_TO_END_FOLDERS and _fast_loop(config):
        return True
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs Azurite is slow by definition (the emulator alone takes seconds to start), so
    `-m "not slow"` never starts it; so is every test in an end-to-end folder."""
    for item in items:
        folder = Path(str(item.path)).resolve().relative_to(TESTS).parts[0]
        if item.get_closest_marker("azurite") or folder in END_TO_END_FOLDERS:
            item.add_marker(pytest.mark.slow)


# What a test run may leave at the top of the checkout: caches and the tools' own files.
_RUN_LEFTOVERS = {".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache", "__pycache__"}


@pytest.fixture(scope="session", autouse=True)
def _the_checkout_stays_clean() -> Iterator[None]:
    """A test that writes a hub, state file or outbox into the working directory would leave it in
    the checkout (and once in git): the run fails if anything new appears at the top of the repo."""
    before = set(os.listdir(ROOT))
    yield
    new = set(os.listdir(ROOT)) - before - _RUN_LEFTOVERS
    assert not new, f"the tests wrote into the checkout: {sorted(new)}"


@pytest.fixture(scope="session")
def blank_hub(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A blank hub as build_template writes it, built once per session: a test copies these bytes
    into its own folder (building one costs ~0.15 CPU-s, and some hundred tests need one)."""
    return build_template(tmp_path_factory.mktemp("blank-hub") / "hub.xlsx").read_bytes()


@pytest.fixture
def hub_path(tmp_path: Path, blank_hub: bytes) -> Path:
    path = tmp_path / "hub.xlsx"
    path.write_bytes(blank_hub)
    return path


@pytest.fixture
def store(hub_path: Path) -> XlsxHubStore:
    return XlsxHubStore(hub_path, lock_timeout=2)


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[JournalQueue]:
    q = JournalQueue(tmp_path / "queue.sqlite")
    yield q
    q.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _azurite_binary() -> str | None:
    local = ROOT / "node_modules" / ".bin" / "azurite"
    if local.exists():
        return str(local)
    return shutil.which("azurite")


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Azurite queue service on 127.0.0.1, started for this test session."""
    binary = _azurite_binary()
    if binary is None:
        if os.environ.get("CXHUB_REQUIRE_AZURITE") == "1":
            pytest.fail("Azurite is required here but not installed: npm install --no-save azurite@3")
        pytest.skip("Azurite not installed (npm install --no-save azurite@3)")
    port, blob_port, table_port = _free_port(), _free_port(), _free_port()
    workdir = tmp_path_factory.mktemp("azurite")
    # All three services, as an admin's local emulator would run (queues and state blobs are used).
    args = ["--silent", "--disableTelemetry", "--inMemoryPersistence", "--skipApiVersionCheck"]
    for service, number in (("queue", port), ("blob", blob_port), ("table", table_port)):
        args += [f"--{service}Host", "127.0.0.1", f"--{service}Port", str(number)]
    proc = subprocess.Popen([binary, *args], cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"Azurite exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("Azurite did not start within 30 s")
    yield (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={_DEV_KEY};QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
        f"BlobEndpoint=http://127.0.0.1:{blob_port}/devstoreaccount1;"
    )
    proc.terminate()
    proc.wait(timeout=10)
