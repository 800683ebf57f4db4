"""`cxhub demo`: the whole pipeline on the embedded default, on generated data, in seconds."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from cxhub import wiring
from cxhub.local_intake import call_intake
from cxhub.sample_data import generate, staff_rows
from cxhub.settings import Settings
from hub.ports import HubChanges
from hub.services import DrainReport, drain


def run_demo(directory: Path, *, count: int = 300, seed: int = 65) -> int:
    directory = Path(directory)
    hub_path = directory / "hub.xlsx"
    if directory.exists():
        for old in (
            hub_path,
            directory / "hub.queue.sqlite",
            directory / "hub.queue.sqlite-wal",
            directory / "hub.queue.sqlite-shm",
        ):
            old.unlink(missing_ok=True)
    directory.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env({}, hub=hub_path)  # the demo never touches a configured hub
    store = wiring.build_store(settings)
    store.ensure_exists()  # type: ignore[attr-defined]
    store.apply(HubChanges(appends={"Staff": staff_rows()}))
    queue = wiring.build_queue(settings)

    now = wiring.clock()
    data = generate(count, now, seed)
    replies = []
    total = DrainReport()
    with tqdm(total=len(data.bodies), desc="Submitting", unit="sub", leave=False) as bar:
        for i, raw in enumerate(data.bodies, 1):
            replies.append(call_intake(queue, raw))
            bar.update()
            if i % 100 == 0 or i == len(data.bodies):
                bar.set_description("Writing the hub")
                _merge(total, drain(queue, store, wiring.clock, wiring.writer_rules(settings)))
                bar.set_description("Submitting")

    tables = store.read_tables(
        ["Accounts", "Contacts", "Interactions", "Opportunities", "Tickets", "Review Queue", "Rejected"]
    )
    statuses = [r.status for r in replies]
    print(f"CX Hub demo: {len(data.bodies)} Form submissions through intake → queue → writer\n")
    print(f"  intake accepted (202)     {statuses.count(202)}")
    print(
        f"  intake rejected (422/400) {statuses.count(422) + statuses.count(400)}  "
        f"({data.expected_bad} generated bad on purpose; a re-delivered bad one is refused again)"
    )
    print(f"  recorded                  {total.count('recorded')}")
    print(f"  repeats recognised        {total.count('duplicate')}  (generated {data.repeats} re-deliveries)")
    print(f"  writer batches            {total.batches}, {total.seconds:.1f}s\n")
    for name in (
        "Accounts",
        "Contacts",
        "Interactions",
        "Opportunities",
        "Tickets",
        "Review Queue",
        "Rejected",
    ):
        print(f"  {name:<14} {len(tables[name]):>5} rows")
    linked = [o for o in total.outcomes if any("near match" in n for n in o.notes)]
    print(
        f"\n  {len(linked)} submission(s) with a misspelt company name were linked to the existing "
        "account and flagged in the Review Queue."
    )
    if tables["Rejected"]:
        first = tables["Rejected"][0]["Errors"].splitlines()[0]
        print(f"  Rejected submissions keep their raw payload; e.g. {first}")
    print(
        f"\nOpen {hub_path} in Excel or LibreOffice: every tab is a table; dropdowns come from the "
        "Lists tab;\noverdue open actions show red on Interactions. Try next:"
    )
    print(f"  cxhub submit my-submissions.json --hub {hub_path}")
    print(f"  cxhub serve --hub {hub_path}     # POST /api/submissions on 127.0.0.1:7071")
    return 0


def _merge(total: DrainReport, part: DrainReport) -> None:
    total.outcomes.extend(part.outcomes)
    total.batches += part.batches
    total.seconds += part.seconds
    total.poisoned += part.poisoned
    total.failed += part.failed
