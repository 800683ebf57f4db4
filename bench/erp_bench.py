"""ERP import at scale, and the writer against a big hub (issue 12, finding 3: linear matching).

Customers exports of 20k and 100k rows (quick: 2k) imported into an empty local hub, then the same
file again (every row unchanged). Each import runs in its own process so its peak RSS is its own;
the parse and the rules alone (no store) are timed in a third. The 1-minute load average at the
start and end of each import is reported: the machine is shared, so wall seconds follow the load.
Names come from the governance bench's generator: unique group words, a shared industry word,
a legal form; one in twenty is a near-variant of an earlier name, so the near-name search has
work to do. The writer figure is one batch of 500 submissions recorded against the governance
bench's 20k-account hub, in memory (the local .xlsx store's own speed is measured elsewhere).
Targets: <= 10 s for 20k, <= 60 s for 100k, <= 1 GB peak RSS. CPU seconds are reported beside
wall seconds: on a shared machine they are the steadier figure.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from governance_bench import INDUSTRY, SUFFIX_FORMS, SYLLABLES, _typo

HEADER = "CUSTOMER_NUMBER;CUSTOMER_NAME;CUSTOMER_TYPE;INDUSTRY;ADDRESS1;CITY;STATE;PHONE_NUMBER"


def _word(rng: random.Random, used: set[str]) -> str:
    """A unique made-up word of three or four syllables (three alone run out before 100k names)."""
    while True:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((3, 4)))).capitalize()
        if word not in used and len(word) >= 5:
            used.add(word)
            return word


def customers_csv(rows: int, seed: int = 12) -> bytes:
    rng = random.Random(seed)
    used: set[str] = set()
    names: list[list[str]] = []
    lines = [HEADER]
    for i in range(rows):
        if names and rng.random() < 0.05:  # a near-variant of an earlier customer
            words = list(rng.choice(names))
            words[0] = _typo(rng, words[0])
        else:
            words = [_word(rng, used), _word(rng, used), rng.choice(INDUSTRY)]
            names.append(words)
        name = " ".join(words) + " " + rng.choice(SUFFIX_FORMS)
        phone = f"080{rng.randrange(10**8):08d}"
        lines.append(f"C{100_000 + i};{name};ORGANIZATION;TRADING;{i} Allen Avenue;Ikeja;Lagos;{phone}")
    return ("\n".join(lines) + "\n").encode()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rules_once(export: Path) -> dict:
    """Child process: parse the export and run the import rules against an empty hub (no store)."""
    from hub.governance.erp_import import import_parsed
    from hub.governance.erp_parse import parse_export
    from hub.governance.rules import GovernanceRules
    from hub_schema.erp import load_mappings

    data = export.read_bytes()
    cpu = _cpu()
    parsed = parse_export(export.name, data, "customers", load_mappings())
    parse_cpu = _cpu() - cpu
    import_parsed(parsed, {}, datetime(2026, 11, 30), GovernanceRules())
    return {"parse_cpu_seconds": round(parse_cpu, 2), "rules_cpu_seconds": round(_cpu() - cpu - parse_cpu, 2)}


def import_once(export: Path, hub: Path) -> dict:
    """Child process: import the export into the hub at `hub` (created empty if it is not there),
    end to end through the local .xlsx store; seconds, CPU seconds and this process's peak RSS."""
    from cxhub import wiring
    from hub.governance.jobs import import_erp_file
    from hub.governance.rules import GovernanceRules
    from hub_schema.erp import load_mappings
    from local.xlsx_store import XlsxHubStore

    data = export.read_bytes()
    store = XlsxHubStore(hub)
    store.ensure_exists()
    before = hashlib.sha256(hub.read_bytes()).digest()
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _cpu()
    report = import_erp_file(
        store,
        export.name,
        data,
        "customers",
        load_mappings(),
        wiring.clock,
        GovernanceRules(),
        "Africa/Lagos",
    )
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(_cpu() - cpu, 2),
        "peak_rss_mb": _peak_mb(),
        "load_avg_1min": [round(load, 2), round(os.getloadavg()[0], 2)],  # at the start and the end
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "to_review": report.sent_to_review,
        "hub_mb": round(hub.stat().st_size / 1e6, 1),
        "hub_bytes_unchanged": hashlib.sha256(hub.read_bytes()).digest() == before,  # a re-import: True
    }


def writer_batch_once(batch: int, scale: float) -> dict:
    """Child process: one writer batch recorded against a 20k-account hub (rules only; quick: 4k)."""
    from governance_bench import generate as hub

    from cxhub.sample_data import generate as submissions
    from hub.intake.receive import receive
    from hub.intake.recorder import record_batch
    from hub.intake.validation import IntakeRules
    from hub.matching import MatchRules

    tables, _ = hub(scale)
    now = datetime.now(UTC)
    messages = []
    for raw in submissions(batch, now, seed=8, bad_share=0.0, repeat_share=0.0).bodies[:batch]:
        reply = receive(raw, signature=None, secret=None, now=now, rules=IntakeRules())
        if reply.message is not None:
            messages.append(reply.message)
    started, cpu = time.perf_counter(), _cpu()
    result = record_batch(tables, messages, now.replace(tzinfo=None), MatchRules())
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(_cpu() - cpu, 3),
        "submissions": len(messages),
        "accounts": len(tables["Accounts"]),
        "recorded": sum(o.status == "recorded" for o in result.outcomes),
        "peak_rss_mb": _peak_mb(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }


def _child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_erp(emit, quick: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (2_000,) if quick else (20_000, 100_000):
            export = Path(tmp) / f"customers-{rows}.csv"
            export.write_bytes(customers_csv(rows))
            hub = Path(tmp) / f"erp-{rows}.xlsx"
            rules = _child("rules", str(export))
            target = {20_000: "<= 10", 100_000: "<= 60"}.get(rows)
            for run in ("empty_hub", "reimport"):  # the re-import finds the hub the first run wrote
                found = _child("import", str(export), str(hub))
                emit(
                    f"erp_customers_{rows // 1000}k_{run}",
                    found.pop("seconds"),
                    "s",
                    **({"target": target} if target else {}),
                    rss_target="<= 1024",
                    **found,
                    **rules,
                    file_mb=round(export.stat().st_size / 1e6, 1),
                )
    found = _child("writer", "100" if quick else "500", "0.2" if quick else "1.0")
    where = "in memory, the recording rules only (end to end on the .xlsx hub: local_hub_writer_*_warm)"
    name = f"writer_batch_vs_{found['accounts'] // 1000}k_accounts"
    emit(name, found.pop("seconds"), "s", store=where, **found)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if sys.argv[1] == "import":
        print(json.dumps(import_once(Path(sys.argv[2]), Path(sys.argv[3]))))
    elif sys.argv[1] == "rules":
        print(json.dumps(rules_once(Path(sys.argv[2]))))
    else:
        print(json.dumps(writer_batch_once(int(sys.argv[2]), float(sys.argv[3]))))
