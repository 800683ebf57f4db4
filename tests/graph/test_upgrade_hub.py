"""`cxhub upgrade-hub` on SharePoint, through the fake Graph's workbook API (real HTTPS, every
request checked against Graph v1.0's description): a hub made and filled by an older CX Hub gains
what this version needs without a row moving, the Graph writer then takes submissions, and an
upgrade cut off by throttling is completed by running it again."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from cxhub.cli import main
from hub_schema.lists import LISTS
from hub_schema.tabs import PROTECTED_TABS, TABS, tab
from tests.factories import body
from tests.fakegraph import FakeGraph, Fault
from tests.graph.conftest import graph_env
from tests.old_hubs import OLD_HUBS, table_grids

OLD_HUB = next(p for p in OLD_HUBS if p.stem == "hub-26a6076")
EXIT_NOT_WRITTEN = 3
pytestmark = pytest.mark.slow  # whole upgrades (hundreds of workbook calls) over the fake Graph


@pytest.fixture
def old_item(fake: FakeGraph) -> str:
    return fake.add_file("CX Hub.xlsx", OLD_HUB.read_bytes())


@pytest.fixture
def env(fake, old_item, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the downloaded backup lands here
    for name, value in graph_env(fake, old_item).items():
        monkeypatch.setenv(name, value)
    for name in ("CXHUB_QUEUE", "CXHUB_HUB", "FUNCTIONS_WORKER_RUNTIME"):
        monkeypatch.delenv(name, raising=False)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_upgraded(fake: FakeGraph, item: str) -> None:
    """Every tab's table with every schema column; old rows and columns where they were."""
    book = fake.workbook(item)
    now, before = table_grids(book), table_grids(load_workbook(OLD_HUB))
    for t in TABS:
        assert t.table_name in book[t.name].tables, t.name
        assert set(t.column_names) <= set(now[t.name][0]), t.name
    assert set(LISTS) <= set(now["Lists"][0])
    for name, (header, rows) in before.items():
        assert now[name][0][: len(header)] == header, name
        if name != "Lists":
            assert [r[: len(header)] for r in now[name][1]] == rows, name
    assert all(book[name].protection.sheet for name in PROTECTED_TABS)


def test_an_older_sharepoint_hub_is_upgraded_and_the_writer_then_takes_submissions(
    env, capsys, fake, old_item, tmp_path
):
    """The upgrade adds the Campaigns tab, the missing columns at each table's end (as wide as the
    template makes them), the new lists and their dropdown names, and protects the machine tabs; it
    names what only Excel can do (dropdowns on new columns, fixed dropdown names), keeps a downloaded
    backup, and the Graph writer then records a submission with the new answers. A second run
    changes nothing."""
    code, out, _ = run(capsys, "upgrade-hub", "--dry-run")
    assert code == 0 and "Would upgrade" in out and fake.count("POST", r"/columns/add$") == 0
    code, out, err = run(capsys, "upgrade-hub")
    assert code == 0, err
    assert "added the 'Campaigns' tab" in out and "Left for you to do in Excel" in out
    assert "column 'Branch': Data > Data Validation > List, source =ListBranches" in out
    assert "Name Manager: let ListChannels refer to =OFFSET(" in out
    [backup] = tmp_path.glob("hub-before-upgrade-*.xlsx")
    assert backup.read_bytes() == OLD_HUB.read_bytes()
    assert_upgraded(fake, old_item)
    names = fake.workbook(old_item).defined_names
    assert "COUNTA(Lists[Branches])" in names["ListBranches"].attr_text
    book = fake.workbook(old_item)
    for name, column in (("Campaigns", "Campaign Name"), ("Interactions", "Branch")):
        letter = get_column_letter(table_grids(book)[name][0].index(column) + 1)
        wanted = tab(name).by_name[column].display_width
        assert book[name].column_dimensions[letter].width == pytest.approx(wanted, abs=0.05), name
    rejected = fake.workbook(old_item)["Rejected"]
    resolved = next(c.column for c in rejected[1] if c.value == "Resolved")
    assert all(not rejected.cell(r, resolved).protection.locked for r in range(2, rejected.max_row + 1))

    (tmp_path / "one.json").write_text(json.dumps(body({"branch": "Ikeja", "lead_source": "Hotline"})))
    code, out, _ = run(capsys, "submit", tmp_path / "one.json")
    assert code == 0 and "accepted" in out
    interactions = table_grids(fake.workbook(old_item))["Interactions"]
    header = interactions[0]
    assert [r[header.index("Branch")] for r in interactions[1] if r[header.index("Branch")]] == ["Ikeja"]

    adds = fake.count("POST", r"/add$")
    code, out, _ = run(capsys, "upgrade-hub")
    assert code == 0 and "nothing to do" in out and fake.count("POST", r"/add$") == adds


@pytest.mark.parametrize("where", [r"/tables/[^/]+/columns/add$", r"/workbook/tables/add$"])
def test_an_upgrade_cut_off_by_throttling_is_finished_by_running_it_again(env, capsys, fake, old_item, where):
    """Graph answering 503 (after the client's own retries) part-way through — while adding a column,
    or between adding the Campaigns sheet and its table — stops the run saying to run it again; the
    second run finishes the hub exactly as one clean run would, with no column added twice."""
    fake.faults.append(Fault("503", method="POST", path=where, times=6, retry_after=0))
    code, _, err = run(capsys, "upgrade-hub")
    assert code == EXIT_NOT_WRITTEN and "Run `cxhub upgrade-hub` again to finish it" in err
    code, out, err = run(capsys, "upgrade-hub")
    assert code == 0, err
    assert_upgraded(fake, old_item)
    for t in TABS:
        header = table_grids(fake.workbook(old_item))[t.name][0]
        assert len(header) == len(set(header)), t.name
    code, out, _ = run(capsys, "upgrade-hub")
    assert "nothing to do" in out


def test_a_note_right_of_a_table_on_sharepoint_stops_the_upgrade_before_any_write(
    fake, capsys, tmp_path, monkeypatch
):
    """A note typed in the column right of the Health table (where its new column must go) is found
    through the workbook API, and the upgrade is refused by name (exit 4) without a single write."""
    book = load_workbook(OLD_HUB)
    ws = book["Health"]
    ws.cell(2, ws.max_column + 1, "checked by hand")
    book.save(tmp_path / "noted.xlsx")
    item = fake.add_file("CX Hub.xlsx", (tmp_path / "noted.xlsx").read_bytes())
    monkeypatch.chdir(tmp_path)
    for name, value in graph_env(fake, item).items():
        monkeypatch.setenv(name, value)
    code, _, err = run(capsys, "upgrade-hub")
    assert code == 4 and "'Health' tab has cells filled right of its table" in err
    assert fake.count("POST", r"/add$") == 0 and fake.count("PATCH") == 0
    assert not list(tmp_path.glob("hub-before-upgrade-*"))
