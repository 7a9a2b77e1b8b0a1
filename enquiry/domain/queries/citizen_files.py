"""Files the citizen may download from the tracking page: those the office sent (letters)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from enquiry.models import Attachment, Blob, Message, MessageKind, SessionLike, Ticket


def downloadable_ids(messages: Iterable[Message]) -> list[int]:
    """The ids of the files among these messages the citizen may download: the office's own."""
    return [
        attachment.id
        for message in messages
        if message.kind is MessageKind.REPLY
        for attachment in message.attachments
    ]


def citizen_file(
    session: SessionLike, ticket: Ticket, attachment_id: int
) -> tuple[Attachment, bytes] | None:
    """Return a file the office sent on this ticket and its bytes, or None."""
    found = session.execute(
        sa.select(Attachment, Blob.data)
        .join(Message, Attachment.message_id == Message.id)
        .join(Blob, Attachment.blob_sha256 == Blob.sha256)
        .where(
            Attachment.id == attachment_id,
            Message.ticket_id == ticket.id,
            Message.kind == MessageKind.REPLY,
        )
    ).first()
    return None if found is None else (found[0], found[1])
