"""The embedded default at scale: a writer batch and governance end to end on the local .xlsx hub.

The hub is governance_bench's (20k accounts, 50k contacts, 100k interactions, 30k deals; --quick
a fifth). Each measurement runs in its own process, so its peak RSS is its own. "patched" is the
store as shipped (only the changed sheets rewritten); "openpyxl" forces the old whole-workbook
load and save, for the before figure (full run only: it takes a minute or more).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_hub(path: Path, scale: float) -> float:
    from governance_bench import generate

    from hub.ports import HubChanges
    from local.xlsx_store import XlsxHubStore

    tables, _ = generate(scale)
    store = XlsxHubStore(path)
    store.ensure_exists()
    started = time.perf_counter()
    store.apply(HubChanges(appends={name: rows for name, rows in tables.items() if rows}))
    return time.perf_counter() - started


def measure(job: str, hub: str, engine: str) -> None:
    """Child process: one job on the hub; prints seconds, CPU seconds and peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    if engine == "openpyxl":
        import local.xlsx_store as xlsx_store
        from local.xlsx_patch import NotPatchable

        def refuse(*args, **kwargs):
            raise NotPatchable("bench: the old whole-workbook write")

        xlsx_store.patch = refuse  # type: ignore[assignment]
    from local.xlsx_store import XlsxHubStore

    store = XlsxHubStore(hub)
    extra: dict = {}
    if job == "writer":
        from cxhub.local_intake import call_intake
        from cxhub.sample_data import generate
        from hub.intake.writer import drain
        from local.journal_queue import JournalQueue

        queue = JournalQueue(Path(hub).with_suffix(".queue.sqlite"))
        for raw in generate(100, datetime.now(UTC), seed=9, bad_share=0.0, repeat_share=0.0).bodies[:100]:
            call_intake(queue, raw)
        cpu, started = time.process_time(), time.perf_counter()
        drained = drain(queue, store, lambda: datetime.now(UTC))
        extra = {"submissions": drained.count("recorded"), "rows_written": sum(drained.written.values())}
    else:
        from hub.governance.jobs import run_governance
        from hub.governance.nightly import GovernanceRules

        cpu, started = time.process_time(), time.perf_counter()
        report = run_governance(
            store, lambda: datetime(2026, 11, 23, 1, 0).astimezone(), GovernanceRules(), "Africa/Lagos"
        )
        summary = report.summary
        extra = {"review_items": summary["candidates raised"], "owners": summary["owners changed"]}
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": round(peak, 1), **extra}))


def bench_hub_writes(emit, workdir: Path, quick: bool) -> None:
    scale = 0.2 if quick else 1.0
    hub = workdir / "scale-hub.xlsx"
    build_s = build_hub(hub, scale)
    size_mb = hub.stat().st_size / 1e6
    interactions = int(100_000 * scale)
    for engine in ("patched",) if quick else ("patched", "openpyxl"):
        for job, target in (("writer", "<= 2"), ("governance", "<= 10")):
            copy = workdir / f"{job}-{engine}.xlsx"
            shutil.copy(hub, copy)
            out = subprocess.run(
                [sys.executable, __file__, job, str(copy), engine],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            got = json.loads(out.stdout.strip().splitlines()[-1])
            emit(
                f"local_hub_{job}_{interactions // 1000}k_{engine}",
                got.pop("seconds"),
                "s",
                engine=engine,
                file_mb=round(size_mb, 1),
                hub_build_s=round(build_s, 1),
                **({"target": target, "rss_target": "<= 500"} if not quick and engine == "patched" else {}),
                **got,
            )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    measure(sys.argv[1], sys.argv[2], sys.argv[3])
