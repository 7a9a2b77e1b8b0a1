"""A ticket's thread: messages and the files they carry (stored once, by content)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm.attributes import set_committed_value

from enquiry.domain.blobs import store_blob
from enquiry.models import (
    Attachment,
    Channel,
    Message,
    MessageKind,
    SessionLike,
    Ticket,
    User,
    rows,
)
from enquiry.rules.uploads import Upload


def add_message(
    session: SessionLike,
    ticket: Ticket,
    kind: MessageKind,
    body: str,
    uploads: Sequence[Upload],
    channel: Channel | None,
    now: datetime,
    *,
    author: User | None = None,
    email_message_id: str | None = None,
    inbound_email_id: int | None = None,
    flag_reason: str | None = None,
) -> Message:
    """Add a message with its attachments (stored once, by content) to a ticket's thread."""
    message = new_message(
        ticket,
        kind,
        body,
        channel,
        now,
        author=author,
        email_message_id=email_message_id,
        inbound_email_id=inbound_email_id,
        flag_reason=flag_reason,
    )
    session.add(message)
    attach_uploads(session, message, uploads, now)
    session.flush()
    return message


def new_message(
    ticket: Ticket,
    kind: MessageKind,
    body: str,
    channel: Channel | None,
    now: datetime,
    *,
    author: User | None = None,
    email_message_id: str | None = None,
    inbound_email_id: int | None = None,
    flag_reason: str | None = None,
) -> Message:
    """A message of the ticket's thread, not yet in the session (nor its files)."""
    return Message(
        ticket=ticket,
        kind=kind,
        channel=channel,
        body=body,
        created_at=now,
        author=author,
        email_message_id=email_message_id,
        inbound_email_id=inbound_email_id,
        is_flagged=flag_reason is not None,
        flag_reason=flag_reason,
        attachments=[],  # set, even empty: the audit's hashes of the files need no query
    )


def attach_uploads(
    session: SessionLike, message: Message, uploads: Sequence[Upload], now: datetime
) -> list[str]:
    """Store the files (once, by content) and attach them to the message, which is in session;
    return their SHA-256 digests, in order. A message already written gets them written now."""
    attachments = [
        Attachment(
            blob_sha256=store_blob(session, upload.data, now),  # written at once
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
        )
        for upload in uploads
    ]
    if message.id is None:
        message.attachments.extend(attachments)  # flushed with the message
    elif attachments:
        for attachment in attachments:
            attachment.message_id = message.id
        rows.insert_now(session, *attachments)
        for attachment in attachments:
            set_committed_value(attachment, "message", message)
        set_committed_value(message, "attachments", [*message.attachments, *attachments])
    return [attachment.blob_sha256 for attachment in attachments]
