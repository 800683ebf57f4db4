"""Mailer, Directory and Drive against the fake Graph; the .eml outbox on the embedded default."""

from __future__ import annotations

import base64
import email
from email import policy

import pytest

from graph.directory import GraphDirectory
from graph.drive import GraphDrive
from graph.mail import GraphMailer, Pacer
from hub.ports import Attachment, InlineImage, MailMessage
from local.outbox import OutboxMailer

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
MAIL = MailMessage(
    to=("ada.okafor@mikano.example",),
    subject="Your follow-ups for today",
    html='<p>Overdue: 2</p><img src="cid:chart1">',
    images=(InlineImage("chart1", PNG, "funnel.png"),),
    attachments=(Attachment("requirements.md", b"# CRM requirements\n", "text/markdown"),),
)


@pytest.fixture
def client(graph_store):
    return graph_store.client


def test_mail_with_an_inline_image_arrives_intact(client, fake):
    """A mail sent through Graph arrives from the service mailbox with its subject, HTML body, recipients and
    inline chart intact."""
    GraphMailer(client, "cxhub@mikano.example").send(MAIL)
    [sent] = fake.mailbox
    assert sent["from"] == "cxhub@mikano.example"
    message = sent["message"]
    assert message["subject"] == MAIL.subject
    assert message["body"] == {"contentType": "html", "content": MAIL.html}
    assert message["toRecipients"] == [{"emailAddress": {"address": "ada.okafor@mikano.example"}}]
    inline, attached = message["attachments"]
    assert inline["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert inline["isInline"] is True and inline["contentId"] == "chart1"
    assert base64.b64decode(inline["contentBytes"]) == PNG
    assert (
        attached["isInline"] is False
        and base64.b64decode(attached["contentBytes"]) == b"# CRM requirements\n"
    )


def test_pacing_never_sends_more_than_30_in_any_minute():
    """The mail pacer never lets more than 30 messages out in any 60 seconds, measured on an injected
    clock."""
    now = [0.0]
    sent: list[float] = []
    pacer = Pacer(30, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    for _ in range(95):
        pacer.wait()
        sent.append(now[0])
        now[0] += 0.2  # the send itself
    assert max(sum(1 for t in sent if start <= t < start + 60) for start in sent) == 30
    assert sent[-1] < 3 * 60 + 10  # and no slower than it must be


def test_a_throttled_send_is_retried_not_lost(client, fake):
    """A send that Graph throttles once is retried and the mail is delivered exactly once."""
    from tests.fakegraph import Fault

    fake.faults.append(Fault("429", path="sendMail", times=1))
    GraphMailer(client, "cxhub@mikano.example").send(MAIL)
    assert len(fake.mailbox) == 1


def test_the_manager_is_found_by_mail_even_when_the_upn_differs_and_is_cached(client, fake):
    """mail != userPrincipalName: the person is resolved with one $filter query, the manager asked
    for by object id; asking again (any case) costs nothing."""
    boss = fake.add_user("Chinedu.Obi@mikano.example", upn="cobi@mikanogroup.onmicrosoft.com")
    fake.add_user("ada.okafor@mikano.example", upn="aokafor@mikanogroup.onmicrosoft.com", manager=boss)
    directory = GraphDirectory(client)
    assert directory.manager_of("ada.okafor@mikano.example") == "chinedu.obi@mikano.example"
    assert directory.manager_of("ADA.OKAFOR@mikano.example") == "chinedu.obi@mikano.example"
    assert fake.count("GET", "^/v1.0/users$") == 1 and fake.count("GET", "/manager$") == 1
    (lookup,) = [r for r in fake.requests if r.path == "/v1.0/users"]
    assert lookup.query["$filter"] == (
        "mail eq 'ada.okafor@mikano.example' or userPrincipalName eq 'ada.okafor@mikano.example'"
    )
    manager_call = next(r for r in fake.requests if r.path.endswith("/manager"))
    assert "@" not in manager_call.path  # by object id, never by mail


def test_no_manager_only_when_graph_says_so_for_a_user_that_exists(client, fake):
    """An existing user without a manager gives None after Graph's 404; an unknown address gives
    None without asking for a manager at all."""
    fake.add_user("tunde.bello@mikano.example")
    directory = GraphDirectory(client)
    assert directory.manager_of("tunde.bello@mikano.example") is None
    assert fake.count("GET", "/manager$") == 1
    assert directory.manager_of("nobody@mikano.example") is None
    assert fake.count("GET", "/manager$") == 1


def test_lists_are_followed_across_pages(client, fake):
    """With Graph paging a folder listing (@odata.nextLink), every child is still seen."""
    fake.page_size = 2
    inbox = fake.add_folder("ERP Exports")
    for n in range(5):
        fake.add_file(f"export-{n}.csv", b"x", parent=inbox)
    names = sorted(e.name for e in GraphDrive(client, fake.drive_id).children(inbox))
    assert names == [f"export-{n}.csv" for n in range(5)]
    assert fake.count("GET", "/children$") == 3


def test_downloads_follow_the_redirect_to_another_host_without_the_bearer_token(client, fake):
    """/content answers 302 to a download host that refuses a Graph token: the file still arrives,
    and no request to that host carried Authorization."""
    file_id = fake.add_file("customers.csv", b"CUSTOMER_NUMBER;NAME\n1;Dangote\n")
    assert GraphDrive(client, fake.drive_id).download(file_id) == b"CUSTOMER_NUMBER;NAME\n1;Dangote\n"
    assert fake.download_authorizations == [None]
    assert fake.download_url != fake.base_url


def test_drive_lists_downloads_and_moves(client, fake):
    """The SharePoint drive adapter lists a folder, downloads a file's bytes, moves it into a subfolder and
    reports its size."""
    inbox = fake.add_folder("ERP Exports")
    done = fake.add_folder("Processed", parent=inbox)
    file_id = fake.add_file("customers.csv", b"CUSTOMER_NUMBER;NAME\n1;Dangote\n", parent=inbox)
    drive = GraphDrive(client, fake.drive_id)
    listing = drive.children(inbox)
    assert {(e.name, e.is_folder) for e in listing} == {("Processed", True), ("customers.csv", False)}
    assert drive.download(file_id) == b"CUSTOMER_NUMBER;NAME\n1;Dangote\n"
    drive.move(file_id, done)
    assert [e.name for e in drive.children(done)] == ["customers.csv"]
    assert drive.entry(file_id).size == 31


def test_the_outbox_writes_an_eml_with_the_inline_image(tmp_path):
    """The local outbox writes a standard .eml whose HTML references its inline chart by Content-ID, with the
    image bytes attached."""
    path = OutboxMailer(tmp_path / "outbox").write(MAIL)
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "ada.okafor@mikano.example" and parsed["Subject"] == MAIL.subject
    html = parsed.get_body(("html",))
    assert 'src="cid:chart1"' in html.get_content()
    [image] = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<chart1>" and image.get_content() == PNG
    [attached] = list(parsed.iter_attachments())
    assert attached.get_filename() == "requirements.md"
