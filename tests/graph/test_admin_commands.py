"""cxhub login, doctor and provision against the fake tenant."""

from __future__ import annotations

import threading
import time

import pytest

from cxhub.cli import main
from tests.graph.conftest import graph_env

# Whole doctor and login runs are slow (doctor checks every table and mails; login waits for a
# device-code approval). provision and grant-site are a few Graph calls each (well under a second),
# and the only tests of graph/admin.py, so they stay in the fast loop.
SLOW = pytest.mark.slow


@pytest.fixture
def env(fake, hub_item, monkeypatch, tmp_path):
    extra = {
        "CXHUB_TOKEN_CACHE": str(tmp_path / "tokens.json"),
        "CXHUB_MAIL_SENDER": "cxhub@mikano.example",
        "CXHUB_ADMIN_EMAILS": "it.admin@mikano.example,ops@mikano.example",
    }
    for name, value in graph_env(fake, hub_item, **extra).items():
        monkeypatch.setenv(name, value)
    for name in ("CXHUB_QUEUE", "FUNCTIONS_WORKER_RUNTIME"):
        monkeypatch.delenv(name, raising=False)


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@SLOW
def test_doctor_is_all_ok_on_a_good_setup(env, capsys, fake):
    """cxhub doctor passes all five checks on a good set-up and mails the admin a test message from the
    service mailbox."""
    code, out, _ = run(capsys, "doctor")
    assert code == 0
    assert out.count("ok  ") == 6 and "tables and columns match hub_schema" in out
    assert "auth mode: workbook sessions in this tenant: app-only (configured): works" in out
    (sent,) = fake.mailbox
    assert sent["from"] == "cxhub@mikano.example" and "doctor" in sent["message"]["subject"]
    assert [r["emailAddress"]["address"] for r in sent["message"]["toRecipients"]] == [
        "it.admin@mikano.example"
    ]


@SLOW
def test_doctor_names_the_mail_permission_fix(env, capsys, fake):
    """When sending mail is refused, doctor fails the mail check naming the RBAC for Applications fix, and
    --no-mail skips that check."""
    from tests.fakegraph import Fault

    fake.faults.append(Fault("403", method="POST", path="sendMail"))
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "FAIL mail: sendMail was refused (403" in out and "RBAC for Applications" in out
    code, out, _ = run(capsys, "doctor", "--no-mail")
    assert code == 0 and "mail" not in out


@SLOW
def test_doctor_names_a_bad_secret_and_the_fix(env, capsys, monkeypatch):
    """A wrong client secret fails the token check with the settings to check, and the secret itself is never
    printed."""
    monkeypatch.setenv("CXHUB_CLIENT_SECRET", "wrong")
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "FAIL token" in out and "fix: check CXHUB_TENANT_ID" in out
    assert "wrong" not in out


@SLOW
def test_doctor_sends_app_only_refusals_to_the_delegated_mode(env, capsys, fake):
    """When the workbook API refuses app-only access, doctor suggests CXHUB_AUTH_MODE=delegated."""
    from tests.fakegraph import Fault

    fake.faults.append(Fault("403", method="POST", path="createSession"))
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "FAIL workbook API" in out and "CXHUB_AUTH_MODE=delegated" in out


@SLOW
def test_doctor_says_which_auth_mode_works_in_this_tenant(env, capsys, fake, monkeypatch):
    """A tenant refusing app-only workbook access: with the service account signed in, the doctor
    reports app-only refused, delegated working, and says to switch; after switching, all is ok."""
    fake.app_only_workbook = False
    threading.Thread(target=_approve_when_asked, args=(fake,), daemon=True).start()
    assert run(capsys, "login")[0] == 0
    code, out, _ = run(capsys, "doctor", "--no-mail")
    assert code == 1 and "FAIL workbook API" in out
    assert "app-only (configured): refused (403 accessDenied); delegated: works" in out
    assert "fix: set CXHUB_AUTH_MODE=delegated: it works in this tenant" in out
    monkeypatch.setenv("CXHUB_AUTH_MODE", "delegated")
    code, out, _ = run(capsys, "doctor", "--no-mail")
    assert code == 0 and "ok   workbook API: workbook sessions work in delegated mode" in out
    assert "delegated (configured): works; app-only: refused (403 accessDenied)" in out


def _approve_when_asked(fake) -> None:
    deadline = time.monotonic() + 10
    while not fake.device_codes and time.monotonic() < deadline:
        time.sleep(0.05)
    fake.approve_all_device_codes()


@SLOW
def test_doctor_reports_a_missing_table(env, capsys, fake, hub_item):
    """doctor fails when a hub table is missing and names the table and its tab."""
    del fake.workbook(hub_item)["Audit"].tables["Audit"]
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "table Audit (tab Audit) is missing" in out


@SLOW
def test_login_then_the_delegated_mode_works(env, capsys, fake, monkeypatch):
    """cxhub login completes the device-code sign-in, after which doctor passes in delegated mode without a
    client secret."""

    def approve_soon():
        deadline = time.monotonic() + 10
        while not fake.device_codes and time.monotonic() < deadline:
            time.sleep(0.05)
        fake.approve_all_device_codes()

    threading.Thread(target=approve_soon, daemon=True).start()
    code, out, _ = run(capsys, "login")
    assert code == 0 and "FAKE-CODE" in out and "Signed in as cxhub-service@mikano.example" in out
    monkeypatch.setenv("CXHUB_AUTH_MODE", "delegated")
    monkeypatch.delenv("CXHUB_CLIENT_SECRET")
    code, out, err = run(capsys, "doctor")
    assert code == 0 and "(delegated)" in out, err


def test_provision_uploads_a_blank_hub_and_prints_the_settings(env, capsys, fake):
    """cxhub provision uploads a blank hub into the named SharePoint folder and prints the drive and item ID
    settings to use."""
    folder = fake.add_folder("CX Hub")
    code, out, _ = run(
        capsys, "provision", "--site-url", "https://mikano.sharepoint.com/sites/CX", "--folder", "CX Hub"
    )
    assert code == 0
    item_id = out.split("CXHUB_HUB_ITEM_ID=")[1].split()[0]
    assert fake.items[item_id].parent == folder and fake.items[item_id].name == "CX Hub.xlsx"
    assert f"CXHUB_HUB_DRIVE_ID={fake.drive_id}" in out


def test_provision_to_an_unknown_site_is_a_clear_error(env, capsys):
    """Provisioning to a site that does not exist exits 2 with Graph's 404."""
    code, _, err = run(
        capsys, "provision", "--site-url", "https://mikano.sharepoint.com/sites/Nope", "--folder", "CX Hub"
    )
    assert code == 2 and "Graph 404" in err


def test_provision_of_a_big_workbook_goes_through_an_upload_session(env, fake):
    """Over 4 MB Graph refuses a simple PUT: the bytes go in 320 KiB-multiple fragments, unauthenticated."""
    import os
    import random

    from cxhub import wiring
    from cxhub.settings import Settings
    from graph.admin import provision
    from tests.fakegraph import Fault

    data = random.Random(7).randbytes(9 * 1024 * 1024 + 12345)  # not a multiple of the fragment size
    folder = fake.add_folder("CX Hub")
    fake.faults.append(Fault("503", method="PUT", path="^/upload/", times=1))
    client = wiring.build_graph_client(Settings.from_env(dict(os.environ)), sleep=lambda seconds: None)
    try:
        made = provision(client, "https://mikano.sharepoint.com/sites/CX", "CX Hub", "Big Hub.xlsx", data)
    finally:
        client.close()
    assert fake.items[made.item_id].parent == folder
    assert fake.items[made.item_id].path.read_bytes() == data
    puts = [r for r in fake.requests if r.method == "PUT" and r.path.startswith("/upload/")]
    assert len(puts) == 4 and [r.status for r in puts] == [503, 202, 202, 201]
    assert not any("/content" in r.path and r.method == "PUT" for r in fake.requests)
    (session,) = [r for r in fake.requests if r.path.endswith("/createUploadSession")]
    assert session.body["item"]["@microsoft.graph.conflictBehavior"] == "fail"


def test_grant_site_gives_the_app_write_on_the_site_once_and_verifies_it(env, capsys, fake):
    """The grant is read back (GET .../permissions/{id}); a second run finds it by reading each of
    the app's permissions (the list carries no roles) and changes nothing."""
    app = "22222222-3333-4444-5555-666666666666"
    args = ("grant-site", "--site-url", "https://mikano.sharepoint.com/sites/CX", "--app-id", app)
    code, out, _ = run(capsys, *args)
    (permission,) = fake.site_permissions
    assert code == 0 and f": granted (verified: permission {permission['id']} reads write)" in out
    assert (
        permission["roles"] == ["write"] and permission["grantedToIdentities"][0]["application"]["id"] == app
    )
    posted = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/permissions")]
    assert posted[0].body["roles"] == ["write"]
    assert posted[0].body["grantedToIdentities"] == [{"application": {"displayName": "CX Hub", "id": app}}]
    code, out, _ = run(capsys, *args)
    assert code == 0 and "already granted" in out and len(fake.site_permissions) == 1
    assert fake.count("POST", "/permissions$") == 1 and fake.count("PATCH", "/permissions/") == 0
    assert fake.count("GET", f"/permissions/{permission['id']}$") == 2


def test_grant_site_finds_the_app_on_a_later_page_and_upgrades_read_to_write(env, capsys, fake):
    """Other apps fill the first pages; the app's read permission is found and PATCHed to write."""
    fake.page_size = 2
    app = "22222222-3333-4444-5555-666666666666"
    for n in range(4):
        other = {"application": {"id": f"other-{n}", "displayName": f"Other {n}"}}
        fake.site_permissions.append(
            {
                "id": f"p{n}",
                "roles": ["read"],
                "grantedToIdentities": [other],
                "grantedToIdentitiesV2": [other],
            }
        )
    ours = {"application": {"id": app, "displayName": "CX Hub"}}
    fake.site_permissions.append(
        {"id": "mine", "roles": ["read"], "grantedToIdentities": [ours], "grantedToIdentitiesV2": [ours]}
    )
    code, out, _ = run(
        capsys, "grant-site", "--site-url", "https://mikano.sharepoint.com/sites/CX", "--app-id", app
    )
    assert code == 0 and "updated from read (verified: permission mine reads write)" in out
    assert fake.site_permissions[-1]["roles"] == ["write"] and len(fake.site_permissions) == 5
    assert fake.count("POST", "/permissions$") == 0 and fake.count("GET", "/permissions$") == 3


@SLOW
def test_provision_never_overwrites_an_existing_hub(env, capsys, fake):
    """A second provision names the existing hub and its web address and leaves it byte-identical;
    --replace uploads a blank hub as a new version of the same file, the old one kept."""
    import hashlib

    fake.add_folder("CX Hub")
    args = ("provision", "--site-url", "https://mikano.sharepoint.com/sites/CX", "--folder", "CX Hub")
    code, out, _ = run(capsys, *args)
    item_id = out.split("CXHUB_HUB_ITEM_ID=")[1].split()[0]
    hub = fake.items[item_id]
    hub.path.write_bytes(hub.path.read_bytes() + b"live data")  # the hub in use since
    before = hashlib.sha256(hub.path.read_bytes()).hexdigest()
    puts = fake.count("PUT")
    code, out, err = run(capsys, *args)
    assert code == 2 and "CX Hub.xlsx already exists at https://mikano.sharepoint.com/sites/CX/" in err
    assert "--replace" in err and "Uploaded" not in out
    assert hashlib.sha256(hub.path.read_bytes()).hexdigest() == before and fake.count("PUT") == puts
    first_put = next(r for r in fake.requests if r.method == "PUT")
    assert first_put.query["@microsoft.graph.conflictBehavior"] == "fail"
    code, out, _ = run(capsys, *args, "--replace")
    assert code == 0 and f"CXHUB_HUB_ITEM_ID={item_id}" in out
    assert hub.history[-1].endswith(b"live data") and not hub.path.read_bytes().endswith(b"live data")
