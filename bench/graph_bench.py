"""Graph benchmarks against the project's fake Graph (real HTTPS, real msal and msgraph-sdk paths).

What they show is request economy, which is what Graph throttles on; wall times on loopback are a
floor, so the latency run injects 150 ms per request to approximate a real tenant.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

LATENCY = 0.15  # seconds added to every Graph request in the latency run
PAGE_ROWS = 5_000  # rows per range request in the paged read (19 columns: ~95k cells a page)


def _settings(fake, item_id: str):
    from cxhub.settings import Settings

    return Settings.from_env(fake.settings_env(item_id))


def _graph_requests(fake) -> int:
    return sum(1 for r in fake.requests if r.path.startswith("/v1.0"))


def _burst(fake, workdir: Path, n: int, label: str, *, rows_per_add: int | None = None) -> dict[str, Any]:
    """Queue n valid submissions, drain them into a fresh hub on the fake; requests and wall time."""
    from cxhub import wiring
    from cxhub.local_intake import call_intake
    from cxhub.sample_data import generate
    from graph.workbook_store import GraphHubStore
    from hub.intake.writer import drain
    from hub_schema.template import build_template
    from local.journal_queue import JournalQueue

    item_id = fake.add_file(f"{label}.xlsx", build_template(workdir / f"{label}.xlsx").read_bytes())
    queue = JournalQueue(workdir / f"{label}.sqlite")
    for raw in generate(n, datetime.now(UTC), seed=11, bad_share=0.0, repeat_share=0.0).bodies[:n]:
        call_intake(queue, raw)
    settings = _settings(fake, item_id)
    store = wiring.build_store(settings)
    assert isinstance(store, GraphHubStore)
    if rows_per_add is not None:
        store.rows_per_add = rows_per_add
    before = _graph_requests(fake)
    started = time.perf_counter()
    report = drain(queue, store, wiring.clock)
    store.close()
    seconds = time.perf_counter() - started
    store.client.close()
    recorded = report.count("recorded")
    assert recorded == n, f"{label}: {recorded} of {n} recorded"
    requests = _graph_requests(fake) - before
    return {
        "requests": requests,
        "seconds": seconds,
        "rows": sum(report.written.values()),
        "recorded": recorded,
    }


def bench_graph_writer(emit, workdir: Path, n: int = 500) -> None:
    from tests.fakegraph import FakeGraph, Fault

    fake = FakeGraph(workdir / "fake-writer")
    fake.start()
    try:
        batched = _burst(fake, workdir, n, "batched")
        per_row = _burst(fake, workdir, n, "per-row", rows_per_add=1)
        for name, run in (("batched", batched), ("per_row", per_row)):
            emit(
                f"graph_requests_per_submission_{name}",
                run["requests"] / run["recorded"],
                "requests/submission",
                burst=n,
                graph_requests=run["requests"],
                rows_written=run["rows"],
                **({"target": "<= 0.05"} if name == "batched" else {}),
            )
        fake.faults.append(Fault("latency", path="^/v1.0/", delay=LATENCY))
        slow = _burst(fake, workdir, n, "latency")
        emit(
            "graph_writer_wall_time_150ms",
            slow["seconds"],
            "s",
            burst=n,
            graph_requests=slow["requests"],
            per_row_floor_s=round(per_row["requests"] * LATENCY, 1),
            note="per_row_floor_s = the per-row approach's requests x 150 ms (not run: it only adds waiting)",
        )
    finally:
        fake.stop()


def bench_graph_read(emit, workdir: Path, fixture: Path, rows: int) -> None:
    """Read a hub of `rows` interactions: one content download vs paging the sheet's used range."""
    from cxhub import wiring
    from graph.workbook_store import GraphHubStore
    from tests.fakegraph import FakeGraph

    fake = FakeGraph(workdir / "fake-read")
    fake.start()
    try:
        item_id = fake.add_file("big.xlsx", fixture.read_bytes())
        settings = _settings(fake, item_id)
        store = wiring.build_store(settings)
        assert isinstance(store, GraphHubStore)
        before = _graph_requests(fake)
        started = time.perf_counter()
        data = store.download()
        seconds = time.perf_counter() - started
        emit(
            f"graph_read_{rows // 1000}k_content",
            _graph_requests(fake) - before,
            "requests",
            rows=rows,
            bytes=len(data),
            seconds=round(seconds, 2),
            note="item metadata (eTag) + /content; the 302 download is not a Graph call",
        )
        token = wiring.graph_tokens(settings).token()
        paged = _page_used_range(fake, item_id, token, "Interactions")
        emit(
            f"graph_read_{rows // 1000}k_paged_used_range",
            paged.pop("requests"),
            "requests",
            rows=rows,
            **paged,
        )
        store.client.close()
    finally:
        fake.stop()


def _page_used_range(fake, item_id: str, token: str, sheet: str) -> dict[str, Any]:
    """The Excel-service way: ask the used range's address, then fetch it PAGE_ROWS rows a request."""
    from openpyxl.utils import range_boundaries

    base = f"{fake.graph_url}/drives/{fake.drive_id}/items/{item_id}/workbook/worksheets/{sheet}"
    headers = {"Authorization": f"Bearer {token}"}
    requests, received = 0, 0
    started = time.perf_counter()
    with httpx.Client(verify=str(fake.cert_path), timeout=600) as http:
        first = http.get(f"{base}/usedRange(valuesOnly=true)", params={"$select": "address"}, headers=headers)
        requests, received = 1, len(first.content)
        address = first.json()["address"].split("!")[1]
        _, min_row, _, max_row = range_boundaries(address)
        last_col = address.split(":")[1].rstrip("0123456789")
        for top in range(min_row, max_row + 1, PAGE_ROWS):
            bottom = min(top + PAGE_ROWS - 1, max_row)
            page = http.get(
                f"{base}/range(address='A{top}:{last_col}{bottom}')",
                params={"$select": "address,values"},
                headers=headers,
            )
            page.raise_for_status()
            requests += 1
            received += len(page.content)
    seconds = round(time.perf_counter() - started, 2)
    return {"requests": requests, "bytes": received, "seconds": seconds, "page_rows": PAGE_ROWS}


def build_hub_fixture(workdir: Path, rows: int, cache: Path) -> Path:
    """A blank hub whose Interactions table already holds `rows` rows (cached between runs)."""
    from openpyxl import load_workbook

    from hub_schema.tabs import tab
    from hub_schema.template import build_template

    path = cache / f"hub-{rows}.xlsx"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    blank = build_template(workdir / f"blank-{rows}.xlsx")
    book = load_workbook(blank)
    schema = tab("Interactions")
    ws = book[schema.name]
    table = ws.tables[schema.table_name]
    base = datetime(2026, 1, 1, 8, 0)
    for i in range(1, rows + 1):
        when = base.replace(day=1 + i % 28, hour=8 + i % 9)
        values = {
            "Interaction ID": f"INT-{i:06d}",
            "Date": when,
            "Contact ID": f"CON-{i % 9000:06d}",
            "Account ID": f"ACC-{i % 4000:06d}",
            "Channel": "Phone",
            "Notes": f"Discussed order {i}; customer wants delivery next week.",
            "Logged By": "ada.okafor@mikano.example",
            "Division": "Motors",
            "Source Response ID": f"resp-{i:07d}",
            "Submitted At": when,
            "Recorded At": when,
        }
        for c, name in enumerate(schema.column_names, start=1):
            ws.cell(i + 1, c, values.get(name))
    last = ws.cell(1, len(schema.column_names)).column_letter
    table.ref = f"A1:{last}{rows + 1}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    tmp = path.with_suffix(".tmp.xlsx")
    book.save(tmp)
    tmp.replace(path)
    return path


def bench_graph_batch(emit, workdir: Path, rows: int, cache: Path, n: int = 50) -> None:
    """One write batch of n submissions into a hub of `rows` interactions: Graph requests and bytes
    (request and response bodies, as sent on the wire), with the reads as they were before
    $select (every column's values in the column listing, every range property) and as they are."""
    from cxhub import wiring
    from cxhub.local_intake import call_intake
    from cxhub.sample_data import generate
    from graph.workbook_store import GraphHubStore
    from hub.intake.writer import drain
    from local.journal_queue import JournalQueue
    from tests.fakegraph import FakeGraph

    fixture = build_hub_fixture(workdir, rows, cache)
    bodies = generate(n, datetime.now(UTC), seed=5, bad_share=0.0, repeat_share=0.0).bodies[:n]
    fake = FakeGraph(workdir / "fake-batch")
    fake.start()
    figures: dict[str, dict[str, int]] = {}
    try:
        for label, lean in (("before", False), ("after", True)):
            item_id = fake.add_file(f"hub-{label}.xlsx", fixture.read_bytes())
            queue = JournalQueue(workdir / f"batch-{label}.sqlite")
            for raw in bodies:
                call_intake(queue, raw)
            settings = _settings(fake, item_id)
            store = GraphHubStore(
                wiring.build_graph_client(settings), fake.drive_id, item_id, lean_reads=lean
            )
            first = len(fake.requests)
            report = drain(queue, store, wiring.clock)
            store.close()
            store.client.close()
            graph = [r for r in fake.requests[first:] if r.path.startswith("/v1.0")]
            figures[label] = {
                # Without $select a big hub's reads can outlast the client's timeout: then the batch
                # is put back for the next run, which is what the figure should show.
                "written": int(report.count("recorded") == n),
                "requests": len(graph),
                "bytes_in": sum(r.response_bytes for r in graph),
                "bytes_out": sum(len(json.dumps(r.body)) for r in graph if r.body is not None),
            }
    finally:
        fake.stop()
    for key, unit in (("bytes_in", "bytes"), ("requests", "requests")):
        emit(
            f"graph_write_batch_{rows // 1000}k_{key}",
            figures["after"][key],
            f"{unit}/batch",
            rows=rows,
            submissions=n,
            before=figures["before"][key],
            after=figures["after"][key],
            bytes_out_before=figures["before"]["bytes_out"],
            bytes_out_after=figures["after"]["bytes_out"],
            batch_written_before=bool(figures["before"]["written"]),
            batch_written_after=bool(figures["after"]["written"]),
            note="before: no $select on column listings and ranges; after: name,index / address,values",
        )
