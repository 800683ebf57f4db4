"""Tell the submitter: a rejected Form submission is mailed back once; receipts only when switched on."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.intake.notify import NoticeRules, tell_submitters
from hub.intake.receive import receive
from hub.intake.validation import IntakeRules
from hub.intake.writer import WriterRules, drain
from tests.factories import NOW, body, raw
from tests.fakes import FakeHubStore, FakeMailer, FakeQueue, FakeState


def queue_of(*payloads):
    queue = FakeQueue()
    for p in payloads:
        reply = receive(raw(p), signature=None, secret=None, now=NOW, rules=IntakeRules())
        queue.put(reply.message)
    return queue


def run(queue, mailer, state, rules=None):
    return drain(
        queue,
        FakeHubStore(),
        lambda: datetime(2026, 11, 20, 9, 40, tzinfo=UTC),
        WriterRules(),
        notify=lambda pairs: tell_submitters(pairs, mailer, state, rules or NoticeRules()),
    )


def test_a_rejected_submission_is_mailed_to_its_responder_in_plain_words():
    """Each wrong answer with the question and what was typed; nothing logged; submit again."""
    bad = body({"contact_phone": "0803 12", "channel": "Carrier pigeon"})
    mailer = FakeMailer()
    run(queue_of(bad), mailer, FakeState())
    [mail] = mailer.sent
    assert mail.to == ("ada.okafor@mikano.example",)
    assert "Not logged" in mail.subject
    for part in (mail.text, mail.html):
        assert "Contact phone number" in part and "0803 12" in part
        assert "How did you talk to the customer?" in part and "Carrier pigeon" in part
        assert "again" in part
    assert "NOT logged" in mail.text and "nothing from it was saved" in mail.text


def test_a_replay_of_the_same_response_is_not_mailed_again():
    """The same responseId delivered twice (and in a later run) gives one mail."""
    bad = body({"channel": "Carrier pigeon"})
    mailer, state = FakeMailer(), FakeState()
    run(queue_of(bad, bad), mailer, state)
    run(queue_of(bad), mailer, state)
    assert len(mailer.sent) == 1


def test_accepted_submissions_get_no_mail_unless_receipts_are_on():
    """Receipts are off by default; on, the responder learns the Interaction ID and the customer."""
    mailer = FakeMailer()
    run(queue_of(body()), mailer, FakeState())
    assert mailer.sent == []
    run(queue_of(body()), mailer, FakeState(), NoticeRules(receipts=True))
    [mail] = mailer.sent
    assert "INT-000001" in mail.subject and "Dangote Industries Ltd" in mail.text


def test_a_failed_mail_does_not_lose_the_submission_and_is_sent_on_redelivery():
    """The hub still keeps the rejection; the notice is remembered only once it went out."""
    bad = body({"channel": "Carrier pigeon"})
    state = FakeState()
    run(queue_of(bad), FakeMailer(fail_for=["ada.okafor@mikano.example"]), state)
    mailer = FakeMailer()
    run(queue_of(bad), mailer, state)
    assert len(mailer.sent) == 1


def test_a_body_without_a_responder_is_kept_but_mailed_to_nobody():
    """Without a responder there is nobody to tell; the rejection is still kept."""
    mailer = FakeMailer()
    report = run(queue_of(body(responder=None)), mailer, FakeState())
    assert mailer.sent == [] and report.count("rejected") == 1
