"""The customer pages' hub cache: re-read only when the hub's version changes, answered from the
last snapshot while a changed hub is read, kept on disk for a restarted worker."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from hub.customers.snapshot import COLUMNS, HubSnapshot, SnapshotCache
from local.pickle_keep import PickleKeep
from tests.unit.test_customer_card import tables


class Hub:
    """A hub whose version and read the test controls; a read can be held until released."""

    def __init__(self) -> None:
        self.version = "v1"
        self.reads: list[list[str]] = []
        self.release = threading.Event()
        self.release.set()
        self.company = "Dangote Industries Ltd"

    def read(self, columns):
        self.reads.append(list(columns))
        self.release.wait(30)
        t = tables()
        t["Accounts"][0]["Company Name"] = self.company
        return t


def cache(hub: Hub, **kw) -> SnapshotCache:
    return SnapshotCache(lambda: hub.version, hub.read, **kw)


def test_the_hub_is_read_once_per_version():
    """Requests against an unchanged hub reuse one read; a new version is read again."""
    hub = Hub()
    c = cache(hub, wait=None)
    assert c.get() is c.get()
    hub.version, hub.company = "v2", "Dangote Group"
    assert c.get().facts["ACC-000001"].row["Company Name"] == "Dangote Group"
    assert len(hub.reads) == 2 and c.builds == 2


def test_only_the_columns_the_pages_show_are_asked_for():
    """The read asks for the pages' tabs and, per tab, only the columns the card and search use."""
    hub = Hub()
    cache(hub).get()
    assert hub.reads == [list(COLUMNS)]
    assert "Source Response ID" not in COLUMNS["Interactions"] and "Notes" in COLUMNS["Interactions"]


def test_a_changed_hub_is_answered_from_the_last_snapshot_while_it_is_read():
    """While a changed hub is still being read, a request gets the previous snapshot and the
    cache says it is behind; once the read ends, the new one."""
    hub = Hub()
    c = cache(hub, wait=0.0)
    first = c.get()
    hub.release.clear()
    hub.version, hub.company = "v2", "Dangote Group"
    assert c.get() is first and c.behind()
    hub.release.set()
    c.settle(30)
    assert not c.behind()
    assert c.get().facts["ACC-000001"].row["Company Name"] == "Dangote Group"


def test_a_process_with_no_snapshot_waits_for_the_read_and_sees_its_error():
    """With nothing to show, the first request waits for the read and raises what it raised."""

    def broken(columns):
        raise OSError("hub.xlsx is cut short")

    with pytest.raises(OSError, match="cut short"):
        SnapshotCache(lambda: "v1", broken).get()


def test_a_restarted_process_answers_from_the_kept_snapshot_without_reading(tmp_path: Path):
    """The snapshot kept on disk serves a new cache for the same hub version with no hub read,
    search index included; a changed version is read again."""
    hub = Hub()
    keep = PickleKeep(tmp_path / "pages" / "customers.pickle")
    c = cache(hub, keep=keep)
    c.get()
    c.settle(30)
    again = cache(hub, keep=keep)
    snap = again.get()
    assert len(hub.reads) == 1
    assert snap.search_index.search("dangote")[0].account_id == "ACC-000001"
    hub.version = "v2"
    assert again.get().version == "v2" and len(hub.reads) == 2


def test_a_kept_snapshot_of_another_version_is_never_shown(tmp_path: Path):
    """After a restart with the hub changed, the first request waits for the new read instead of
    showing the kept snapshot (it may be of another file at the same path)."""
    hub = Hub()
    keep = PickleKeep(tmp_path / "pages" / "customers.pickle")
    first = cache(hub, keep=keep)
    first.get()
    first.settle(30)
    hub.version, hub.company = "v2", "Dangote Group"
    snap = cache(hub, keep=keep, wait=0.0).get()
    assert (snap.version, snap.facts["ACC-000001"].row["Company Name"]) == ("v2", "Dangote Group")


def test_a_kept_file_others_could_write_is_not_loaded(tmp_path: Path):
    """A kept snapshot writable by other users is ignored (loading a pickle runs code)."""
    keep = PickleKeep(tmp_path / "pages" / "customers.pickle")
    keep.save(HubSnapshot(tables(), "v1"))
    assert isinstance(keep.load(), HubSnapshot)
    os.chmod(keep.path, 0o666)
    assert keep.load() is None


def test_a_cut_short_kept_file_is_treated_as_absent(tmp_path: Path):
    """A damaged kept snapshot means the hub is read instead, not an error page."""
    keep = PickleKeep(tmp_path / "pages" / "customers.pickle")
    keep.save(HubSnapshot(tables(), "v1"))
    keep.path.write_bytes(keep.path.read_bytes()[:50])
    hub = Hub()
    assert cache(hub, keep=keep).get().version == "v1" and len(hub.reads) == 1
