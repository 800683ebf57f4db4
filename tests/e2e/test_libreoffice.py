"""The demo hub opens in a real LibreOffice: every tab a table, dropdowns fed from the Lists tab."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cxhub.demo import run_demo
from hub_schema import LISTS, TABS

pytestmark = pytest.mark.slow  # starts a real LibreOffice on the demo hub

PROBE = Path(__file__).parents[1] / "tools" / "libreoffice_probe.py"
UNO_PYTHON = "/usr/bin/python3"  # Debian's Python, where python3-uno installs the bridge


def _libreoffice_ready() -> bool:
    if not shutil.which("soffice") or not Path(UNO_PYTHON).exists():
        return False
    return subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def seen_by_libreoffice(tmp_path_factory) -> dict:
    if not _libreoffice_ready():
        if os.environ.get("CXHUB_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(
                "LibreOffice with python3-uno is required here (apt-get install libreoffice-calc-nogui)"
            )
        pytest.skip("LibreOffice with python3-uno is not installed")
    directory = tmp_path_factory.mktemp("lo") / "demo"
    run_demo(directory, count=60)
    out = subprocess.run(
        [UNO_PYTHON, str(PROBE), str(directory / "hub.xlsx")],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return json.loads(out.stdout)


def test_libreoffice_opens_the_demo_hub_with_every_tab(seen_by_libreoffice):
    """LibreOffice opens the demo hub and sees every tab, in order, plus Lists."""
    assert seen_by_libreoffice["opened"]
    assert seen_by_libreoffice["sheets"] == [*(t.name for t in TABS), "Lists"]


def test_every_tab_is_a_table_in_libreoffice(seen_by_libreoffice):
    """LibreOffice sees each tab's data as a table (database range) spanning all its columns."""
    ranges = seen_by_libreoffice["database_ranges"]
    for t in TABS:
        assert ranges[t.table_name] == {"sheet": t.name, "columns": len(t.columns)}


def test_dropdowns_work_on_rows_below_the_data(seen_by_libreoffice):
    """In LibreOffice every list column has a dropdown, below the data too, offering exactly the hub list's
    values."""
    validations = seen_by_libreoffice["validations"]
    for t in TABS:
        for column in t.columns:
            if column.enum:
                formula = validations[t.name][column.name]
                assert seen_by_libreoffice["lists"][formula] == list(LISTS[column.enum])
