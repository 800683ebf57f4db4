"""The Drive port on a local folder: the embedded default for the ERP drop folder.

Item ids are paths relative to the root folder ("" is the root itself), so they read well in
reports and stay valid as long as the file is where the id says.
"""

from __future__ import annotations

import os
from pathlib import Path

from hub.ports import DriveEntry


class FolderDrive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, item_id: str) -> Path:
        path = (self.root / item_id).resolve()
        if path != self.root.resolve() and self.root.resolve() not in path.parents:
            raise ValueError(f"{item_id!r} is outside the drop folder")
        return path

    def _id(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def entry(self, item_id: str) -> DriveEntry:
        path = self._path(item_id)
        stat = path.stat()
        return DriveEntry(
            id=item_id,
            name=path.name,
            size=0 if path.is_dir() else stat.st_size,
            etag=f"{stat.st_mtime_ns}-{stat.st_size}",
            is_folder=path.is_dir(),
        )

    def children(self, folder_id: str) -> list[DriveEntry]:
        folder = self._path(folder_id)
        return [self.entry(self._id(p)) for p in sorted(folder.iterdir()) if not p.name.startswith(".")]

    def download(self, item_id: str) -> bytes:
        return self._path(item_id).read_bytes()

    def move(self, item_id: str, folder_id: str, new_name: str | None = None) -> None:
        source = self._path(item_id)
        os.replace(source, self._path(folder_id) / (new_name or source.name))

    def folder(self, parent_id: str, name: str) -> str:
        path = self._path(parent_id) / name
        path.mkdir(exist_ok=True)
        return self._id(path)

    def upload(self, folder_id: str, name: str, data: bytes) -> str:
        target = self._path(folder_id) / name
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return self._id(target)
