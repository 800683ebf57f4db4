"""The `cxhub` command: the same intake, queue and writer as the Azure functions, on a laptop."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cxhub.cli_common import (
    EXIT_HUB_BROKEN,
    EXIT_NOT_WRITTEN,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    UsageError,
)
from cxhub.cli_graph import cmd_doctor, cmd_grant_site, cmd_login, cmd_provision
from cxhub.cli_intake import cmd_drain, cmd_poll_forms, cmd_requeue, cmd_serve, cmd_submit
from cxhub.cli_jobs import cmd_run
from cxhub.cli_upgrade import cmd_upgrade_hub
from cxhub.settings import Settings, SettingsError
from hub.text import noun


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
    except _storage_errors() as e:
        return _said_storage_error(e)


def _storage_errors() -> tuple[type[BaseException], ...]:
    """The Azure Storage SDK's errors (its own retries spent). Only when an Azure adapter was
    built: local runs never load the SDK."""
    if "azure.core.exceptions" not in sys.modules:
        return ()
    from azure.core.exceptions import AzureError

    return (AzureError,)


def _said_storage_error(e: BaseException) -> int:
    """A refused key is a setting to fix (exit 2); anything else, an outage to wait out (exit 3).
    One line: the SDK appends the service's whole XML reply to its message."""
    from azure.core.exceptions import ClientAuthenticationError

    said = (str(e).strip().splitlines() or [""])[0]
    if isinstance(e, ClientAuthenticationError):
        print(
            f"cxhub: Azure Storage refused the account's key ({said}); check the connection string "
            "in CXHUB_STORAGE_CONNECTION (else AzureWebJobsStorage)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(
        f"cxhub: Azure Storage failed ({type(e).__name__}: {said}). Nothing queued was lost; run "
        "the command again when the storage account answers",
        file=sys.stderr,
    )
    return EXIT_NOT_WRITTEN


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors that are about the setup, said in one line rather than a traceback."""
    from hub.intake.forms_sheet import FormsWorkbookError
    from hub.ports import HubSchemaError, HubUnavailable

    errors: list[type[BaseException]] = [
        HubUnavailable,
        SettingsError,
        FileExistsError,
        FileNotFoundError,
        UsageError,
        HubSchemaError,
        FormsWorkbookError,
    ]
    if "graph.client" in sys.modules:  # only when a Graph command ran: keep local runs light
        from graph.auth import AuthError
        from graph.client import GraphCallError

        errors += [AuthError, GraphCallError]
    return tuple(errors)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cxhub", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="log what the writer does")
    sub = p.add_subparsers(required=True, metavar="COMMAND")
    hub_help = "the hub workbook (default: setting CXHUB_HUB, else ./hub.xlsx)"

    c = sub.add_parser("init", help="write a blank hub workbook")
    c.add_argument("--hub", help=hub_help)
    c.set_defaults(run=cmd_init)

    c = sub.add_parser(
        "upgrade-hub",
        help="bring a hub made by an older CX Hub up to this schema (adds tabs, columns, list values; "
        "keeps every row; backup first)",
    )
    c.add_argument("--hub", help=hub_help)
    c.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    c.set_defaults(run=cmd_upgrade_hub)

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
    c.add_argument("--port", type=_port, default=7071, help="0 to 65535 (0: any free port)")
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
    c.add_argument("--count", type=_positive, default=300, help="how many submissions (default 300)")
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
    c.add_argument("--feedback", action="store_true", help="the pilot's staff feedback Form instead")
    c.set_defaults(run=cmd_form)
    c = sub.add_parser("guide", help="write the one-page staff guide (HTML and A4 PDF) from the Form")
    c.add_argument("--out", type=Path, default=Path("."), help="folder for staff-guide.html/.pdf")
    c.add_argument("--browser", help="the Chromium to print the PDF with (default: chromium on PATH)")
    c.add_argument("--html-only", action="store_true", help="write the HTML only (no browser needed)")
    c.set_defaults(run=cmd_guide)

    c = sub.add_parser("report", help="write a report on demand")
    c.add_argument(
        "what", choices=("pilot",), help="pilot: the CRM Requirements Document and the pilot report"
    )
    c.add_argument("--from", dest="first", type=_day, required=True, help="first day YYYY-MM-DD")
    c.add_argument("--to", dest="last", type=_day, required=True, help="last day YYYY-MM-DD (included)")
    c.add_argument("--hub", help=hub_help)
    c.add_argument("--out", type=Path, default=Path("pilot-report"), help="folder to write into")
    c.add_argument("--feedback", type=Path, help="the feedback Form's responses workbook (.xlsx)")
    c.set_defaults(run=cmd_report)
    return p


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from hub_schema.template import build_template

    path = build_template(settings.hub_path)
    print(f"Wrote a blank hub to {path}")
    return EXIT_OK


def cmd_guide(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub.guide import GuideError, write_guide

    try:
        written = write_guide(args.out, browser=args.browser, pdf=not args.html_only)
    except GuideError as e:
        raise UsageError(str(e)) from e
    print("Wrote the staff guide: " + ", ".join(str(p) for p in written))
    return EXIT_OK


def cmd_form(args: argparse.Namespace, settings: Settings) -> int:
    from hub_schema.form import as_markdown

    print(as_markdown(feedback=args.feedback), end="")
    return EXIT_OK


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring
    from hub.upgrade.pilot import report_text

    if args.last < args.first:
        print(f"--to {args.last} is before --from {args.first}", file=sys.stderr)
        return EXIT_USAGE
    if args.feedback is not None and not args.feedback.is_file():
        print(f"no feedback workbook at {args.feedback}", file=sys.stderr)
        return EXIT_USAGE
    files, report = wiring.run_pilot_report(settings, args.first, args.last, args.out, args.feedback)
    print(f"Pilot report for {report.scope}, {args.first} to {args.last}:")
    print(report_text(report))
    for path in files:
        print(f"Wrote {path}")
    return EXIT_OK


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above zero")
    return int(text)


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


def _moment(text: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2026-11-23T14:30") from None


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
        print(f"  {file.name:<34} {file.rows:>7,} {noun(file.rows, 'row')}")
        risky += formula_like_cells(file.data)
    print(f"Import-ready CSVs for {args.format} in {args.dir}; column mappings in docs/EXPORT.md.")
    if risky:
        print(
            f"Note: {risky} cell(s) start with =, +, - or @ (phone numbers aside) and are written as "
            "they are, for the CRM. Excel would run them as formulas if a file were opened by "
            "double-click: look at the files with Data > From Text/CSV (docs/EXPORT.md)."
        )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub.demo import run_demo

    return run_demo(args.dir, count=args.count, seed=args.seed, outgrown=args.outgrown)


if __name__ == "__main__":
    sys.exit(main())
