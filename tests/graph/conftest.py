from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cxhub import wiring
from cxhub.settings import Settings
from graph.workbook_store import GraphHubStore
from tests.fakegraph import FakeGraph
from tests.graph import conformance


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGraph]:
    graph = FakeGraph(tmp_path / "fake-graph")
    graph.start()
    yield graph
    graph.stop()


@pytest.fixture
def hub_item(fake: FakeGraph, blank_hub: bytes) -> str:
    return fake.add_file("CX Hub.xlsx", blank_hub)


def graph_env(fake: FakeGraph, item_id: str, **extra: str) -> dict[str, str]:
    return fake.settings_env(item_id, **extra)


@pytest.fixture
def settings(fake: FakeGraph, hub_item: str) -> Settings:
    return Settings.from_env(graph_env(fake, hub_item))


@pytest.fixture
def waits() -> list[float]:
    """The waits the Graph client would have slept (Retry-After is honoured, not waited out)."""
    return []


@pytest.fixture
def graph_store(settings: Settings, waits: list[float]) -> Iterator[GraphHubStore]:
    store = wiring.build_store(settings, wiring.build_graph_client(settings, sleep=waits.append))
    assert isinstance(store, GraphHubStore)
    yield store
    store.close()
    store.client.close()


@pytest.fixture(autouse=True)
def _requests_match_microsofts_description(request):
    """After each Graph test: every request the product sent to the fake, and every answer the fake
    gave, checked against Graph v1.0's published description (tests/graph/conformance.py)."""
    yield
    fake = request.node.funcargs.get("fake")
    if isinstance(fake, FakeGraph):
        problems = conformance.check_recorded(fake.requests)
        assert not problems, "requests or answers not as Graph v1.0 describes them:\n" + "\n".join(problems)


def pytest_terminal_summary(terminalreporter):
    checked = conformance.CHECKED
    if checked["requests"]:
        terminalreporter.write_line(
            f"Graph v1.0 description: {checked['requests']} requests and "
            f"{checked['responses']} answers checked"
        )
