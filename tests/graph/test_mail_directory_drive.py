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
    from tests.fakegraph import Fault

    fake.faults.append(Fault("429", path="sendMail", times=1))
    GraphMailer(client, "cxhub@mikano.example").send(MAIL)
    assert len(fake.mailbox) == 1


def test_the_manager_comes_from_entra_and_is_cached(client, fake):
    fake.managers["ada.okafor@mikano.example"] = {
        "mail": "Chinedu.Obi@mikano.example",
        "displayName": "Chinedu",
    }
    directory = GraphDirectory(client)
    assert directory.manager_of("ada.okafor@mikano.example") == "chinedu.obi@mikano.example"
    assert directory.manager_of("ADA.OKAFOR@mikano.example") == "chinedu.obi@mikano.example"
    assert directory.manager_of("tunde.bello@mikano.example") is None  # 404: no manager on record
    assert fake.count("GET", "/manager$") == 2


def test_drive_lists_downloads_and_moves(client, fake):
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
    path = OutboxMailer(tmp_path / "outbox").send(MAIL)
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "ada.okafor@mikano.example" and parsed["Subject"] == MAIL.subject
    html = parsed.get_body(("html",))
    assert 'src="cid:chart1"' in html.get_content()
    [image] = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<chart1>" and image.get_content() == PNG
    [attached] = list(parsed.iter_attachments())
    assert attached.get_filename() == "requirements.md"
