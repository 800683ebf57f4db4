"""The environment every CLI test starts from: no hub, queue or secret settings, a fresh folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    for name in (
        "CXHUB_HUB",
        "CXHUB_QUEUE",
        "CXHUB_QUEUE_PATH",
        "CXHUB_INTAKE_SECRET",
        "FUNCTIONS_WORKER_RUNTIME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
