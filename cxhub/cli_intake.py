"""cxhub submit, drain, requeue, poll-forms and serve: submissions through intake, the queue and the
writer, with a line per submission."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from cxhub.cli_common import (
    EXIT_HUB_BROKEN,
    EXIT_NOT_WRITTEN,
    EXIT_OK,
    EXIT_REJECTED,
    UsageError,
    ensure_hub_said,
)
from cxhub.settings import Settings


def cmd_poll_forms(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring

    report = wiring.run_forms_poll(settings, args.workbook)
    if report is None:
        raise UsageError(
            "no Forms workbook: pass --workbook or set CXHUB_FORMS_WORKBOOK / CXHUB_FORMS_ITEM_ID"
        )
    print(f"Forms: {report.accepted} new response(s) queued, {report.rejected} rejected", end="")
    print(f"; last response ID {report.last_id}")
    return cmd_drain(args, settings)


def cmd_drain(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring

    ensure_hub_said(settings)
    queue = wiring.build_queue(settings)
    report = wiring.run_writer(settings, queue)
    print(_summary(report, queue))
    if report.hub_broken:
        return EXIT_HUB_BROKEN
    return EXIT_NOT_WRITTEN if report.hub_locked else EXIT_OK


def cmd_requeue(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub.hub_alerts import requeue

    moved, left = requeue(settings)
    print(f"Requeued {moved} poisoned message(s); the next writer run (or `cxhub drain`) writes them.")
    if left:
        print(f"{left} message(s) stay poisoned: not a JSON object, they would only fail again.")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import local_intake, wiring

    ensure_hub_said(settings)
    queue = wiring.build_queue(settings)

    def drain_once() -> None:
        report = wiring.run_writer(settings, queue)
        if report.outcomes or report.actions or report.hub_locked or report.hub_broken or report.poisoned:
            print(_summary(report, queue), flush=True)

    def pages(request):
        from cxhub.pages import handle

        return handle(settings, request, stand_in=args.as_user)

    if args.as_user:
        print(f"Pages answer as {args.as_user} (the stand-in for Entra ID sign-in)")
    logging.getLogger(local_intake.__name__).setLevel(logging.INFO)
    try:
        local_intake.serve(queue, drain_once, port=args.port, settings=settings, pages=pages)
    except OSError as e:  # the port is taken by another program, or not one this user may open
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {e.strerror or e}") from None
    return EXIT_OK


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring
    from cxhub.cli_notes import response_id, written_elsewhere
    from cxhub.local_intake import call_intake

    bodies = read_submission_file(args.file)
    ensure_hub_said(settings)
    queue = wiring.build_queue(settings)
    replies = [call_intake(queue, raw, secret=settings.intake_secret, settings=settings) for raw in bodies]
    report = wiring.run_writer(settings, queue)
    by_id: dict[str, deque] = defaultdict(deque)
    for outcome in report.outcomes:
        by_id[outcome.submission_id].append(outcome)
    unaccounted = any(r.status < 300 and not by_id.get(str(r.body.get("submissionId"))) for r in replies)
    written = not (report.hub_broken or report.hub_locked)
    elsewhere = written_elsewhere(settings, bodies) if unaccounted and written else {}
    rejected = 0
    for n, reply in enumerate(replies, 1):
        line, bad = describe(n, reply.status, reply.body, by_id)
        rid = response_id(bodies[n - 1])
        if line.endswith("(not written yet)") and rid is not None and rid in elsewhere:
            # Another CX Hub writer (cxhub serve, a second drain) took it from the queue first.
            line = f"#{n} accepted        {rid}  {elsewhere[rid]}  (written by another CX Hub process)"
        rejected += bad
        print(line)
    leftovers = sum(len(v) for v in by_id.values())
    if leftovers:
        print(f"(also wrote {leftovers} message(s) queued by earlier runs)")
    if report.hub_broken:
        print(f"Not written yet: the hub cannot be read: {report.hub_broken}.")
        print("Run 'cxhub drain' once it is fixed: the queued submissions wait, uncounted.")
        return EXIT_HUB_BROKEN
    if report.hub_locked:
        print(f"Not written yet: {report.hub_locked}. Run 'cxhub drain' once it is closed.")
        return EXIT_NOT_WRITTEN
    print(f"Hub: {settings.hub_path}")
    return EXIT_REJECTED if rejected else EXIT_OK


def describe(n: int, status: int, body: dict[str, Any], by_id: dict[str, deque]) -> tuple[str, int]:
    """One line per submission; returns (line, 1 if it was rejected else 0)."""
    sub_id = body.get("submissionId", "-")
    if status in (400, 401, 413, 422):
        errors = body.get("errors") or [{"field": "body", "message": body.get("message", "")}]
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if by_id.get(sub_id):
            by_id[sub_id].popleft()
        return f"#{n} rejected        {sub_id}  {text}", 1
    outcome = by_id[sub_id].popleft() if by_id.get(sub_id) else None
    if outcome is None:
        return f"#{n} queued          {sub_id}  (not written yet)", 0
    rid = outcome.response_id or "-"
    if outcome.status == "recorded":
        extra = f"  [{'; '.join(outcome.notes)}]" if outcome.notes else ""
        return (
            f"#{n} accepted        {rid}  {outcome.interaction_id}  "
            f"{outcome.account_id} {outcome.account_name}{extra}"
        ), 0
    if outcome.status == "duplicate":
        return f"#{n} already recorded {rid}  {outcome.interaction_id}", 0
    if outcome.status == "rejected":
        text = "; ".join(f"{e['field']}: {e['message']}" for e in outcome.errors)
        return f"#{n} rejected        {rid}  {text}", 1
    return f"#{n} not written     {rid}  {outcome.errors[0]['message']} (kept in the queue)", 1


def read_submission_file(path: Path) -> list[bytes]:
    """One object, a JSON array, or JSON Lines; each item as the bytes an HTTP body would carry:
    its own text from the file, so intake meets exactly what was written (a 5,000-digit number, a
    lone surrogate, nesting thousands deep) and answers it with a reason, as it would over HTTP."""
    data = sys.stdin.buffer.read() if str(path) == "-" else _read(path)
    text = data.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise UsageError(f"{path} is empty")
    return [item.encode() for item in submission_texts(text)]


# Only the extent of each value matters here: numbers are kept as text, so none can fail to convert.
_EXTENTS = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)


def submission_texts(text: str) -> list[str]:
    """The text of each body in `text`: the items of a JSON array, else the whole text if it is one
    JSON value, else each non-blank line (JSON Lines: a broken line is a rejected submission). An
    array whose items cannot be told apart (nested too deep to walk) is one body, which intake rejects."""
    if text.startswith("["):
        items = _array_items(text)
        if items is not None:
            return items
    try:
        _EXTENTS.decode(text)
    except RecursionError:
        return [text]
    except json.JSONDecodeError:
        return [line for line in text.splitlines() if line.strip()]
    return [text]


def _array_items(text: str) -> list[str] | None:
    """The text of each item of the JSON array `text`, or None if it is not one."""
    items: list[str] = []
    at = _skip_space(text, 1)
    if text[at : at + 1] == "]":
        return items if not text[at + 1 :].strip() else None
    while True:
        try:
            _, end = _EXTENTS.raw_decode(text, at)
        except (json.JSONDecodeError, RecursionError):
            return None
        items.append(text[at:end])
        at = _skip_space(text, end)
        if text[at : at + 1] == "]":
            return items if not text[at + 1 :].strip() else None
        if text[at : at + 1] != ",":
            return None
        at = _skip_space(text, at + 1)


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None


def _summary(report, queue) -> str:
    lines = [
        f"Writer: {report.count('recorded')} recorded, {report.count('duplicate')} already recorded, "
        f"{report.count('rejected')} rejected, in {report.batches} batch(es), {report.seconds:.1f}s"
    ]
    if report.actions:  # one-tap actions from the mails (hub/actions)
        done = {s: sum(1 for a in report.actions if a.status == s) for s in ("applied", "duplicate", "stale")}
        lines.append("Actions from mail: " + ", ".join(f"{n} {s}" for s, n in done.items() if n))
    if report.written:
        lines.append("Rows written: " + ", ".join(f"{k} {v}" for k, v in report.written.items()))
    if report.failed:
        lines.append(f"{report.failed} message(s) failed and stay queued (see the log; retried next run)")
    if report.hub_locked:
        lines.append(f"Nothing written: {report.hub_locked}")
    if report.hub_broken:
        lines.append(
            f"Nothing written, nothing counted against the queue: the hub cannot be read: {report.hub_broken}"
        )
    poison = queue.poison_count()
    if poison:
        lines.append(
            f"{poison} poisoned message(s) are kept in the queue's poison store for an admin "
            "(`cxhub requeue` puts them back once their cause is fixed)"
        )
    return "\n".join(lines)
