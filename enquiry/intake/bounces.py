"""Bounces: match a delivery report to the messages of ours it returns, mark them failed, and
stop automatic mail to the address. Flushes, never commits (called from enquiry.intake.ingest).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from enquiry import audit
from enquiry.audit.content import outbound_sha256
from enquiry.domain.thread import add_message
from enquiry.intake.actions import Decision, ticket_by_id
from enquiry.mail.parse.bounces import STATUS_TYPES, smtp_status_line
from enquiry.mail.parse.charsets import decode_unlabelled
from enquiry.mail.parse.classify import MailClass
from enquiry.mail.parse.inbound import ParsedMail
from enquiry.models import (
    InboundOutcome,
    MessageKind,
    OutboundEmail,
    OutboxStatus,
    SessionLike,
    SuppressedAddress,
)
from enquiry.models.tickets import EMAIL_MAX

REASON_MAX = 300
_DIAGNOSTIC_RE = re.compile(r"^Diagnostic-Code\s*:\s*(.+(?:\r?\n[ \t]+.+)*)", re.I | re.M)
_STATUS_RE = re.compile(r"^Status\s*:\s*([245]\.\d{1,3}\.\d{1,3})", re.I | re.M)


def bounce_reason(mail: ParsedMail) -> str:
    """Return the diagnostic of a delivery report, else its status or SMTP reply, else subject."""
    for attachment in mail.attachments:
        if attachment.content_type in STATUS_TYPES:
            text = decode_unlabelled(attachment.data)
            found = _DIAGNOSTIC_RE.search(text) or _STATUS_RE.search(text)
            if found:
                return " ".join(found.group(1).split())[:REASON_MAX]
    return (smtp_status_line(mail.text) or mail.subject or "delivery failed")[:REASON_MAX]


def suppress(session: SessionLike, address: str, reason: str, now: datetime) -> None:
    """Stop automatic mail to an address (kept if it is suppressed already)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SuppressedAddress)
        .values(address=address.strip().lower()[:EMAIL_MAX], reason=reason[:200], created_at=now)
        .on_conflict_do_nothing(index_elements=["address"])
    )


def mark_bounced(session: SessionLike, email: OutboundEmail, reason: str, now: datetime) -> None:
    """Mark one of our messages failed, suppress its recipient and tell staff on the ticket."""
    email.status, email.lease_until = OutboxStatus.FAILED, None
    email.last_error = f"bounced: {reason}"
    suppress(session, email.to_addr, f"bounced: {reason}", now)
    ticket = ticket_by_id(session, email.ticket_id)
    if ticket is not None:
        text = (
            f"退信：发往 {email.to_addr} 的邮件“{email.subject}”未能送达（{reason}）。"
            "该地址不再接收自动邮件。"
        )
        add_message(session, ticket, MessageKind.EVENT, text, (), None, now)
    audit.record(
        session,
        action="mail.bounced",
        actor=audit.Actor.system(),
        now=now,
        ticket=ticket,
        detail={
            "outbound_id": email.id,
            "outbound_sha256": outbound_sha256(email),
            "message_id": email.message_id,
            "reason": reason,
        },
    )


def record_bounce(
    session: SessionLike, mail: ParsedMail, kind: MailClass, now: datetime
) -> Decision:
    """Match a bounce to the messages of ours it returns and mark them failed."""
    ids = [f"<{found}>" for found in kind.bounced_message_ids]
    emails = (
        list(
            session.scalars(
                select(OutboundEmail)
                .where(OutboundEmail.message_id.in_(ids))
                .order_by(OutboundEmail.id)
            )
        )
        if ids
        else []
    )
    reason = bounce_reason(mail)
    if not emails:
        recipients = ", ".join(kind.bounced_recipients) or "unknown"
        return Decision(InboundOutcome.BOUNCE, detail=f"not one of ours ({recipients}): {reason}")
    for email in emails:
        mark_bounced(session, email, reason, now)
    ticket = next((t for e in emails if (t := ticket_by_id(session, e.ticket_id))), None)
    numbers = ", ".join(f"#{email.id}" for email in emails)
    return Decision(InboundOutcome.BOUNCE, ticket=ticket, detail=f"outbound {numbers}: {reason}")
