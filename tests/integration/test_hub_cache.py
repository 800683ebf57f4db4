"""The local hub's kept columns (local.hub_cache): used only for the very file they were read from
or written to, never trusted when damaged, private, and never changing what is written."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cxhub.local_intake import call_intake
from hub.intake.reads import READ_COLUMNS
from hub.intake.writer import WriterRules, drain
from hub.ports import HubChanges, RowUpdate
from hub_schema import TABS
from local.hub_cache import MANIFEST, HubCache, identity_of
from local.journal_queue import JournalQueue
from local.xlsx_store import XlsxHubStore
from tests.factories import body, raw

ROOT = Path(__file__).resolve().parents[2]
CLOCK = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _cached(hub: Path, root: Path) -> XlsxHubStore:
    return XlsxHubStore(hub, lock_timeout=5, cache=HubCache.for_hub(hub, root))


def _queued(hub: Path, payloads: list[dict]) -> JournalQueue:
    queue = JournalQueue(hub.with_suffix(".queue.sqlite"))
    for payload in payloads:
        assert call_intake(queue, raw(payload)).status == 202
    return queue


def _drain(hub: Path, root: Path | None, payloads: list[dict]) -> None:
    queue = _queued(hub, payloads)
    store = _cached(hub, root) if root else XlsxHubStore(hub, lock_timeout=5)
    report = drain(queue, store, lambda: CLOCK, WriterRules(visibility_timeout=0))
    assert report.failed == 0 and queue.depth() == 0


def _kept(hub: Path, root: Path) -> dict[str, set[str]]:
    identity = identity_of(hub)
    assert identity is not None
    return HubCache.for_hub(hub, root).kept(identity)


def _assert_kept_columns_are_the_file(hub: Path, root: Path) -> None:
    """Every kept column reads the same from the cache as from the workbook itself."""
    kept = _kept(hub, root)
    assert kept, "nothing kept for the file as it is"
    for name, columns in kept.items():
        wanted = {name: sorted(columns)}
        from_file = XlsxHubStore(hub).read_tables([name], columns=wanted)[name]
        assert _cached(hub, root).read_tables([name], columns=wanted)[name] == from_file, name


def _two_hubs(hub_path: Path, tmp_path: Path, other_root: Path | None) -> Path:
    """Another hub beside this one, each with one account of its own; this one's columns kept."""
    other = tmp_path / "other" / "hub.xlsx"
    other.parent.mkdir()
    shutil.copy(hub_path, other)
    _drain(other, other_root, [body({"company_name": "Other Hub Motors Ltd"})])
    _drain(hub_path, tmp_path / "cache", [body({"company_name": "First Hub Motors Ltd"})])
    return other


def _poison_kept_value(hub: Path, root: Path, tab_name: str, column: str, value: str) -> None:
    """Put a value in the kept column that the file does not hold (to see whether a read uses it)."""
    cache = HubCache.for_hub(hub, root)
    identity = identity_of(hub)
    assert identity is not None
    loaded = cache.load(identity, {tab_name: [column]})[tab_name]
    loaded.values[column][0] = value
    loaded.changed.add(column)
    cache.save(identity, {tab_name: loaded})


def test_a_second_writer_run_reads_the_kept_columns_and_they_match_the_file(hub_path, tmp_path):
    """After a writer run the columns it read are kept under the new file's identity, equal to a
    fresh parse, and the next run reads them (a value changed only in the cache shows)."""
    root = tmp_path / "cache"
    _drain(hub_path, root, [body() for _ in range(5)])
    _assert_kept_columns_are_the_file(hub_path, root)
    _poison_kept_value(hub_path, root, "Interactions", "Source Response ID", "only-in-the-cache")
    rows = _cached(hub_path, root).read_tables(["Interactions"], columns=READ_COLUMNS)["Interactions"]
    assert rows[0]["Source Response ID"] == "only-in-the-cache"


def test_an_edit_made_with_openpyxl_between_runs_is_seen(hub_path, tmp_path):
    """A cell changed in another program (openpyxl here) changes the file's identity: the next
    run parses the hub and sees the edit, and keeps the edited value."""
    root = tmp_path / "cache"
    _drain(hub_path, root, [body({"company_name": "Dangote Industries Ltd"})])
    wb = load_workbook(hub_path)
    ws = wb["Accounts"]
    column = [c.value for c in ws[1]].index("Company Name") + 1
    ws.cell(row=2, column=column).value = "Edited In Excel Ltd"
    wb.save(hub_path)
    store = _cached(hub_path, root)
    rows = store.read_tables(["Accounts"], fresh=True)["Accounts"]
    store.close()  # a job's store is closed after it: what it parsed is kept
    assert rows[0]["Company Name"] == "Edited In Excel Ltd"
    _assert_kept_columns_are_the_file(hub_path, root)


def test_another_hub_copied_over_the_file_with_the_same_modified_time_is_seen(hub_path, tmp_path):
    """A different hub put in place of the file, even with its modified time set back, is read
    from the workbook: the zip parts' CRCs differ, so the kept columns are not used."""
    root = tmp_path / "cache"
    other = _two_hubs(hub_path, tmp_path, None)
    before = hub_path.stat()
    shutil.copy(other, hub_path)
    os.utime(hub_path, ns=(before.st_atime_ns, before.st_mtime_ns))
    rows = _cached(hub_path, root).read_tables(["Accounts"])["Accounts"]
    assert [r["Company Name"] for r in rows] == ["Other Hub Motors Ltd"]


@pytest.mark.parametrize("damage", ["manifest cut short", "column cut short", "column deleted", "garbage"])
def test_a_damaged_cache_is_ignored_and_rebuilt(hub_path, tmp_path, damage):
    """A cut-short, missing or garbage cache file is never trusted: the read parses the hub, gives
    its rows, and a job's read keeps correct columns again."""
    root = tmp_path / "cache"
    _drain(hub_path, root, [body() for _ in range(3)])
    folder = HubCache.for_hub(hub_path, root).folder
    columns = sorted(p for p in folder.glob("*.pickle") if p.name != MANIFEST)
    target = folder / MANIFEST if damage == "manifest cut short" else columns[0]
    if damage == "column deleted":
        for path in columns:
            path.unlink()
    elif damage == "garbage":
        for path in [folder / MANIFEST, *columns]:
            path.write_bytes(b"\x80\x05not a pickle at all")
    else:
        target.write_bytes(target.read_bytes()[:20])
    expected = XlsxHubStore(hub_path).read_tables([t.name for t in TABS])
    store = _cached(hub_path, root)
    assert store.read_tables([t.name for t in TABS], fresh=True) == expected
    store.close()
    _assert_kept_columns_are_the_file(hub_path, root)


def test_a_cache_naming_a_class_is_refused_not_run(hub_path, tmp_path):
    """A kept file that names any class besides the date and time types is refused when loaded
    (pickle would otherwise run it): the hub is parsed instead."""
    import pickle

    root = tmp_path / "cache"
    _drain(hub_path, root, [body()])
    folder = HubCache.for_hub(hub_path, root).folder
    manifest = pickle.loads((folder / MANIFEST).read_bytes())
    [(column, count)] = manifest["tabs"]["Interactions"]["columns"]["Source Response ID"]
    (folder / column).write_bytes(pickle.dumps([Path("/etc/passwd")] * count))
    rows = _cached(hub_path, root).read_tables(["Interactions"], columns=READ_COLUMNS)["Interactions"]
    assert [type(r["Source Response ID"]) for r in rows] == [str]


def test_a_cache_kept_for_another_hub_is_not_used(hub_path, tmp_path):
    """The kept columns of another hub, copied into this hub's cache folder, name another file's
    identity and are ignored."""
    root = tmp_path / "cache"
    other = _two_hubs(hub_path, tmp_path, root)
    mine, theirs = HubCache.for_hub(hub_path, root).folder, HubCache.for_hub(other, root).folder
    shutil.rmtree(mine)
    shutil.copytree(theirs, mine)
    rows = _cached(hub_path, root).read_tables(["Accounts"])["Accounts"]
    assert [r["Company Name"] for r in rows] == ["First Hub Motors Ltd"]


def test_the_cache_is_private_and_holds_only_what_the_writer_reads(hub_path, tmp_path):
    """Folders 0700, files 0600; a kept file others may read is not used; the writer keeps the
    columns it reads (two of Interactions, not the notes)."""
    root = tmp_path / "cache"
    _drain(hub_path, root, [body({"notes": "Customer asked about the price of a 500 kVA generator"})])
    folder = HubCache.for_hub(hub_path, root).folder
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.glob("*.pickle"))
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    kept = _kept(hub_path, root)
    assert kept["Interactions"] == set(READ_COLUMNS["Interactions"])
    assert b"500 kVA" not in b"".join(p.read_bytes() for p in files)
    _poison_kept_value(hub_path, root, "Interactions", "Source Response ID", "only-in-the-cache")
    for path in folder.glob("*.pickle"):
        path.chmod(0o644)
    rows = _cached(hub_path, root).read_tables(["Interactions"], columns=READ_COLUMNS)["Interactions"]
    assert "only-in-the-cache" not in {r["Source Response ID"] for r in rows}


def test_runs_with_the_cache_write_the_same_bytes_as_runs_without(hub_path, tmp_path):
    """Three writer runs in a row give byte for byte the same hub with the kept columns as without."""
    plain = tmp_path / "plain" / "hub.xlsx"
    plain.parent.mkdir()
    shutil.copy(hub_path, plain)
    root = tmp_path / "cache"
    batches = [[body({"company_name": f"Batch {b} Company {i} Ltd"}) for i in range(4)] for b in range(3)]
    batches[2].append(
        body({"company_name": "Batch 0 Company 1 Ltd", "contact_email": "new.person@example.com"})
    )
    for batch in batches:
        _drain(hub_path, root, batch)
        _drain(plain, None, batch)
        assert hub_path.read_bytes() == plain.read_bytes()
    _assert_kept_columns_are_the_file(hub_path, root)


def test_written_values_of_every_type_are_kept_as_the_workbook_reads_them(hub_path, tmp_path):
    """Rows appended and cells updated with dates, day-only values in date-time columns, numbers,
    text with spaces, formula-looking text and control characters: the kept columns equal a parse."""
    root = tmp_path / "cache"
    store = _cached(hub_path, root)
    names = {t.name: list(t.column_names) for t in TABS}
    store.read_tables(["Interactions", "Deals", "Accounts"], fresh=True)  # keep every column
    values = {
        "Interaction ID": "INT-000001",
        "Date": datetime(2026, 11, 30, 14, 5, 59),
        "Action Due Date": date(2026, 12, 2),
        "Submitted At": date(2026, 11, 30),
        "Snooze Count": 2.0,
        "Notes": "  =SUM(A1:A2) \x07 line\nbreak ",
        "Account ID": "ACC-000001",
        "Source Response ID": 12345,
    }
    deal = {"Invoice No": "INV-1", "Invoice Date": date(2026, 11, 1), "Amount": 1234.5, "Status": "Open"}
    account = {"Account ID": "ACC-000001", "Company Name": "+2348031234567", "Created": date(2026, 1, 5)}
    for row in (values, deal, account):
        assert set(row) <= {c for n in names.values() for c in n}
    changes = HubChanges(
        appends={
            "Interactions": [values, {**values, "Interaction ID": "INT-000002", "Action Due Date": None}],
            "Deals": [deal],
            "Accounts": [account],
        }
    )
    store.apply(changes)
    store.read_tables(["Interactions", "Deals", "Accounts"], fresh=True)
    store.apply(
        HubChanges(
            updates=[
                RowUpdate(
                    "Interactions",
                    "INT-000001",
                    {"Action Due Date": datetime(2026, 12, 3), "Notes": None, "CSAT": 5},
                ),
                RowUpdate("Accounts", "ACC-000001", {"Company Name": "'quoted", "Created": 46000.25}),
            ]
        )
    )
    kept = _kept(hub_path, root)
    assert kept["Interactions"] == set(names["Interactions"])
    _assert_kept_columns_are_the_file(hub_path, root)


KILLED = textwrap.dedent("""
    import os, signal, sys
    from datetime import UTC, datetime
    import local.hub_cache as hub_cache
    import local.xlsx_store as xlsx_store
    from hub.intake.writer import WriterRules, drain
    from local.journal_queue import JournalQueue

    stage = os.environ["CXHUB_TEST_KILL_AT"]

    def die(at):
        if at == stage:
            os.kill(os.getpid(), signal.SIGKILL)

    real_replace, real_save, real_write = os.replace, hub_cache.HubCache.save, hub_cache.HubCache._write

    def replace(src, dst):
        die("before the hub is replaced")
        real_replace(src, dst)
        if str(dst).endswith(".xlsx"):
            die("hub replaced, columns not yet kept")
    xlsx_store.os.replace = replace

    def write(self, value, name=None):
        if name == hub_cache.MANIFEST:
            die("columns written, manifest not yet")
        return real_write(self, value, name)
    hub_cache.HubCache._write = write

    def save(self, *a, **k):
        real_save(self, *a, **k)
        die("kept")
    hub_cache.HubCache.save = save

    hub, root = xlsx_store.Path(sys.argv[2]), xlsx_store.Path(sys.argv[3])
    store = xlsx_store.XlsxHubStore(hub, cache=hub_cache.HubCache.for_hub(hub, root))
    clock = lambda: datetime(2026, 11, 30, 9, tzinfo=UTC)
    drain(JournalQueue(sys.argv[1]), store, clock, WriterRules(visibility_timeout=0))
    sys.exit(0)
""")


@pytest.mark.slow
@pytest.mark.parametrize(
    "stage",
    [
        "before the hub is replaced",
        "hub replaced, columns not yet kept",
        "columns written, manifest not yet",
        "kept",
    ],
)
def test_kill_9_during_a_save_never_leaves_kept_columns_that_are_used_wrongly(hub_path, tmp_path, stage):
    """SIGKILL at each step of a save with the cache: what is kept afterwards is either for the
    file as it is (and equal to a parse) or ignored; the next run lands every submission once."""
    root = tmp_path / "cache"
    _drain(hub_path, root, [body() for _ in range(3)])  # columns kept for the file before the kill
    payloads = [body() for _ in range(4)]
    _queued(hub_path, payloads)
    env = {**os.environ, "CXHUB_TEST_KILL_AT": stage}
    child = subprocess.run(
        [sys.executable, "-c", KILLED, str(hub_path.with_suffix(".queue.sqlite")), str(hub_path), str(root)],
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL
    kept = _kept(hub_path, root)
    if stage in ("before the hub is replaced", "kept"):
        assert kept  # the file and its columns agree
    else:
        assert kept == {}  # the manifest still names the file before the save: not used
    for name, columns in kept.items():
        wanted = {name: sorted(columns)}
        assert _cached(hub_path, root).read_tables([name], columns=wanted) == XlsxHubStore(
            hub_path
        ).read_tables([name], columns=wanted)
    _drain(hub_path, root, [])
    rows = XlsxHubStore(hub_path).read_tables(["Interactions"])["Interactions"]
    sources = [r["Source Response ID"] for r in rows]
    assert sorted(sources) == sorted({*sources}) and {p["responseId"] for p in payloads} <= set(sources)
    _assert_kept_columns_are_the_file(hub_path, root)


def test_the_store_cxhub_builds_keeps_every_column_a_writer_batch_may_read(hub_path, tmp_path):
    """The store cxhub builds keeps, besides the columns a plain batch reads, those a batch closing a
    lost sale's promises or applying a mail's button reads, and a plain warm batch carries them on:
    such a batch then reads no hub (on 100k interactions a parse costs about 1.7 CPU-s more)."""
    from cxhub.adapters import local_hub_store
    from hub.actions.apply import ACTION_COLUMNS
    from hub.intake.reads import FOLLOW_UP_COLUMNS
    from hub.promises import PROMISE_COLUMNS

    root = tmp_path / "cache"
    wanted = {*READ_COLUMNS["Interactions"], *FOLLOW_UP_COLUMNS, *PROMISE_COLUMNS}
    wanted |= set(ACTION_COLUMNS["Interactions"])
    for run in range(2):  # cold (the hub parsed), then warm (the kept columns loaded, then written)
        queue = _queued(hub_path, [body() for _ in range(3)])
        store = local_hub_store(hub_path, root)
        assert drain(queue, store, lambda: CLOCK, WriterRules(visibility_timeout=0)).failed == 0
        assert wanted <= _kept(hub_path, root)["Interactions"], f"run {run}"
    _assert_kept_columns_are_the_file(hub_path, root)


def test_a_batch_after_another_writer_links_as_one_on_the_hub_read_afresh(hub_path, tmp_path):
    """Between two batches with kept columns another writer renames an account and adds one: the
    second batch links each submission (exact name, near name, the old name) and raises review items
    exactly as the same batch does on a copy read afresh, the renamed account by its new name; kept
    columns or names from before the other write would link elsewhere."""
    root = tmp_path / "cache"

    def submission(company: str, n: int) -> dict:
        return body(
            {"company_name": company, "contact_email": f"person{n}@example.com", "contact_phone": None}
        )

    _drain(
        hub_path, root, [submission("Kolabite Somafe Motors Ltd", 1), submission("Wadiga Nuruka Foods", 2)]
    )
    renamed = {"Company Name": "Adebayo Steel Works Ltd"}
    added = {"Account ID": "ACC-000003", "Company Name": "Tediol Antoji Bakery Ltd", "Status": "Active"}
    other_writer = XlsxHubStore(hub_path, lock_timeout=5)  # another process: no kept columns of its own
    other_writer.apply(
        HubChanges(appends={"Accounts": [added]}, updates=[RowUpdate("Accounts", "ACC-000001", renamed)])
    )
    afresh = tmp_path / "afresh" / "hub.xlsx"
    afresh.parent.mkdir()
    shutil.copy(hub_path, afresh)
    second = [
        submission("Adebayo Steel Works Limited", 3),  # the new name, exactly
        submission("Tediol Antoji Bakry Ltd", 4),  # the added account, near
        submission("Kolabite Somafe Motors", 5),  # the old name: no account has it any more
        submission("Wadiga Nuruka Food Ltd", 6),  # an account the other writer left alone, near
    ]
    _drain(hub_path, root, second)
    _drain(afresh, None, second)
    tabs = ["Accounts", "Interactions", "Review Queue"]
    kept_path, read_afresh = XlsxHubStore(hub_path).read_tables(tabs), XlsxHubStore(afresh).read_tables(tabs)
    assert kept_path == read_afresh
    linked = {r["Source Response ID"]: r["Account ID"] for r in kept_path["Interactions"]}
    assert linked[second[0]["responseId"]] == "ACC-000001"
    assert linked[second[1]["responseId"]] == "ACC-000003"
    assert linked[second[2]["responseId"]] not in {"ACC-000001", "ACC-000002", "ACC-000003"}
    assert {r["Record A"] for r in kept_path["Review Queue"]} >= {"ACC-000003"}


def test_a_batch_that_appends_rows_keeps_only_the_new_values_and_the_columns_stay_the_file(
    hub_path, tmp_path, monkeypatch
):
    """A batch that only appends rows adds one small file per kept column and leaves the files kept
    before untouched; a column changed in place (a division added to an account) is written whole;
    after MAX_SEGMENTS files a column is written whole again; and every kept column reads as the file."""
    import pickle

    from local import hub_cache

    monkeypatch.setattr(hub_cache, "MAX_SEGMENTS", 3)
    root = tmp_path / "cache"
    folder = HubCache.for_hub(hub_path, root).folder

    def segments(tab_name: str, column: str) -> list[tuple[str, int]]:
        return pickle.loads((folder / MANIFEST).read_bytes())["tabs"][tab_name]["columns"][column]

    _drain(hub_path, root, [body({"company_name": "Kolabite Motors Ltd", "division": "Motors"})])
    first = segments("Interactions", "Source Response ID")
    _drain(hub_path, root, [body({"company_name": "Wadiga Foods Ltd", "contact_email": "a@wadiga.example"})])
    second = segments("Interactions", "Source Response ID")
    assert second[:-1] == first and second[-1][1] == 1  # the old file kept, the new row's value added
    _assert_kept_columns_are_the_file(hub_path, root)
    _drain(hub_path, root, [body({"company_name": "Kolabite Motors Ltd", "division": "Power"})])
    assert len(segments("Accounts", "Divisions")) == 1  # changed in place: written whole
    assert len(segments("Interactions", "Source Response ID")) == 3
    _assert_kept_columns_are_the_file(hub_path, root)
    _drain(hub_path, root, [body({"company_name": "Tediol Bakery Ltd", "contact_email": "b@tediol.example"})])
    assert segments("Interactions", "Source Response ID") == [
        (segments("Interactions", "Source Response ID")[0][0], 4)
    ]
    _assert_kept_columns_are_the_file(hub_path, root)
    assert {p.name for p in folder.glob("*.pickle")} == {MANIFEST} | {
        name
        for entry in pickle.loads((folder / MANIFEST).read_bytes())["tabs"].values()
        for column in entry["columns"].values()
        for name, _ in column
    }
