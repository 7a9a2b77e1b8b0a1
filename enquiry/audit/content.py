"""What an audit event proves about stored content: hashes of bodies, attachments and mail.

An event's detail may name a message (`message_id` with `body_sha256` and `attachment_sha256`)
or an outbox row (`outbound_id` with `outbound_sha256`). The chain signs those hashes, and
verification recomputes them from the stored rows, so an edited body or file is found.

Anonymisation under the retention policy (enquiry/domain/retention) rewrites bodies, deletes
attachments and blanks outgoing mail; the earlier events are never touched. Its own event
(`ticket.anonymised`, later in the chain and signed like any other) records the hashes of the
content as it left it: content that matches those hashes is accepted, anything else still fails.
The same event vouches for the ticket's earlier events from which it removed the citizen's IP
address and staff's free text (`events`: id -> digest, see enquiry.audit.redaction_digest).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import inspect, select

from enquiry.models import Attachment, AuditEvent, Blob, Message, OutboundEmail, SessionLike

ANONYMISED_ACTION = "ticket.anonymised"

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


def message_detail(
    session: SessionLike, message: Message, *, attachment_sha256: list[str] | None = None
) -> dict[str, Any]:
    """Return the detail that ties an event to a message's body and attachments.

    attachment_sha256: the files' digests, in attachment order, when the caller has just
    stored them (each the key of its blob, taken from its bytes); otherwise the stored files
    are read and hashed again.
    """
    session.flush()
    # A message whose (loaded) attachment list is empty has no stored file to hash.
    loaded = inspect(message).dict.get("attachments")
    if attachment_sha256 is not None:
        hashes = list(attachment_sha256)
    elif loaded is not None and not loaded:
        hashes = []
    else:
        hashes = _attachment_hashes(session, message.id)
    return {
        "message_id": message.id,
        "body_sha256": sha256_text(message.body),
        "attachment_sha256": hashes,
    }


def outbound_sha256(row: Any) -> str:
    """Return the hash of an outgoing message as stored (addresses, headers, both bodies)."""
    fields = {name: getattr(row, name) for name in OUTBOUND_FIELDS}
    return sha256_text(json.dumps(fields, sort_keys=True, ensure_ascii=False))


def anonymised_hashes(session: SessionLike, ticket_id: int | None, part: str) -> dict[str, Any]:
    """Return what the newest anonymisation of a ticket recorded for `part`, keyed by row id."""
    if ticket_id is None:
        return {}
    detail = session.scalar(
        select(AuditEvent.detail)
        .where(AuditEvent.ticket_id == ticket_id, AuditEvent.action == ANONYMISED_ACTION)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    recorded = detail.get(part) if isinstance(detail, dict) else None
    return recorded if isinstance(recorded, dict) else {}


def redaction_digest(prev_hash: str, event_hash: str, canonical_fields: str) -> str:
    """Return the digest of an event as anonymisation left it: its links and its content.

    The chain keeps the event's original hash; the later, signed `ticket.anonymised` event
    records this digest, and verification accepts the redacted event when the two agree.
    """
    return sha256_text(f"{prev_hash}\n{event_hash}\n{canonical_fields}")


def vouched_redaction(session: SessionLike, ticket_id: int | None, event_id: int) -> str | None:
    """Return the digest the ticket's anonymisation recorded for a redacted event, if any."""
    vouched = anonymised_hashes(session, ticket_id, "events").get(str(event_id))
    return vouched if isinstance(vouched, str) else None


def message_content(session: SessionLike, message: Message) -> dict[str, Any]:
    """Return a message's content hashes as an anonymisation event records them."""
    return {
        "body": sha256_text(message.body),
        "attachments": _attachment_hashes(session, message.id),
    }


def _message_mismatch(session: SessionLike, detail: dict[str, Any]) -> str | None:
    message = session.get(Message, detail.get("message_id"))
    if message is None:
        return f"message {detail.get('message_id')} is missing"
    body_changed = sha256_text(message.body) != detail["body_sha256"]
    files = _attachment_hashes(session, message.id)
    files_changed = files != detail.get("attachment_sha256", [])
    if not (body_changed or files_changed):
        return None
    vouched = anonymised_hashes(session, message.ticket_id, "messages").get(str(message.id))
    if vouched == {"body": sha256_text(message.body), "attachments": files}:
        return None
    if body_changed:
        return f"the body of message {message.id} was changed"
    return f"the attachments of message {message.id} were changed"


def _outbound_mismatch(session: SessionLike, detail: dict[str, Any]) -> str | None:
    row = session.get(OutboundEmail, detail.get("outbound_id"))
    if row is None:
        return f"outgoing message {detail.get('outbound_id')} is missing"
    current = outbound_sha256(row)
    if current == detail["outbound_sha256"]:
        return None
    if anonymised_hashes(session, row.ticket_id, "outbound").get(str(row.id)) == current:
        return None
    return f"outgoing message {row.id} was changed"


def content_mismatch(session: SessionLike, detail: dict[str, Any]) -> str | None:
    """Recompute the content hashes an event's detail records; say what no longer matches."""
    if "body_sha256" in detail:
        problem = _message_mismatch(session, detail)
        if problem is not None:
            return problem
    if "outbound_sha256" in detail:
        return _outbound_mismatch(session, detail)
    return None
