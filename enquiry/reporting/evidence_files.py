"""The files of a ticket's evidence bundle: thread, raw mail in and out, attachments, clock.

Each function returns {path inside the ZIP: bytes}; `enquiry.reporting.evidence` adds the
manifest and the audit proof. Nothing here changes the database.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from enquiry.audit.content import OUTBOUND_FIELDS
from enquiry.mail import mime
from enquiry.models import (
    AuditEvent,
    Blob,
    InboundEmail,
    Message,
    OutboundEmail,
    Remedy,
    SessionLike,
    Ticket,
)

CLOCK_ACTIONS = frozenset(
    {
        "ticket.opened",
        "ticket.extend",
        "ticket.consultation_paused",
        "ticket.consultation_resumed",
        "ticket.clock_restarted",
        "ticket.due_recomputed",
        "ticket.escalate",
        "ticket.remind",
        "ticket.request_info",
        "ticket.answer",
        "ticket.close",
        "ticket.abandon",
        "ticket.withdraw",
        "letter.posted",
        "ticket.reopen",
        "ticket.citizen_follow_up",
    }
)
UNSAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


def as_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder in the ZIP."""
    cleaned = UNSAFE_NAME.sub("_", name).strip("._")[:80]
    return cleaned or "file"


def _author(message: Message) -> str:
    if message.author is not None:
        return message.author.display_name
    return message.kind.value


def message_records(ticket: Ticket) -> list[dict[str, Any]]:
    """Every entry of the thread, oldest first, with where its files are in the ZIP."""
    return [
        {
            "id": message.id,
            "kind": message.kind.value,
            "channel": message.channel.value if message.channel else None,
            "author": _author(message),
            "created_at": message.created_at.isoformat(),
            "email_message_id": message.email_message_id,
            "inbound_email_id": message.inbound_email_id,
            "body": message.body,
            "attachments": [
                {
                    "filename": attachment.filename,
                    "content_type": attachment.content_type,
                    "sha256": attachment.blob_sha256,
                    "path": attachment_path(message.id, attachment.id, attachment.filename),
                }
                for attachment in message.attachments
            ],
        }
        for message in ticket.messages
    ]


def attachment_path(message_id: int, attachment_id: int, filename: str) -> str:
    return f"attachments/{message_id}/{attachment_id}-{safe_name(filename)}"


def thread_files(ticket: Ticket) -> dict[str, bytes]:
    """The thread as JSON (for the verifier), plain text and HTML (for people)."""
    records = message_records(ticket)
    files = {"thread/messages.json": as_json(records)}
    text = [f"{ticket.reference}  {ticket.subject}", ""]
    rows = []
    for record in records:
        head = f"[{record['created_at']}] {record['kind']} — {record['author']}"
        names = [a["path"] for a in record["attachments"]]
        text += [head, record["body"], *(f"  📎 {name}" for name in names), ""]
        links = "".join(
            f'<li><a href="../{html.escape(n)}">{html.escape(n)}</a></li>' for n in names
        )
        rows.append(
            f"<article><h2>{html.escape(head)}</h2><pre>{html.escape(record['body'])}</pre>"
            f"<ul>{links}</ul></article>"
        )
    files["thread/thread.txt"] = "\n".join(text).encode("utf-8")
    title = html.escape(f"{ticket.reference} {ticket.subject}")
    page = (
        f'<!doctype html><html lang="zh-Hans"><meta charset="utf-8"><title>{title}</title>'
        f"<style>pre{{white-space:pre-wrap}}</style><h1>{title}</h1>{''.join(rows)}</html>"
    )
    files["thread/thread.html"] = page.encode("utf-8")
    return files


def attachment_files(ticket: Ticket) -> dict[str, bytes]:
    """Every file attached to a message of the ticket, as stored."""
    return {
        attachment_path(message.id, attachment.id, attachment.filename): attachment.blob.data
        for message in ticket.messages
        for attachment in message.attachments
    }


def inbound_files(session: SessionLike, ticket: Ticket) -> dict[str, bytes]:
    """The raw bytes of every e-mail received for the ticket, exactly as they arrived."""
    linked = {m.inbound_email_id for m in ticket.messages if m.inbound_email_id is not None}
    query = (
        sa.select(InboundEmail.id, Blob.data)
        .join(Blob, Blob.sha256 == InboundEmail.raw_sha256)
        .where(sa.or_(InboundEmail.ticket_id == ticket.id, InboundEmail.id.in_(linked)))
        .order_by(InboundEmail.id)
    )
    return {f"mail/in/{row_id}.eml": data for row_id, data in session.execute(query)}


def _eml(row: OutboundEmail, sender: str) -> bytes:
    claimed = mime.Claimed(
        id=row.id, ticket_id=row.ticket_id, template=row.template, to_addr=row.to_addr,
        subject=row.subject, body_text=row.body_text, body_html=row.body_html,
        message_id=row.message_id, in_reply_to=row.in_reply_to, references=row.references,
        reply_to=row.reply_to, is_automatic=row.is_automatic, attempts=row.attempts,
        created_at=row.created_at, lease_until=row.created_at,
    )  # fmt: skip
    try:
        return bytes(mime.build_message(claimed, sender).as_bytes())
    except mime.UnsafeHeaderError:
        return f"Subject: (unsafe header)\n\n{row.body_text}".encode()


def outbound_files(session: SessionLike, ticket: Ticket, sender: str) -> dict[str, bytes]:
    """Every e-mail queued for the ticket as .eml, and its stored fields (signed by the chain)."""
    query = sa.select(OutboundEmail).where(OutboundEmail.ticket_id == ticket.id)
    rows = list(session.scalars(query.order_by(OutboundEmail.id)))
    files = {f"mail/out/{row.id}.eml": _eml(row, sender) for row in rows}
    files["mail/out/outbound.json"] = as_json(
        [
            {
                "id": row.id,
                "template": row.template,
                "status": row.status.value,
                "sent_at": row.sent_at,
                "fields": {name: getattr(row, name) for name in OUTBOUND_FIELDS},
            }
            for row in rows
        ]
    )
    return files


def clock_files(
    ticket: Ticket, events: list[AuditEvent], remedies: list[Remedy]
) -> dict[str, bytes]:
    """The time limit's history: the dates as they stand, and every event that moved them."""
    state = {
        name: getattr(ticket, name)
        for name in (
            "received_on", "due_on", "paused_on", "pause_kind", "correction_requested_on",
            "correction_due_on", "extension_days", "extension_reason", "extended_at",
            "escalated_at", "first_response_at", "answered_at", "closed_at", "status",
        )
    }  # fmt: skip
    history = [
        {
            "id": e.id,
            "at": e.created_at,
            "action": e.action,
            "by": e.actor_label,
            "detail": e.detail,
        }
        for e in events
        if e.action in CLOCK_ACTIONS or "due_on" in (e.detail or {})
    ]
    lines = [f"{key}: {_text(value)}" for key, value in state.items()] + [""]
    lines += [f"{_text(item['at'])}  {item['action']}  {item['by']}" for item in history]
    remedy_rows = [
        {
            "kind": r.kind, "filed_on": r.filed_on, "body": r.body, "after_review": r.after_review,
            "result": r.result, "concluded_on": r.concluded_on,
        }
        for r in remedies
    ]  # fmt: skip
    return {
        "clock/clock.json": as_json({"state": state, "history": history}),
        "clock/clock.txt": "\n".join(lines).encode("utf-8"),
        "remedies.json": as_json(remedy_rows),
    }


def _text(value: Any) -> str:
    if value is None:
        return "—"
    return (
        str(_plain(value))
        if isinstance(value, datetime | date) or hasattr(value, "value")
        else str(value)
    )
