"""`cxhub upgrade-hub` on real hubs made and filled by older CX Hubs (tests/data/old_hubs): the
writer refuses them and says to upgrade; the upgrade keeps every row where it was, keeps a backup,
and the writer then takes new submissions; a second run, a dry run and a refusal change nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import range_boundaries

from cxhub.cli import main
from hub_schema.tabs import TABS
from local.xlsx_store import XlsxHubStore
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)
from tests.factories import body
from tests.old_hubs import OLD_HUBS, table_grids

EXIT_HUB_BROKEN = 4


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.out, out.err


# The fast loop upgrades one old hub; the full loop (the README's command, CI) every one of them.
_HUBS = [OLD_HUBS[0], *(pytest.param(p, marks=pytest.mark.slow) for p in OLD_HUBS[1:])]


@pytest.fixture(params=_HUBS, ids=lambda p: p.stem)
def old_hub(request, tmp_path) -> Path:
    path = tmp_path / "hub.xlsx"
    shutil.copy(request.param, path)
    return path


def tables(path: Path) -> dict[str, tuple[list[str], list[list[object]]]]:
    return table_grids(load_workbook(path))


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.bak-*"))


def test_an_older_hub_is_refused_by_the_writer_with_the_upgrade_named(capsys, tmp_path, old_hub):
    """Before the upgrade a submission waits (exit 4) and the message tells the admin to run
    `cxhub upgrade-hub`; after it, `cxhub drain` writes that very submission."""
    (tmp_path / "one.json").write_text(json.dumps(body({"branch": "Ikeja", "channel": "SMS"})))
    code, out, _ = run(capsys, "submit", tmp_path / "one.json", "--hub", old_hub)
    assert code == EXIT_HUB_BROKEN and "run `cxhub upgrade-hub`" in out
    assert run(capsys, "upgrade-hub", "--hub", old_hub)[0] == 0
    code, out, _ = run(capsys, "drain", "--hub", old_hub)
    assert code == 0 and out.startswith("Writer: 1 recorded")
    [row] = [r for r in XlsxHubStore(old_hub).read_tables(["Interactions"])["Interactions"] if r["Branch"]]
    assert row["Branch"] == "Ikeja" and row["Channel"] == "SMS"


def test_the_upgrade_keeps_every_row_where_it_was_and_keeps_a_backup(capsys, old_hub):
    """Every row of every table keeps every value in its column, old columns keep their places (the
    new ones come after them), and the backup is the hub as it was, byte for byte."""
    before, original = tables(old_hub), old_hub.read_bytes()
    code, out, _ = run(capsys, "upgrade-hub", "--hub", old_hub)
    assert code == 0 and out.startswith(f"Upgraded {old_hub}") and "added the 'Campaigns' tab" in out
    [backup] = backups(old_hub)
    assert backup.read_bytes() == original and str(backup) in out
    after = tables(old_hub)
    for name, (header, rows) in before.items():
        new_header, new_rows = after[name]
        assert new_header[: len(header)] == header, name
        if name == "Lists":  # new values fill blank cells below each list; no filled cell changes
            for old_row, new_row in zip(rows, new_rows, strict=False):
                assert all(v in (None, "") or new_row[i] == v for i, v in enumerate(old_row)), name
        else:
            assert [r[: len(header)] for r in new_rows] == rows, name
    read = XlsxHubStore(old_hub).read_tables([t.name for t in TABS])  # calamine, every column typed
    assert len(read["Interactions"]) == sum(1 for r in before["Interactions"][1] if r[0])


def test_the_upgraded_hub_takes_submissions_with_the_new_answers(capsys, tmp_path, old_hub):
    """After the upgrade the writer records submissions using the new lists (branch, lead source,
    an SMS channel) and protected machine tabs keep the steward's columns open."""
    assert run(capsys, "upgrade-hub", "--hub", old_hub)[0] == 0
    answers = {"branch": "Abuja", "lead_source": "Google Maps", "channel": "Hotline / Call centre"}
    (tmp_path / "two.json").write_text(json.dumps([body(answers), body({"company_name": "Zenith Motors"})]))
    code, out, _ = run(capsys, "submit", tmp_path / "two.json", "--hub", old_hub)
    assert code == 0 and out.count("accepted") == 2
    rows = XlsxHubStore(old_hub).read_tables(["Interactions"])["Interactions"]
    assert {(r["Branch"], r["Lead Source"]) for r in rows if r["Branch"]} == {("Abuja", "Google Maps")}
    book = load_workbook(old_hub)
    rejected = book["Rejected"]
    assert rejected.protection.sheet
    resolved = next(c.column for c in rejected[1] if c.value == "Resolved")
    assert all(not rejected.cell(r, resolved).protection.locked for r in range(2, rejected.max_row + 1))


def test_a_second_upgrade_and_a_dry_run_change_nothing(capsys, old_hub):
    """A dry run prints the plan and leaves the file as it was; after the upgrade, running it again
    says there is nothing to do and writes nothing, not even a backup."""
    original = old_hub.read_bytes()
    code, out, _ = run(capsys, "upgrade-hub", "--hub", old_hub, "--dry-run")
    assert code == 0 and "Would upgrade" in out and "add the 'Campaigns' tab" in out and "Dry run" in out
    assert old_hub.read_bytes() == original and not backups(old_hub)
    assert run(capsys, "upgrade-hub", "--hub", old_hub)[0] == 0
    upgraded = old_hub.read_bytes()
    code, out, _ = run(capsys, "upgrade-hub", "--hub", old_hub)
    assert code == 0 and "nothing to do" in out
    assert old_hub.read_bytes() == upgraded and len(backups(old_hub)) == 1


def test_a_hub_that_cannot_be_upgraded_safely_is_left_untouched(capsys, old_hub):
    """A renamed column is refused with its tab and both names (exit 4), and the file is unchanged."""
    book = load_workbook(old_hub)
    ws = book["Interactions"]
    next(c for c in ws[1] if c.value == "Logged By").value = "Logged by (email)"
    book.save(old_hub)
    original = old_hub.read_bytes()
    code, _, err = run(capsys, "upgrade-hub", "--hub", old_hub)
    assert code == EXIT_HUB_BROKEN and "nothing was changed" in err
    assert "'Interactions' table has lost its required column 'Logged By'" in err
    assert old_hub.read_bytes() == original and not backups(old_hub)


def test_a_hub_with_a_chart_or_open_in_office_is_not_rewritten(capsys, old_hub):
    """A chart staff added (which the local rewrite would drop) and an office lock file each stop the
    upgrade with the reason, before anything is written."""
    book = load_workbook(old_hub)
    chart = BarChart()
    chart.add_data(Reference(book["Dashboard"], min_col=4, min_row=1, max_row=5))
    book["Dashboard"].add_chart(chart, "L2")
    book.save(old_hub)
    original = old_hub.read_bytes()
    code, _, err = run(capsys, "upgrade-hub", "--hub", old_hub)
    assert code == EXIT_HUB_BROKEN and "charts, pictures or pivot tables" in err
    lock = old_hub.parent / f".~lock.{old_hub.name}#"
    lock.write_text("someone")
    code, _, err = run(capsys, "upgrade-hub", "--hub", old_hub)
    assert code != 0 and "open in Excel or LibreOffice" in err
    assert old_hub.read_bytes() == original and not backups(old_hub)


def test_an_empty_tab_named_as_a_new_one_is_filled_in_place(capsys, old_hub):
    """An empty 'Campaigns' sheet someone made ahead of the upgrade becomes the Campaigns table, with
    no second sheet beside it."""
    book = load_workbook(old_hub)
    book.create_sheet("Campaigns")
    book.save(old_hub)
    code, out, _ = run(capsys, "upgrade-hub", "--hub", old_hub)
    assert code == 0 and "added 'Campaigns'" not in out and "finished the 'Campaigns' tab" in out
    book = load_workbook(old_hub)
    assert book.sheetnames.count("Campaigns") == 1 and "Campaigns" in book["Campaigns"].tables
    assert XlsxHubStore(old_hub).read_tables(["Campaigns"])["Campaigns"] == []


def test_a_note_typed_right_of_a_table_that_must_grow_stops_the_upgrade(capsys, old_hub):
    """A steward's note in the column right of the Health table, where the new column must go, is
    refused by name (exit 4) and stays where it was."""
    book = load_workbook(old_hub)
    ws = book["Health"]
    right = range_boundaries(ws.tables["Health"].ref)[2] + 1
    ws.cell(2, right, "checked by hand")
    book.save(old_hub)
    code, _, err = run(capsys, "upgrade-hub", "--hub", old_hub)
    assert code == EXIT_HUB_BROKEN and "'Health' tab has cells filled right of its table" in err
    assert load_workbook(old_hub)["Health"].cell(2, right).value == "checked by hand"
