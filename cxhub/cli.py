"""The `cxhub` command: the same intake, queue and writer as the Azure functions, on a laptop."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from cxhub.settings import Settings, SettingsError

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_NOT_WRITTEN, EXIT_HUB_BROKEN = 0, 1, 2, 3, 4


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if not args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from hub.ports import HUB_BROKEN

    try:
        settings = Settings.from_env(hub=getattr(args, "hub", None))
        return int(args.run(args, settings) or 0)
    except HUB_BROKEN as e:
        print(f"cxhub: the hub cannot be read: {e}", file=sys.stderr)
        return EXIT_HUB_BROKEN
    except _user_errors() as e:
        print(f"cxhub: {e}", file=sys.stderr)
        return EXIT_USAGE


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors that are about the setup, said in one line rather than a traceback."""
    from hub.ports import HubSchemaError, HubUnavailable

    errors: list[type[BaseException]] = [
        HubUnavailable,
        SettingsError,
        FileExistsError,
        FileNotFoundError,
        UsageError,
        HubSchemaError,
    ]
    if "graph.client" in sys.modules:  # only when a Graph command ran: keep local runs light
        from graph.auth import AuthError
        from graph.client import GraphCallError

        errors += [AuthError, GraphCallError]
    return tuple(errors)


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cxhub", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="log what the writer does")
    sub = p.add_subparsers(required=True, metavar="COMMAND")
    hub_help = "the hub workbook (default: setting CXHUB_HUB, else ./hub.xlsx)"

    c = sub.add_parser("init", help="write a blank hub workbook")
    c.add_argument("--hub", help=hub_help)
    c.set_defaults(run=cmd_init)

    c = sub.add_parser("submit", help="submit Form responses from a JSON / JSON Lines file")
    c.add_argument(
        "file", type=Path, help="one submission object, a JSON array, or JSON Lines ('-' for stdin)"
    )
    c.add_argument("--hub", help=hub_help)
    c.set_defaults(run=cmd_submit)

    c = sub.add_parser("drain", help="write whatever is queued into the hub (the writer, once)")
    c.add_argument("--hub", help=hub_help)
    c.set_defaults(run=cmd_drain)

    c = sub.add_parser("requeue", help="put poisoned messages back on the queue (after fixing the hub)")
    c.add_argument("--hub", help=hub_help)
    c.set_defaults(run=cmd_requeue)

    c = sub.add_parser("import-erp", help="import an ERP export (customers, invoices or prices) into the hub")
    c.add_argument("file", type=Path, help="the export: .csv (',', ';' or tab) or .xlsx")
    c.add_argument("--kind", required=True, choices=("customers", "invoices", "prices"))
    c.add_argument("--hub", help=hub_help)
    c.set_defaults(run=cmd_import_erp)

    c = sub.add_parser(
        "run",
        help="run a timer job once: governance, erp-folder, followups (the day's reminders and digests)",
    )
    c.add_argument(
        "job", choices=("governance", "erp-folder", "followups", "steward-digest", "sla", "kpis", "health")
    )
    c.add_argument("--hub", help=hub_help)
    c.add_argument(
        "--as-of", type=_day, help="the run date YYYY-MM-DD (default today, Lagos; jobs run at 07:00)"
    )
    c.add_argument(
        "--outbox", type=Path, help="local mail: write .eml files here (default <hub folder>/outbox)"
    )
    c.add_argument("--folder", type=Path, help="erp-folder: a local drop folder (default CXHUB_ERP_FOLDER)")
    c.add_argument("--at", type=_moment, help="sla: run as at this Lagos time YYYY-MM-DDTHH:MM (default now)")
    c.set_defaults(run=cmd_run)

    c = sub.add_parser("export", help="write the hub as import-ready CSVs for HubSpot or Dynamics 365")
    c.add_argument("--format", required=True, choices=("hubspot", "dynamics"))
    c.add_argument("dir", type=Path, help="folder to write the CSV files into")
    c.add_argument("--hub", help=hub_help)
    c.set_defaults(run=cmd_export)

    c = sub.add_parser(
        "serve", help="serve POST /api/submissions and the pages (mail links) on 127.0.0.1, run the writer"
    )
    c.add_argument("--hub", help=hub_help)
    c.add_argument("--port", type=int, default=7071)
    c.add_argument(
        "--as",
        dest="as_user",
        metavar="EMAIL",
        help="the person signed in to the pages (stands in for Entra ID sign-in; local only)",
    )
    c.set_defaults(run=cmd_serve)

    c = sub.add_parser("demo", help="build a hub and feed it a realistic generated set of submissions")
    c.add_argument("--dir", type=Path, default=Path("cxhub-demo"))
    c.add_argument(
        "--outgrown",
        action="store_true",
        help="a hub past two upgrade thresholds (steward hours, concurrent users): see the admin mail",
    )
    c.add_argument("--count", type=int, default=300, help="how many submissions (default 300)")
    c.add_argument("--seed", type=int, default=65)
    c.set_defaults(run=cmd_demo)

    c = sub.add_parser("poll-forms", help="queue and write new responses from a Forms-linked workbook")
    c.add_argument(
        "--workbook",
        help="a local copy of the workbook (default: setting CXHUB_FORMS_WORKBOOK, or the "
        "SharePoint one in CXHUB_FORMS_DRIVE_ID / CXHUB_FORMS_ITEM_ID)",
    )
    c.add_argument("--hub", help=hub_help)
    c.set_defaults(run=cmd_poll_forms)

    c = sub.add_parser("login", help="sign the service account in once (delegated mode, device code)")
    c.set_defaults(run=cmd_login)

    c = sub.add_parser("doctor", help="check the Graph setup: token, hub access, workbook API, tables, mail")
    c.add_argument("--no-mail", action="store_true", help="skip the test mail to the first admin")
    c.set_defaults(run=cmd_doctor)

    c = sub.add_parser("provision", help="upload a blank hub to a SharePoint site and print the settings")
    c.add_argument("--site-url", required=True, help="e.g. https://contoso.sharepoint.com/sites/CX")
    c.add_argument("--folder", required=True, help="folder in the site's Documents library, e.g. 'CX Hub'")
    c.add_argument("--name", default="CX Hub.xlsx")
    c.add_argument(
        "--replace",
        action="store_true",
        help="upload a blank hub over an existing file of that name (SharePoint keeps the old one "
        "as a previous version); without it an existing hub is never touched",
    )
    c.set_defaults(run=cmd_provision)

    c = sub.add_parser(
        "grant-site",
        help="give the CX Hub app write on the hub's site (Sites.Selected), as a SharePoint admin",
    )
    c.add_argument("--site-url", required=True, help="e.g. https://contoso.sharepoint.com/sites/CX")
    c.add_argument("--app-id", required=True, help="the CX Hub app registration's client ID")
    c.add_argument("--role", default="write", choices=("read", "write"))
    c.set_defaults(run=cmd_grant_site)

    c = sub.add_parser("form", help="print the Microsoft Forms question set as a build checklist")
    c.set_defaults(run=cmd_form)
    return p


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from hub_schema.template import build_template

    path = build_template(settings.hub_path)
    print(f"Wrote a blank hub to {path}")
    return EXIT_OK


def cmd_form(args: argparse.Namespace, settings: Settings) -> int:
    from hub_schema.form import as_markdown

    print(as_markdown(), end="")
    return EXIT_OK


def _graph_required(settings: Settings, *, item: bool = True) -> None:
    missing = [
        n
        for n, v in (("CXHUB_TENANT_ID", settings.tenant_id), ("CXHUB_CLIENT_ID", settings.client_id))
        if not v and not settings.use_managed_identity
    ]
    if item:
        missing += [
            n
            for n, v in (
                ("CXHUB_HUB_DRIVE_ID", settings.hub_drive_id),
                ("CXHUB_HUB_ITEM_ID", settings.hub_item_id),
            )
            if not v
        ]
    if missing:
        raise UsageError(f"set {', '.join(missing)} first (see README, Settings)")


def cmd_login(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring
    from graph.auth import DelegatedTokens

    _graph_required(settings, item=False)
    tokens = DelegatedTokens(dataclasses.replace(wiring.auth_settings(settings), delegated=True))
    user = tokens.login(lambda text: print(text, flush=True))
    print(f"Signed in as {user}. The token cache is kept; set CXHUB_AUTH_MODE=delegated to use it.")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring
    from graph.admin import doctor, mail_check

    _graph_required(settings)
    tokens = wiring.graph_tokens(settings)
    client = wiring.build_graph_client(settings, tokens)
    checks = doctor(
        tokens,
        client,
        settings.hub_drive_id or "",
        settings.hub_item_id or "",
        wiring.auth_mode_name(settings),
    )
    if all(c.ok for c in checks[:2]):
        checks.append(_auth_modes(settings, tokens))
    if not args.no_mail and all(c.ok for c in checks[:1]):
        checks.append(mail_check(client, settings.mail_sender, settings.admin_emails))
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        if check.fix:
            print(f"     fix: {check.fix}")
    return EXIT_OK if all(c.ok for c in checks) else EXIT_REJECTED


def _auth_modes(settings: Settings, tokens):
    """Probe a workbook session in the configured auth mode and in the other one where its
    credentials are at hand, so the doctor can say which mode works in this tenant."""
    from cxhub import wiring
    from graph.admin import auth_modes

    def client_for(mode: str):
        changed = dataclasses.replace(
            settings,
            auth_mode=mode,
            use_managed_identity=settings.use_managed_identity and mode == "app",
        )
        tokens = wiring.graph_tokens(changed)
        tokens.token()  # fails here, with its reason, when this mode has no credentials
        return wiring.build_graph_client(changed, tokens)

    configured = "delegated" if settings.auth_mode == "delegated" else "app-only"
    # The configured mode with the doctor's own tokens: a second delegated token source over the
    # same cache would spend the refresh token the first one holds.
    probes = {configured: lambda: wiring.build_graph_client(settings, tokens)}
    app_credentials = settings.client_secret or settings.client_cert_path or settings.use_managed_identity
    if settings.auth_mode == "delegated" and app_credentials:
        probes["app-only"] = lambda: client_for("app")
    elif settings.auth_mode == "app":
        probes["delegated"] = lambda: client_for("delegated")
    return auth_modes(configured, probes, settings.hub_drive_id or "", settings.hub_item_id or "")


def cmd_provision(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    from cxhub import wiring
    from graph.admin import provision
    from hub_schema.template import build_template

    _graph_required(settings, item=False)
    with tempfile.TemporaryDirectory() as tmp:
        data = build_template(Path(tmp) / args.name).read_bytes()
    client = wiring.build_graph_client(settings)
    try:
        done = provision(client, args.site_url, args.folder, args.name, data, replace=args.replace)
    finally:
        client.close()
    print(f"Uploaded a blank hub: {done.web_url}\nPaste these settings:")
    print(f"CXHUB_HUB_DRIVE_ID={done.drive_id}\nCXHUB_HUB_ITEM_ID={done.item_id}")
    return EXIT_OK


def cmd_grant_site(args: argparse.Namespace, settings: Settings) -> int:
    """Run with the credentials of an admin app holding Sites.FullControl.All (CXHUB_CLIENT_ID /
    CXHUB_CLIENT_SECRET of that app), once; CX Hub's own app then needs only Sites.Selected."""
    from cxhub import wiring
    from graph.admin import grant_site

    _graph_required(settings, item=False)
    client = wiring.build_graph_client(settings)
    try:
        outcome = grant_site(client, args.site_url, args.app_id, args.role)
    finally:
        client.close()
    print(f"{args.role} on {args.site_url} for app {args.app_id}: {outcome}")
    return EXIT_OK


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

    _ensure_hub(settings)
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


def _ensure_hub(settings: Settings) -> None:
    from cxhub import wiring

    if wiring.ensure_hub(settings):
        print(f"Created a blank hub at {settings.hub_path}")


def _day(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def cmd_import_erp(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring
    from hub.governance.erp_parse import ErpFileError

    if not args.file.is_file():
        raise UsageError(f"{args.file} is not a file")
    wiring.ensure_hub(settings)
    try:
        report = wiring.import_erp(settings, args.file.name, args.file.read_bytes(), args.kind)
    except ErpFileError as e:
        raise UsageError(f"{args.file} was not imported: {e}") from None
    print(report.text())
    return EXIT_REJECTED if report.rejected else EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring

    if args.outbox:
        settings = dataclasses.replace(settings, outbox=args.outbox)
    if args.job == "followups":
        return _run_followups(settings, _run_time(args.as_of, settings.timezone))
    if args.job == "sla":
        return _run_sla(settings, args.at)
    if args.job == "kpis":
        return _run_kpis(settings, _run_time(args.as_of, settings.timezone))
    if args.job == "steward-digest":
        report = wiring.run_steward_digest(settings, _run_time(args.as_of, settings.timezone))
        print(f"Steward digest: {report.sent} sent, {report.already_sent} already sent today")
        return EXIT_OK if not report.failed else EXIT_NOT_WRITTEN
    if args.job == "health":
        return _run_health(settings, _run_time(args.as_of, settings.timezone))

    if args.job == "erp-folder":
        if args.folder:
            settings = dataclasses.replace(settings, erp_folder=args.folder)
        done = wiring.run_erp_folder(settings)
        if done is None:
            raise UsageError("no ERP drop folder: pass --folder or set CXHUB_ERP_FOLDER")
        for item in done:
            print(f"{item.name}: {item.outcome}\n{item.report}\n")
        if not done:
            print("The ERP drop folder holds no new files.")
        return EXIT_OK if all(i.outcome == "processed" for i in done) else EXIT_REJECTED
    wiring.ensure_hub(settings)
    report = wiring.run_governance(settings, args.as_of)
    print(f"Governance run ({report.seconds:.1f}s):")
    for name, value in report.summary.items():
        print(f"  {name:<34} {value}")
    for name, count in sorted(report.unmapped_salespeople.items()):
        print(f"  ERP salesperson {name!r} ({count} account(s)) is not on the Staff tab: owner left as is")
    for skipped in report.skipped_merges:
        print(f"  merge not applied: {skipped}")
    return EXIT_OK


def _run_time(day, timezone: str):
    """--as-of DAY: the job runs as it would at 07:00 Lagos that day."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(7, 0), tzinfo=ZoneInfo(timezone)) if day else None


def _run_followups(settings: Settings, now) -> int:
    from cxhub import wiring

    wiring.ensure_hub(settings)
    report = wiring.run_followups(settings, now)
    sent = f"{report.reminders_sent} reminder(s) and {report.digests_sent} manager digest(s)"
    print(f"Follow-ups: {sent} sent {_mail_where(settings)}.")
    if report.already_sent:
        print(f"  {report.already_sent} mail(s) had already gone out today and were not sent again.")
    for recipient in report.failed:
        print(f"  could not mail {recipient}")
    return EXIT_OK if not report.failed else EXIT_REJECTED


def _run_sla(settings: Settings, at) -> int:
    from zoneinfo import ZoneInfo

    from cxhub import wiring

    wiring.build_store(settings).ensure_exists()
    now = at.replace(tzinfo=ZoneInfo(settings.timezone)) if at else None
    report = wiring.run_sla(settings, now)
    if report.quiet:
        print("Response warnings: outside business hours or on a quiet day; nothing was sent.")
        return EXIT_OK
    print(f"Response warnings: {report.sent} sent {_mail_where(settings)}", end="")
    print(f"; {report.already_sent} already sent earlier." if report.already_sent else ".")
    for interaction_id in report.failed:
        print(f"  could not mail the warning about {interaction_id}")
    return EXIT_OK if not report.failed else EXIT_REJECTED


def _moment(text: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2026-11-23T14:30") from None


def _mail_where(settings: Settings) -> str:
    from cxhub import wiring

    if wiring.mail_through_outlook(settings):
        return f"from {settings.mail_sender}"
    return f"in {wiring.outbox_path(settings)}"


def _run_kpis(settings: Settings, now) -> int:
    from cxhub import wiring

    wiring.ensure_hub(settings)
    report = wiring.run_kpis(settings, now)
    print(f"KPIs for the week of {report.week:%d %b %Y}:")
    if report.already_recorded:
        print("  already on the Dashboard tab; nothing added")
    else:
        print(f"  {report.rows_written} row(s) added to the Dashboard tab")
    if report.mailed_to:
        who = f"{len(report.mailed_to)} manager(s)/admin(s)"
        print(f"  digest with charts mailed to {who} {_mail_where(settings)}")
    return EXIT_OK


def _run_health(settings: Settings, now) -> int:
    from cxhub import wiring

    wiring.ensure_hub(settings)
    report = wiring.run_health(settings, now)
    print("Upgrade triggers (v6 thresholds):")
    for t in report.triggers:
        trend = (
            "crossed"
            if t.met
            else "no trend yet"
            if t.weeks_to_threshold is None
            else f"~{t.weeks_to_threshold:g} weeks to go"
        )
        print(f"  {t.name:<26} {t.value:>8.2f} {t.unit:<5} threshold {t.threshold:g}  ({trend})")
    print(f"  {report.row['Triggers Met']} of 4 met; a Health row was added.")
    if report.mailed:
        what = "the evidence and a CRM requirements draft"
        print(f"  Two or more hold: the admins were mailed {what} {_mail_where(settings)}.")
    elif report.already_mailed_this_week:
        print("  The admins were already mailed this week.")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring
    from hub.upgrade.exports import export_hub
    from hub_schema.tabs import TABS

    store = wiring.build_store(settings)
    try:
        tables = store.read_tables([t.name for t in TABS])
    finally:
        store.close()
    args.dir.mkdir(parents=True, exist_ok=True)
    from cxhub.cli_notes import formula_like_cells

    risky = 0
    for file in export_hub(tables, args.format):
        (args.dir / file.name).write_bytes(file.data)
        print(f"  {file.name:<34} {file.rows:>7} rows")
        risky += formula_like_cells(file.data)
    print(f"Import-ready CSVs for {args.format} in {args.dir}; column mappings in docs/EXPORT.md.")
    if risky:
        print(
            f"Note: {risky} cell(s) start with =, +, - or @ (phone numbers aside) and are written as "
            "they are, for the CRM. Excel would run them as formulas if a file were opened by "
            "double-click: look at the files with Data > From Text/CSV (docs/EXPORT.md)."
        )
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import local_intake, wiring

    _ensure_hub(settings)
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
    local_intake.serve(queue, drain_once, port=args.port, settings=settings, pages=pages)
    return EXIT_OK


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring
    from cxhub.cli_notes import response_id, written_elsewhere
    from cxhub.local_intake import call_intake

    bodies = read_submission_file(args.file)
    _ensure_hub(settings)
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
    """One object, a JSON array, or JSON Lines; each item as the bytes an HTTP body would carry."""
    data = sys.stdin.buffer.read() if str(path) == "-" else _read(path)
    text = data.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise UsageError(f"{path} is empty")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        # JSON Lines: every non-blank line is one body; a broken line is a rejected submission.
        return [line.encode() for line in text.splitlines() if line.strip()]
    items = parsed if isinstance(parsed, list) else [parsed]
    return [json.dumps(item, ensure_ascii=False).encode() for item in items]


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


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub.demo import run_demo

    return run_demo(args.dir, count=args.count, seed=args.seed, outgrown=args.outgrown)


if __name__ == "__main__":
    sys.exit(main())
