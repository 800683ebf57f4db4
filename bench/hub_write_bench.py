"""The embedded default at scale: a writer batch and governance end to end on the local .xlsx hub.

The hub is governance_bench's (20k accounts, 50k contacts, 100k interactions, 30k deals; --quick
a fifth). Each measurement runs in its own process, so its peak RSS is its own. "patched" is the
store as shipped (only the changed sheets rewritten) with its cache of parsed columns
(local.hub_cache): each job runs twice on its own copy of the hub, "cold" (nothing kept: the hub
is parsed) then "warm" (the columns kept by the first run's write). "openpyxl" forces the old
whole-workbook load and save, without the cache, for the before figure (full run only: minutes).

By hand: python bench/hub_write_bench.py writer|governance HUB patched|openpyxl [CACHE_DIR [SEED]]
"""

from __future__ import annotations

import json
import os
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


def measure(job: str, hub: str, engine: str, cache_dir: str | None = None, seed: int = 9) -> None:
    """Child process: one job on the hub; prints seconds, CPU seconds, peak RSS and the load
    average before and after as JSON. With `cache_dir` the store keeps parsed columns there."""
    sys.path.insert(0, str(ROOT))
    load_before = os.getloadavg()[0]
    if engine == "openpyxl":
        import local.xlsx_store as xlsx_store
        from local.xlsx_patch import NotPatchable

        def refuse(*args, **kwargs):
            raise NotPatchable("bench: the old whole-workbook write")

        xlsx_store.patch = refuse  # type: ignore[assignment]
    from cxhub.adapters import local_hub_store
    from local.xlsx_store import XlsxHubStore

    # As cxhub builds it (the kept columns included), or for the before figure without the cache.
    store = local_hub_store(Path(hub), Path(cache_dir)) if cache_dir else XlsxHubStore(hub)
    extra: dict = {}
    if job == "writer":
        from cxhub.local_intake import call_intake
        from cxhub.sample_data import generate
        from hub.intake.writer import drain
        from local.journal_queue import JournalQueue

        queue = JournalQueue(Path(hub).with_suffix(".queue.sqlite"))
        for raw in generate(100, datetime.now(UTC), seed=seed, bad_share=0.0, repeat_share=0.0).bodies[:100]:
            call_intake(queue, raw)
        cpu, started = time.process_time(), time.perf_counter()
        drained = drain(queue, store, lambda: datetime.now(UTC))
        extra = {"submissions": drained.count("recorded"), "rows_written": sum(drained.written.values())}
    else:
        from hub.governance.jobs import run_governance
        from hub.governance.rules import GovernanceRules

        cpu, started = time.process_time(), time.perf_counter()
        report = run_governance(
            store, lambda: datetime(2026, 11, 23, 1, 0).astimezone(), GovernanceRules(), "Africa/Lagos"
        )
        summary = report.summary
        extra = {"review_items": summary["candidates raised"], "owners": summary["owners changed"]}
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": round(cpu, 3),
                "peak_rss_mb": round(peak, 1),
                "load_1min": load,
            }
            | extra
        )
    )


def bench_hub_writes(emit, workdir: Path, quick: bool) -> None:
    scale = 0.2 if quick else 1.0
    hub = workdir / "scale-hub.xlsx"
    build_s = build_hub(hub, scale)
    size_mb = hub.stat().st_size / 1e6
    interactions = int(100_000 * scale)
    targets = {"writer": "<= 2", "governance": "<= 10"}
    for job in ("writer", "governance"):
        copy = workdir / f"{job}-patched.xlsx"
        shutil.copy(hub, copy)
        cache = workdir / f"{job}-cache"
        for run, seed in (("cold", 9), ("warm", 10)):
            got = _child(job, copy, "patched", cache, seed)
            emit(
                f"local_hub_{job}_{interactions // 1000}k_{run}",
                got.pop("seconds"),
                "s",
                engine="patched",
                cache=run,
                file_mb=round(size_mb, 1),
                hub_build_s=round(build_s, 1),
                **({"target": targets[job], "rss_target": "<= 500"} if not quick else {}),
                **got,
            )
    if quick:
        return
    for job in ("writer", "governance"):
        copy = workdir / f"{job}-openpyxl.xlsx"
        shutil.copy(hub, copy)
        got = _child(job, copy, "openpyxl", None, 9)
        emit(
            f"local_hub_{job}_{interactions // 1000}k_openpyxl",
            got.pop("seconds"),
            "s",
            engine="openpyxl",
            **got,
        )


def _child(job: str, hub: Path, engine: str, cache: Path | None, seed: int) -> dict:
    """One measurement in its own process (its own peak RSS)."""
    command = [sys.executable, __file__, job, str(hub), engine, str(cache or ""), str(seed)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    args = sys.argv[1:]
    measure(
        args[0],
        args[1],
        args[2],
        (args[3] if len(args) > 3 else "") or None,
        int(args[4]) if len(args) > 4 else 9,
    )
