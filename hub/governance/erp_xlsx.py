"""Reading an .xlsx sheet in a child process, so a crash in the reader cannot take the caller with it.

The xlsx reader is native code: a damaged or hostile file can make it panic (an exception Python's
`except Exception` does not catch) or abort the whole process with SIGABRT when an allocation
fails. erp_limits checks the package first; this is the second wall for what a check cannot
foresee. The child gets the file on stdin, runs under an address-space limit and a time limit,
and sends the rows back pickled on stdout; any other ending becomes an ErpLimitError or ErpFileError
("could not be read") for the file alone.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
from typing import Any

from hub.governance.erp_limits import MB, ErpFileError, ErpLimitError, ErpLimits

_UNREADABLE = 3  # the child's exit code when the reader refused the file with an ordinary error


def read_first_sheet(file_name: str, data: bytes, limits: ErpLimits) -> list[list[Any]]:
    """Every row of the first sheet, from row 1 (rows above the data kept, so index = row - 1)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hub.governance.erp_xlsx", str(limits.parse_memory_mb)],
            input=data,
            capture_output=True,
            timeout=limits.parse_seconds,
            check=False,
            # The child imports what this process imports (hub, the reader), wherever it was started.
            env=os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "RUST_BACKTRACE": "0"},
        )
    except subprocess.TimeoutExpired:
        raise ErpLimitError(
            f"{file_name}: reading the workbook took more than {limits.parse_seconds:,} s "
            "(setting CXHUB_ERP_PARSE_SECONDS)"
        ) from None
    if done.returncode == 0:
        rows: list[list[Any]] = pickle.loads(done.stdout)  # our own child's output, never the file's
        return rows
    if done.returncode == _UNREADABLE:
        reason = done.stdout.decode("utf-8", errors="replace").strip()[:300]
        raise ErpFileError(f"{file_name}: not a readable .xlsx workbook ({reason})")
    if done.returncode < 0:
        raise ErpLimitError(
            f"{file_name}: the workbook could not be read: the reader was stopped by signal "
            f"{-done.returncode}, most likely at its memory limit of {limits.parse_memory_mb:,} MB "
            "(setting CXHUB_ERP_PARSE_MEMORY_MB)"
        )
    last_line = (done.stderr.decode("utf-8", errors="replace").strip().splitlines() or ["no message"])[-1]
    raise ErpLimitError(
        f"{file_name}: the workbook could not be read: the reader stopped ({last_line[:300]}); if that "
        f"is a memory error, the limit is {limits.parse_memory_mb:,} MB (setting CXHUB_ERP_PARSE_MEMORY_MB)"
    )


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # not on Linux (a developer's Windows machine): the time limit still holds
        return
    size = megabytes * MB
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def _child(memory_mb: int) -> int:
    _limit_memory(memory_mb)
    from python_calamine import CalamineWorkbook

    data = sys.stdin.buffer.read()
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        # skip_empty_area=False keeps the rows above the data, so the index is the sheet row number.
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except BaseException as error:
        # stdout, not stderr: the reader prints its own panic report on stderr.
        sys.stdout.write(str(error) or type(error).__name__)
        return _UNREADABLE
    sys.stdout.buffer.write(pickle.dumps([list(r) for r in rows], protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1])))
