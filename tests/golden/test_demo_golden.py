"""The restructure guard: `cxhub demo` with a fixed seed and clock gives the same hub and mail.

The recorded run (`demo.json`) holds every table of the hub, each mail's subject and recipients, and
the Health row. Regenerate it only for an intended behaviour change:
`CXHUB_GOLDEN_UPDATE=1 python -m pytest tests/golden`.
"""

from __future__ import annotations

import email
import json
import os
from datetime import UTC, date, datetime, time
from email import policy
from pathlib import Path

import pytest

from cxhub import demo as demo_module
from cxhub import wiring
from hub_schema.tabs import TABS
from local.xlsx_store import XlsxHubStore
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)

GOLDEN = Path(__file__).with_name("demo.json")
FIXED_NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
# Measured on the machine, not decided by the rules: they differ run to run.
MEASURED = {"Health": {"File MB", "Open Seconds", "Notes"}}

pytestmark = pytest.mark.slow


def _plain(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def snapshot(folder: Path) -> dict:
    store = XlsxHubStore(folder / "hub.xlsx")
    tables = store.read_tables([t.name for t in TABS])
    hub = {
        name: [{k: _plain(v) for k, v in row.items() if k not in MEASURED.get(name, set())} for row in rows]
        for name, rows in tables.items()
    }
    mails = []
    for path in sorted((folder / "outbox").glob("*.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        mails.append({"subject": str(mail["Subject"]), "to": str(mail["To"]), "cc": str(mail["Cc"] or "")})
    mails.sort(key=lambda m: (m["subject"], m["to"]))
    return {"hub": hub, "mail": mails}


def test_the_demo_with_a_fixed_seed_and_clock_gives_the_recorded_hub_and_mail(tmp_path, monkeypatch):
    """Every table, every mail's subject and recipients, and the Health row match the recorded run."""
    monkeypatch.setattr(wiring, "clock", lambda: FIXED_NOW)
    folder = tmp_path / "demo"
    assert demo_module.run_demo(folder, count=120, seed=65, outgrown=True) == 0
    got = json.loads(json.dumps(snapshot(folder), default=str))
    if os.environ.get("CXHUB_GOLDEN_UPDATE") == "1":
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    want = json.loads(GOLDEN.read_text())
    assert sorted(got["hub"]) == sorted(want["hub"])
    for name in want["hub"]:
        assert got["hub"][name] == want["hub"][name], f"the {name} tab differs from the recorded demo"
    assert got["mail"] == want["mail"]
