"""cxhub login, doctor, provision and grant-site: setting up and checking Microsoft Graph access."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from cxhub.cli_common import EXIT_OK, EXIT_REJECTED, UsageError
from cxhub.settings import Settings


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
