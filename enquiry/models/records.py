"""Audit events, the outbox, reference counters and used form tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, str_enum, utcnow


class AuditEvent(Base):
    """An append-only record of a change; each event carries the hash of the one before.

    `hash` is an HMAC under the key named by `key_id`; events from before keys (key_id NULL)
    carry a plain SHA-256 and are accepted only before the first keyed event.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(sa.String(254))  # "citizen", "system", an e-mail
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Unique: two events naming the same predecessor would fork the chain.
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    key_id: Mapped[str | None] = mapped_column(sa.String(32))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


class AuditChainHead(Base):
    """The one row naming the newest event: appending swaps it, so appends run one at a time."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(sa.String(64))
    length: Mapped[int]

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    def __repr__(self) -> str:
        return f"<AuditChainHead {self.length} {self.hash[:12]}>"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # permanent failure, shown to staff
    SUPPRESSED = "suppressed"  # never sent: automatic mail to a machine or a suppressed address


class OutboundEmail(Base):
    """One message to send; written in the same transaction as the change that causes it."""

    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    template: Mapped[str] = mapped_column(sa.String(64))
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(255))
    references: Mapped[str | None] = mapped_column(sa.Text)
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    is_automatic: Mapped[bool] = mapped_column(default=False)
    # A file sent with the message: the formal letter (告知书) as PDF, kept with the ticket.
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachments.id"))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        sa.Index("ix_outbound_emails_due", "status", "next_attempt_at"),
        # The daily cap on automatic mail counts what was sent in the last 24 hours: without
        # this index it read every sent row (2.3 s per acknowledgement at 200,000 rows).
        sa.Index("ix_outbound_emails_status_sent_at", "status", "sent_at"),
    )

    def __repr__(self) -> str:
        return f"<OutboundEmail {self.id} {self.template} {self.status.value}>"


class ReferenceCounter(Base):
    """The last number handed out for a reference prefix and year."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ReferenceCounter {self.prefix}-{self.year} {self.last_number}>"


class UsedFormToken(Base):
    """A public form token that has been spent; a second use is a replay."""

    __tablename__ = "used_form_tokens"

    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<UsedFormToken {self.nonce[:8]}>"
