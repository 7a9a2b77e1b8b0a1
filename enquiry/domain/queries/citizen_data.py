"""Everything a citizen sent and received for one enquiry, for their own download (PIPL art. 45)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from enquiry.models import (
    CITIZEN_VISIBLE_KINDS,
    Attachment,
    Blob,
    Message,
    OutboundEmail,
    OutboxStatus,
    SessionLike,
    Ticket,
)


@dataclass(frozen=True)
class ExportedFile:
    """One attachment: which message it belongs to, its name and bytes."""

    message_id: int
    filename: str
    data: bytes


@dataclass(frozen=True)
class CitizenData:
    """A ticket's citizen-visible thread, the files on it and the letters we sent."""

    ticket: Ticket
    messages: list[Message]
    files: list[ExportedFile]
    letters: list[OutboundEmail]


def citizen_data(session: SessionLike, ticket: Ticket) -> CitizenData:
    """Return what the citizen of this ticket sent and received; never internal notes."""
    messages = list(
        session.scalars(
            sa.select(Message)
            .where(Message.ticket_id == ticket.id, Message.kind.in_(CITIZEN_VISIBLE_KINDS))
            .order_by(Message.created_at, Message.id)
        )
    )
    ids = [message.id for message in messages]
    files = [
        ExportedFile(message_id, filename, data)
        for message_id, filename, data in session.execute(
            sa.select(Attachment.message_id, Attachment.filename, Blob.data)
            .join(Blob, Blob.sha256 == Attachment.blob_sha256)
            .where(Attachment.message_id.in_(ids))
            .order_by(Attachment.id)
        )
    ]
    letters = list(
        session.scalars(
            sa.select(OutboundEmail)
            .where(OutboundEmail.ticket_id == ticket.id, OutboundEmail.status == OutboxStatus.SENT)
            .order_by(OutboundEmail.id)
        )
    )
    return CitizenData(ticket, messages, files, letters)
