"""Turn a claimed outbox row into a MIME message, refusing any row that could forge a header.

This is the one place that sets the headers of outgoing mail; every value is made by
header_values, so the email package writes it as it is and never decodes user text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email.charset import BASE64, Charset
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from email.utils import formatdate, parseaddr

import flask_mail

from enquiry.mail import header_values as hv
from enquiry.mail.files import MailFile, is_safe_filename
from enquiry.mail.header_values import PreFolded, UnsafeHeaderError
from enquiry.models import OutboundEmail

logger = logging.getLogger(__name__)

__all__ = ["Claimed", "OutgoingMessage", "PreFolded", "UnsafeHeaderError", "build_message"]

# What outbound.header_safe() strips; a row holding any of them was not composed by us.
HEADER_BREAKING = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
HEADER_FIELDS = ("to_addr", "subject", "reply_to", "in_reply_to", "references", "message_id")
# Headers Flask-Mail sets from its arguments; build_message sets its own instead.
FLASK_MAIL_HEADERS = ("Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-ID")

# RFC 3834: a mail typed by a person carries no Auto-Submitted; an automatic answer to the
# citizen's own message is auto-replied; every other kind, known or new, is auto-generated.
TYPED_BY_STAFF = frozenset({"reply", "request_info", "refusal"})
AUTOMATIC_RESPONSES = frozenset({"acknowledgement"})


@dataclass(frozen=True)
class Claimed:
    """What a worker needs of a claimed row, read before the claim commits."""

    id: int
    ticket_id: int | None
    template: str
    to_addr: str
    subject: str
    body_text: str
    body_html: str | None
    message_id: str
    in_reply_to: str | None
    references: str | None
    reply_to: str | None
    is_automatic: bool
    attempts: int
    created_at: datetime
    lease_until: datetime  # also the claim's fencing token
    attachment_id: int | None = None  # the file to send with it (a formal letter)

    @classmethod
    def of(cls, row: OutboundEmail) -> Claimed:
        assert row.lease_until is not None
        return cls(
            id=row.id,
            ticket_id=row.ticket_id,
            template=row.template,
            to_addr=row.to_addr,
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            message_id=row.message_id,
            in_reply_to=row.in_reply_to,
            references=row.references,
            reply_to=row.reply_to,
            is_automatic=row.is_automatic,
            attachment_id=row.attachment_id,
            attempts=row.attempts,
            created_at=row.created_at,
            lease_until=row.lease_until,
        )


def refusal(row: OutboundEmail) -> str | None:
    """Return why this row can never be sent safely, or None."""
    for name in HEADER_FIELDS:
        if HEADER_BREAKING.search(getattr(row, name) or ""):
            return f"refused: line break or control character in {name} (header injection?)"
    if not hv.is_address(row.to_addr.strip()):
        return (
            f"refused: {row.to_addr[:300]!r} is not a single e-mail address we can write safely"
            " (plain ASCII, no quotes, no encoded word)"
        )
    return None


def from_header(name: str, address: str) -> str:
    """Return a From value whose display name parseaddr reads back intact."""
    name = hv.clean_text(name)
    if not name:
        return address
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def auto_submitted(template: str) -> str | None:
    """Return the RFC 3834 Auto-Submitted value for a kind of mail, None for a person's own."""
    if template in TYPED_BY_STAFF:
        return None
    return "auto-replied" if template in AUTOMATIC_RESPONSES else "auto-generated"


class OutgoingMessage(flask_mail.Message):
    """Flask-Mail's message with base64 bodies and headers set only by build_message.

    Flask-Mail registers UTF-8 bodies as raw 8bit; a long paragraph of Chinese then becomes a
    line over SMTP's 998-byte limit, which servers reject (aiosmtpd) or break mid-character.
    """

    header_values: tuple[PreFolded, ...] = ()

    def _mimetext(self, text: str | None, subtype: str = "plain") -> MIMEText:
        charset = Charset("utf-8")
        charset.body_encoding = BASE64
        return MIMEText(text or "", _subtype=subtype, _charset=charset)  # type: ignore[arg-type]

    def _message(self) -> MIMEBase:
        # Flask-Mail writes headers as text, which the email package parses again when it
        # writes the message, decoding any encoded word a citizen typed (CVE-2024-6923), and
        # its folding can drop the space between two encoded words. Ours go out as they are.
        message = super()._message()
        for name in FLASK_MAIL_HEADERS:
            del message[name]
        for value in self.header_values:
            message[value.name] = value
        return message


def _thread_ids(email: Claimed) -> tuple[list[str], list[str]]:
    """Return the In-Reply-To and References ids we can write; drop (and log) the others."""
    ids = []
    for value in (email.in_reply_to or "", email.references or ""):
        if HEADER_BREAKING.search(value):
            raise UnsafeHeaderError(f"unsafe In-Reply-To or References {value[:300]!r}")
        found = value.split()
        kept = [found_id for found_id in found if hv.is_message_id(found_id)]
        if len(kept) != len(found):
            logger.warning("Outbound e-mail %s: unsafe message ids left out", email.id)
        ids.append(kept)
    return ids[0][:1], ids[1]


def headers_for(email: Claimed, sender: str) -> list[PreFolded]:
    """Return every header of the row's message, each value encoded or checked here."""
    if HEADER_BREAKING.search(sender) or HEADER_BREAKING.search(email.subject):
        raise UnsafeHeaderError("line break or control character in the sender or subject")
    name, address = parseaddr(sender)
    headers = [
        hv.mailbox("From", name, address),
        hv.address_only("To", email.to_addr.strip()),
        hv.unstructured("Subject", email.subject),
        hv.fixed("Date", formatdate(email.created_at.timestamp(), localtime=True)),
        hv.message_ids("Message-ID", [email.message_id]),
    ]
    if email.reply_to:
        headers.append(hv.address_only("Reply-To", email.reply_to))
    in_reply_to, references = _thread_ids(email)
    if in_reply_to:
        headers.append(hv.message_ids("In-Reply-To", in_reply_to))
    if references:
        headers.append(hv.message_ids("References", references))
    if kind := auto_submitted(email.template):
        headers.append(hv.fixed("Auto-Submitted", kind))
        headers.append(hv.fixed("X-Auto-Response-Suppress", "All"))
    return headers


def build_message(email: Claimed, sender: str, file: MailFile | None = None) -> OutgoingMessage:
    """Build the message for a claimed row with the row's own Message-ID (same on retries)."""
    headers = headers_for(email, sender)
    message = OutgoingMessage(
        recipients=[email.to_addr.strip()],
        body=email.body_text,
        html=email.body_html,
        sender=parseaddr(sender)[1],
        date=email.created_at.timestamp(),
        charset="utf-8",
    )
    message.msgId = email.message_id
    message.header_values = tuple(headers)
    if file is not None:
        if not is_safe_filename(file.filename):
            raise UnsafeHeaderError(f"unsafe attachment name {file.filename[:100]!r}")
        message.attach(file.filename, file.content_type, file.data)
    return message
