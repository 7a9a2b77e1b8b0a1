"""Tell a second delivery of one message from a different message that reuses its Message-ID.

A message is a duplicate when an earlier one had the same Message-ID and the same content
(sender, date, subject, text and attachments), or, without a Message-ID, the very same bytes.
Some clients reuse Message-IDs: a different message with a known Message-ID is taken in on its
own, and staff are told of the collision. The key of every message taken in successfully is
claimed on its InboundEmail row (unique), so twins racing each other cannot both be taken in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select

from enquiry.domain.thread import add_message
from enquiry.mail.parse.inbound import ParsedMail
from enquiry.models import InboundEmail, InboundOutcome, MessageKind, SessionLike, Ticket

SUCCEEDED = frozenset(
    {
        InboundOutcome.CREATED,
        InboundOutcome.APPENDED,
        InboundOutcome.AUTO_REPLY,
        InboundOutcome.BOUNCE,
    }
)

TAKEN_IN = frozenset({InboundOutcome.CREATED, InboundOutcome.APPENDED})
COLLISION_NOTE = "Message-ID collision: a different message was taken in under it before, as"


@dataclass(frozen=True)
class Earlier:
    """The earlier message a duplicate repeats."""

    label: str  # "#12", the inbound e-mail
    ticket: Ticket | None


def dedupe_key(inbound: InboundEmail, mail: ParsedMail) -> str:
    """Return the key two deliveries of one message share (hex SHA-256)."""
    digest = hashlib.sha256()
    if not inbound.message_id:
        digest.update(b"raw\0" + inbound.raw_sha256.encode("ascii"))
        return digest.hexdigest()
    date = mail.date.isoformat() if mail.date else ""
    for value in (inbound.message_id, mail.from_addr or "", date, mail.subject, mail.text):
        digest.update(value.encode("utf-8", "surrogatepass") + b"\0")
    for attachment in mail.attachments:
        digest.update(hashlib.sha256(attachment.data).digest())
    return digest.hexdigest()


def _earlier(session: SessionLike, inbound_id: int | None) -> Earlier:
    earlier = session.get(InboundEmail, inbound_id)
    ticket_id = earlier.ticket_id if earlier is not None else None
    ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
    return Earlier(f"#{inbound_id}", ticket)


def _legacy_twin(session: SessionLike, inbound: InboundEmail) -> int | None:
    """An earlier message taken in before keys were kept: same Message-ID, sender, subject."""
    same: ColumnElement[bool]
    if inbound.message_id:
        same = (
            (InboundEmail.message_id == inbound.message_id)
            & InboundEmail.from_addr.is_not_distinct_from(inbound.from_addr)
            & InboundEmail.subject.is_not_distinct_from(inbound.subject)
        )
    else:
        same = InboundEmail.raw_sha256 == inbound.raw_sha256
    return session.scalar(
        select(InboundEmail.id)
        .where(
            same,
            InboundEmail.dedupe_key.is_(None),
            InboundEmail.id != inbound.id,
            InboundEmail.outcome.in_(SUCCEEDED),
        )
        .order_by(InboundEmail.id)
        .limit(1)
    )


def duplicate_of(session: SessionLike, inbound: InboundEmail, key: str) -> Earlier | None:
    """Return the earlier message this one repeats, if any."""
    earlier_id = session.scalar(
        select(InboundEmail.id)
        .where(InboundEmail.dedupe_key == key, InboundEmail.id != inbound.id)
        .limit(1)
    ) or _legacy_twin(session, inbound)
    return _earlier(session, earlier_id) if earlier_id is not None else None


def collision_with(session: SessionLike, inbound: InboundEmail) -> int | None:
    """Return the id of an earlier, different message taken in under the same Message-ID."""
    if not inbound.message_id:
        return None
    return session.scalar(
        select(InboundEmail.id)
        .where(
            InboundEmail.message_id == inbound.message_id,
            InboundEmail.id != inbound.id,
            InboundEmail.outcome.in_(SUCCEEDED),
        )
        .order_by(InboundEmail.id)
        .limit(1)
    )


def claim(session: SessionLike, inbound: InboundEmail, key: str) -> None:
    """Take the key for this message now: a twin being taken in at once fails here, early."""
    inbound.dedupe_key = key
    session.flush()


def note_collision(session: SessionLike, ticket: Ticket, earlier_id: int, now: datetime) -> None:
    """Tell staff on the ticket that the message shares its Message-ID with another."""
    text = (
        f"此邮件的 Message-ID 与先前收到的另一封邮件（#{earlier_id}）相同（Message-ID collision），"
        "内容不同，已作为单独的邮件处理。"
    )
    add_message(session, ticket, MessageKind.EVENT, text, (), None, now)
