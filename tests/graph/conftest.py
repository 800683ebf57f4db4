from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cxhub import wiring
from cxhub.settings import Settings
from graph.workbook_store import GraphHubStore
from hub_schema.template import build_template
from tests.fakegraph import FakeGraph


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGraph]:
    graph = FakeGraph(tmp_path / "fake-graph")
    graph.start()
    yield graph
    graph.stop()


@pytest.fixture
def hub_item(fake: FakeGraph, tmp_path: Path) -> str:
    template = build_template(tmp_path / "template.xlsx")
    return fake.add_file("CX Hub.xlsx", template.read_bytes())


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
