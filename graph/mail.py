"""Mail through Graph sendMail, paced to Exchange Online's 30 messages a minute per mailbox."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from msgraph.generated.models.attachment import Attachment as GraphAttachment
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.file_attachment import FileAttachment
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.message import Message
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody

from graph.client import AmbiguousWrite, GraphClient
from hub.ports import MailMessage

log = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 3 * 1024 * 1024  # sendMail with attachments inline: keep requests under ~3 MB


class Pacer:
    """At most `per_minute` events in any 60-second window (a sliding window, not a bucket)."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()

    def wait(self) -> None:
        now = self._clock()
        while self._sent and now - self._sent[0] >= 60:
            self._sent.popleft()
        if len(self._sent) >= self.per_minute:
            self._sleep(60 - (now - self._sent[0]))
            self._sent.popleft()
        self._sent.append(max(now, self._clock()))


class GraphMailer:
    def __init__(
        self, client: GraphClient, sender: str, *, per_minute: int = 30, pacer: Pacer | None = None
    ) -> None:
        self.client = client
        self.sender = sender
        self.pacer = pacer or Pacer(per_minute)

    def send(self, message: MailMessage) -> None:
        size = sum(len(i.data) for i in message.images) + sum(len(a.data) for a in message.attachments)
        if size * 4 / 3 > MAX_REQUEST_BYTES:
            raise ValueError(
                f"mail {message.subject!r} carries {size:,} bytes of attachments; the limit is ~3 MB"
            )
        body = SendMailPostRequestBody(message=_message(message), save_to_sent_items=True)
        self.pacer.wait()
        try:
            self.client.call(
                "sendMail",
                lambda: self.client.sdk.users.by_user_id(self.sender).send_mail.post(body),
                idempotent=False,
            )
        except AmbiguousWrite:
            # A timed-out sendMail has usually gone out; sending again would mail people twice.
            log.warning("sendMail timed out; treating the message as sent rather than risk a duplicate")


def _message(mail: MailMessage) -> Message:
    attachments: list[GraphAttachment] = [
        FileAttachment(
            name=i.name, content_type=i.mime, content_bytes=i.data, is_inline=True, content_id=i.content_id
        )
        for i in mail.images
    ]
    attachments += [
        FileAttachment(name=a.name, content_type=_with_charset(a.mime), content_bytes=a.data, is_inline=False)
        for a in mail.attachments
    ]
    return Message(
        subject=mail.subject,
        body=ItemBody(content_type=BodyType.Html, content=mail.html),
        to_recipients=[Recipient(email_address=EmailAddress(address=a)) for a in mail.to],
        cc_recipients=[Recipient(email_address=EmailAddress(address=a)) for a in mail.cc],
        attachments=attachments or None,
    )


def _with_charset(mime: str) -> str:
    """Text attachments are UTF-8; saying so keeps "—" and "₦" intact in every mail client."""
    return f"{mime}; charset=utf-8" if mime.startswith("text/") and "charset" not in mime else mime
