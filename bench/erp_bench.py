"""ERP import at scale, and the writer against a big hub (issue 12, finding 3: linear matching).

Customers exports of 20k and 100k rows (quick: 2k) imported into an empty local hub, then the same
file again (every row unchanged). Each size runs in its own process so its peak RSS is its own.
Names come from the governance bench's generator: unique group words, a shared industry word,
a legal form; one in twenty is a near-variant of an earlier name, so the near-name search has
work to do. The writer figure is one batch of 500 submissions recorded against the governance
bench's 20k-account hub, in memory (the local .xlsx store's own speed is measured elsewhere).
Targets: <= 10 s for 20k, <= 60 s for 100k, <= 1 GB peak RSS. CPU seconds are reported beside
wall seconds: on a shared machine they are the steadier figure.
"""

from __future__ import annotations

import json
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


def import_once(rows: int, workdir: Path) -> dict:
    """Child process: import the export into an empty hub, then again; seconds and peak RSS."""
    from cxhub import wiring
    from hub.governance.erp_import import ImportRules, import_parsed
    from hub.governance.erp_parse import parse_export
    from hub.governance.jobs import import_erp_file
    from hub_schema.erp import load_mappings
    from local.xlsx_store import XlsxHubStore

    data = customers_csv(rows)
    store = XlsxHubStore(workdir / f"erp-{rows}.xlsx")
    store.ensure_exists()
    out: dict = {"rows": rows, "file_mb": round(len(data) / 1e6, 1)}
    cpu = _cpu()
    parsed = parse_export("customers.csv", data, "customers", load_mappings())
    out["parse_cpu_seconds"] = round(_cpu() - cpu, 2)
    cpu = _cpu()
    import_parsed(parsed, {}, datetime(2026, 11, 30), ImportRules())
    out["rules_only_cpu_seconds"] = round(_cpu() - cpu, 2)
    for run in ("empty_hub", "reimport"):
        started, cpu = time.perf_counter(), _cpu()
        report = import_erp_file(
            store,
            "customers.csv",
            data,
            "customers",
            load_mappings(),
            wiring.clock,
            ImportRules(),
            "Africa/Lagos",
        )
        out[run] = {
            "seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(_cpu() - cpu, 2),
            "inserted": report.inserted,
            "unchanged": report.unchanged,
            "to_review": report.sent_to_review,
        }
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


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
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
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
            found = _child("import", str(rows), tmp)
            target = {20_000: "<= 10", 100_000: "<= 60"}.get(rows)
            for run in ("empty_hub", "reimport"):
                emit(
                    f"erp_customers_{rows // 1000}k_{run}",
                    found[run]["seconds"],
                    "s",
                    **({"target": target} if target else {}),
                    peak_rss_mb=found["peak_rss_mb"],
                    parse_cpu_seconds=found["parse_cpu_seconds"],
                    rules_only_cpu_seconds=found["rules_only_cpu_seconds"],
                    rss_target="<= 1024",
                    **{k: v for k, v in found[run].items() if k != "seconds"},
                    file_mb=found["file_mb"],
                )
    found = _child("writer", "100" if quick else "500", "0.2" if quick else "1.0")
    emit(f"writer_batch_vs_{found['accounts'] // 1000}k_accounts", found.pop("seconds"), "s", **found)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if sys.argv[1] == "import":
        print(json.dumps(import_once(int(sys.argv[2]), Path(sys.argv[3]))))
    else:
        print(json.dumps(writer_batch_once(int(sys.argv[2]), float(sys.argv[3]))))
