"""A value kept in a private local file between runs of the process (the customer pages' last
snapshot, so a restarted worker does not read the whole hub before its first answer).

Pickle runs code when loaded, so the file lives in a directory only this user can write (0700)
and is loaded only when this user owns it and nobody else can write it. Anything unreadable is
treated as absent: the caller reads the hub instead. Writes go to a temporary file first and
replace the kept one atomically.
"""

from __future__ import annotations

import logging
import os
import pickle
import stat
from pathlib import Path

from hub.tables import no_cycle_collection

log = logging.getLogger(__name__)


class PickleKeep:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> object | None:
        try:
            info = self.path.stat()
            folder = self.path.parent.stat()
        except OSError:
            return None
        if not (_private(info) and _private(folder)):
            log.warning("ignoring %s: it is not private to this user", self.path)
            return None
        try:
            with self.path.open("rb") as f, no_cycle_collection():
                return pickle.load(f)
        except Exception as e:  # a cut-short or old file is the same as none
            log.warning("ignoring %s: %s", self.path, e)
            return None

    def save(self, value: object) -> None:
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f, no_cycle_collection():
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError as e:  # a full or read-only disk costs the next start a read, nothing more
            log.warning("could not keep %s: %s", self.path, e)
            tmp.unlink(missing_ok=True)


def _private(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    owner = getattr(os, "getuid", lambda: info.st_uid)()
    return info.st_uid == owner and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
