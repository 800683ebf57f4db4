"""A fake Microsoft Graph server for tests and manual runs (python -m tests.fakegraph)."""

from tests.fakegraph.server import FakeGraph, Fault

__all__ = ["FakeGraph", "Fault"]
