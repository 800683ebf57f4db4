"""An older hub after `cxhub upgrade-hub`, opened in a real LibreOffice: every tab and table there,
the new columns with their dropdowns, the old dropdowns offering the new values."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cxhub.cli import main
from hub_schema import LISTS, TABS
from tests.e2e.test_libreoffice import PROBE, UNO_PYTHON, _libreoffice_ready

pytestmark = pytest.mark.slow  # starts a real LibreOffice

OLDEST = Path(__file__).parents[1] / "data" / "old_hubs" / "hub-d6e9527.xlsx"


def test_libreoffice_opens_the_upgraded_first_hub_with_every_table_and_dropdown(tmp_path, capsys):
    """The first hub CX Hub made, upgraded, opens in LibreOffice with every tab in the template's
    order, each table spanning its columns, and dropdowns on old and new columns alike offering every
    value of today's lists (new values after the old ones)."""
    if not _libreoffice_ready():
        if os.environ.get("CXHUB_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice with python3-uno is required here")
        pytest.skip("LibreOffice with python3-uno is not installed")
    hub = tmp_path / "hub.xlsx"
    shutil.copy(OLDEST, hub)
    assert main(["upgrade-hub", "--hub", str(hub)]) == 0
    capsys.readouterr()
    out = subprocess.run(
        [UNO_PYTHON, str(PROBE), str(hub)], capture_output=True, text=True, timeout=180, check=True
    )
    seen = json.loads(out.stdout)
    assert seen["opened"] and seen["sheets"] == [*(t.name for t in TABS), "Lists"]
    for t in TABS:
        assert seen["database_ranges"][t.table_name] == {"sheet": t.name, "columns": len(t.columns)}
    validations = seen["validations"]
    assert validations["Interactions"]["Branch"] == "ListBranches"  # a column the upgrade added
    assert validations["Interactions"]["Channel"] == "ListChannels"  # one the first hub had
    assert seen["lists"]["ListBranches"] == list(LISTS["Branches"])
    # The first hub's channels keep their order; the new ones follow them (nothing is reordered).
    channels = seen["lists"]["ListChannels"]
    assert sorted(channels) == sorted(LISTS["Channels"])
    assert channels[-2:] == ["Hotline / Call centre", "SMS"]
