"""Mail on the embedded default: each message an .eml file in an outbox folder (opens in any mail app)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import cast

from hub.ports import MailMessage


class OutboxMailer:
    def __init__(self, folder: Path | str, sender: str = "cxhub@localhost") -> None:
        self.folder = Path(folder)
        self.sender = sender

    def send(self, message: MailMessage) -> None:
        self.write(message)

    def write(self, message: MailMessage) -> Path:
        """send(), returning the .eml file written."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(message.to)
        if message.cc:
            mail["Cc"] = ", ".join(message.cc)
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = make_msgid(domain="cxhub.local")
        mail.set_content(message.text or "This message is HTML; open it in a mail program.")
        mail.add_alternative(message.html, subtype="html")
        # add_alternative made the mail multipart/alternative: [text part, HTML part].
        html_part = cast(list[EmailMessage], mail.get_payload())[-1]
        for image in message.images:
            maintype, subtype = image.mime.split("/", 1)
            html_part.add_related(
                image.data,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{image.content_id}>",
                filename=image.name,
                # Shown in place in the HTML; with a filename alone it would go out as an attachment.
                disposition="inline",
            )
        for attachment in message.attachments:
            maintype, subtype = attachment.mime.split("/", 1)
            if maintype == "text":
                # As text with charset=utf-8: bytes would go out without a charset, and a reader
                # would decode "—" or "₦" as ASCII garbage.
                text = attachment.data.decode("utf-8", errors="replace")
                mail.add_attachment(text, subtype=subtype, filename=attachment.name, charset="utf-8")
            else:
                mail.add_attachment(
                    attachment.data, maintype=maintype, subtype=subtype, filename=attachment.name
                )
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        slug = re.sub(r"[^A-Za-z0-9]+", "-", message.subject).strip("-")[:50] or "mail"
        path = self.folder / f"{stamp}-{slug}.eml"
        path.write_bytes(bytes(mail))
        return path

    def purge(self, before: datetime) -> int:
        """Delete the .eml files written before `before` (retention); how many went."""
        if not self.folder.is_dir():
            return 0
        cutoff, deleted = before.timestamp(), 0
        for mail in self.folder.glob("*.eml"):
            if mail.stat().st_mtime < cutoff:
                mail.unlink(missing_ok=True)
                deleted += 1
        return deleted
