"""What an audit event proves about stored content: hashes of bodies, attachments and mail.

An event's detail may name a message (`message_id` with `body_sha256` and `attachment_sha256`)
or an outbox row (`outbound_id` with `outbound_sha256`). The chain signs those hashes, and
verification recomputes them from the stored rows, so an edited body or file is found.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from enquiry.models import Attachment, Blob, Message, OutboundEmail, SessionLike

OUTBOUND_FIELDS = (
    "to_addr",
    "subject",
    "body_text",
    "body_html",
    "message_id",
    "in_reply_to",
    "references",
    "reply_to",
)


def sha256_text(text: str | None) -> str:
    """Return the SHA-256 of a text (UTF-8); of the empty text for None."""
    return hashlib.sha256((text or "").encode()).hexdigest()


def _attachment_hashes(session: SessionLike, message_id: int) -> list[str]:
    """Recompute the SHA-256 of every file attached to a message, in attachment order."""
    rows = session.execute(
        select(Blob.data)
        .join(Attachment, Attachment.blob_sha256 == Blob.sha256)
        .where(Attachment.message_id == message_id)
        .order_by(Attachment.id)
    )
    return [hashlib.sha256(data).hexdigest() for (data,) in rows]


def message_detail(session: SessionLike, message: Message) -> dict[str, Any]:
    """Return the detail that ties an event to a message's body and attachments."""
    session.flush()
    return {
        "message_id": message.id,
        "body_sha256": sha256_text(message.body),
        "attachment_sha256": _attachment_hashes(session, message.id),
    }


def outbound_sha256(row: Any) -> str:
    """Return the hash of an outgoing message as stored (addresses, headers, both bodies)."""
    fields = {name: getattr(row, name) for name in OUTBOUND_FIELDS}
    return sha256_text(json.dumps(fields, sort_keys=True, ensure_ascii=False))


def content_mismatch(session: SessionLike, detail: dict[str, Any]) -> str | None:
    """Recompute the content hashes an event's detail records; say what no longer matches."""
    if "body_sha256" in detail:
        message = session.get(Message, detail.get("message_id"))
        if message is None:
            return f"message {detail.get('message_id')} is missing"
        if sha256_text(message.body) != detail["body_sha256"]:
            return f"the body of message {message.id} was changed"
        if _attachment_hashes(session, message.id) != detail.get("attachment_sha256", []):
            return f"the attachments of message {message.id} were changed"
    if "outbound_sha256" in detail:
        row = session.get(OutboundEmail, detail.get("outbound_id"))
        if row is None:
            return f"outgoing message {detail.get('outbound_id')} is missing"
        if outbound_sha256(row) != detail["outbound_sha256"]:
            return f"outgoing message {row.id} was changed"
    return None
