"""Turn a claimed outbox row into a MIME message, refusing any row that could forge a header."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from email.charset import BASE64, Charset
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from email.policy import Policy
from email.utils import formataddr, parseaddr

import flask_mail

from enquiry.models import OutboundEmail

# What outbound.header_safe() strips; a row holding any of them was not composed by us.
HEADER_BREAKING = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
LINE_LIMIT = 78  # RFC 5322: lines SHOULD be no longer
WORD_BYTES = 42  # base64 of 42 bytes is 56 characters: "Subject: =?utf-8?b?…?=" is 77
HEADER_FIELDS = ("to_addr", "subject", "reply_to", "in_reply_to", "references", "message_id")


class UnsafeHeaderError(ValueError):
    """A value would break out of its header (Flask-Mail does not check extra_headers)."""


@dataclass(frozen=True)
class Claimed:
    """What a worker needs of a claimed row, read before the claim commits."""

    id: int
    ticket_id: int | None
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

    @classmethod
    def of(cls, row: OutboundEmail) -> Claimed:
        assert row.lease_until is not None
        return cls(
            id=row.id,
            ticket_id=row.ticket_id,
            to_addr=row.to_addr,
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            message_id=row.message_id,
            in_reply_to=row.in_reply_to,
            references=row.references,
            reply_to=row.reply_to,
            is_automatic=row.is_automatic,
            attempts=row.attempts,
            created_at=row.created_at,
            lease_until=row.lease_until,
        )


def refusal(row: OutboundEmail) -> str | None:
    """Return why this row can never be sent safely, or None."""
    for name in HEADER_FIELDS:
        if HEADER_BREAKING.search(getattr(row, name) or ""):
            return f"refused: line break or control character in {name} (header injection?)"
    display, address = parseaddr(row.to_addr)
    if display or address != row.to_addr.strip() or address.count("@") != 1:
        return f"refused: {row.to_addr!r} is not a single e-mail address"
    return None


def from_header(name: str, address: str) -> str:
    """Return a From value whose display name Flask-Mail reads back and encodes intact."""
    name = " ".join(HEADER_BREAKING.sub(" ", name).split())
    if not name:
        return address
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


class OutgoingMessage(flask_mail.Message):
    """Flask-Mail's message with base64 bodies.

    Flask-Mail registers UTF-8 bodies as raw 8bit; a long paragraph of Chinese then becomes a
    line over SMTP's 998-byte limit, which servers reject (aiosmtpd) or break mid-character.
    """

    def _mimetext(self, text: str | None, subtype: str = "plain") -> MIMEText:
        charset = Charset("utf-8")
        charset.body_encoding = BASE64
        return MIMEText(text or "", _subtype=subtype, _charset=charset)  # type: ignore[arg-type]

    def _message(self) -> MIMEBase:
        # Flask-Mail pre-encodes Subject and the From name with email.header.Header, and the
        # email package's own folder is no better (Python 3.11): both can leave a space as the
        # folding white space between two encoded words, where every reader drops it, so a
        # Uyghur subject loses the space between two words. Encode those two headers here.
        message = super()._message()
        del message["From"], message["Subject"]
        message["Subject"] = encoded_header("Subject", str(self.subject))
        name, address = parseaddr(str(self.sender))
        message["From"] = encoded_address("From", name, address)
        return message


class PreFolded(str):
    """A header value encoded and folded here; email.policy passes objects with a name through.

    Every character, spaces included, sits inside an encoded word, so the only white space
    between words is folding white space, which RFC 2047 readers drop: the text survives.
    """

    name: str
    parts: tuple[str, ...]

    def __new__(cls, name: str, text: str, parts: list[str]) -> PreFolded:
        value = super().__new__(cls, text)
        value.name, value.parts = name, tuple(parts)
        return value

    def fold(self, *, policy: Policy) -> str:
        """Return "Name: part part" folded at LINE_LIMIT columns, lines ending in linesep."""
        lines = [f"{self.name}:"]
        for part in self.parts:
            if len(lines[-1]) + 1 + len(part) > LINE_LIMIT and len(lines[-1]) > len(self.name) + 1:
                lines.append("")
            lines[-1] += " " + part
        return policy.linesep.join(lines) + policy.linesep


def encoded_words(text: str) -> list[str]:
    """Split text into base64 UTF-8 encoded words of whole characters, each fitting a line."""
    chunks: list[bytes] = []
    for char in text:
        data = char.encode()
        if not chunks or len(chunks[-1]) + len(data) > WORD_BYTES:
            chunks.append(b"")
        chunks[-1] += data
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks]


def encoded_header(name: str, text: str) -> str:
    """Return an unstructured header value: as is when ASCII, else as encoded words."""
    return text if text.isascii() else PreFolded(name, text, encoded_words(text))


def encoded_address(name: str, display_name: str, address: str) -> str:
    """Return an address header value whose display name arrives intact."""
    if display_name.isascii():
        return formataddr((display_name, address))
    text = f"{display_name} <{address}>"
    return PreFolded(name, text, [*encoded_words(display_name), f"<{address}>"])


def build_message(email: Claimed, sender: str) -> OutgoingMessage:
    """Build the message for a claimed row with the row's own Message-ID (same on retries)."""
    for value in (sender, email.to_addr, email.subject, email.reply_to, email.message_id):
        if value and HEADER_BREAKING.search(value):
            raise UnsafeHeaderError(f"unsafe header value {value!r}")
    headers = {"Auto-Submitted": "auto-replied"} if email.is_automatic else {}
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
    if email.references:
        headers["References"] = email.references
    if any(HEADER_BREAKING.search(value) for value in headers.values()):
        raise UnsafeHeaderError("unsafe In-Reply-To or References")
    message = OutgoingMessage(
        subject=email.subject,
        recipients=[email.to_addr],
        body=email.body_text,
        html=email.body_html,
        sender=sender,
        reply_to=email.reply_to,
        date=email.created_at.timestamp(),
        charset="utf-8",
        extra_headers=headers,
    )
    message.msgId = email.message_id
    if message.has_bad_headers():
        raise UnsafeHeaderError("Flask-Mail found a bad header")
    return message
