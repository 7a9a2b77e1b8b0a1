"""Every e-mail received, addresses suppressed for automatic mail, IMAP claims."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, str_enum, utcnow


class InboundOutcome(enum.StrEnum):
    PENDING = "pending"  # stored, not yet processed
    CREATED = "created"  # opened a new ticket
    APPENDED = "appended"  # added to an existing ticket
    DUPLICATE = "duplicate"  # Message-ID seen before
    AUTO_REPLY = "auto_reply"  # automatic mail: recorded, ignored
    BOUNCE = "bounce"  # delivery failure of one of our messages
    QUARANTINED = "quarantined"  # could not be processed; staff can re-process


class InboundSource(enum.StrEnum):
    IMAP = "imap"
    PIPE = "pipe"
    SMTP = "smtp"
    UPLOAD = "upload"


class InboundEmail(Base):
    """One message as received: the raw bytes (a blob) first, then what became of it."""

    __tablename__ = "inbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_sha256: Mapped[str] = mapped_column(sa.ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int]
    source: Mapped[InboundSource] = mapped_column(str_enum(InboundSource, "inbound_source"))
    message_id: Mapped[str | None] = mapped_column(sa.String(998), index=True)
    # Set once the message is taken in (see enquiry.mail.dedupe): Message-ID and content.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    from_addr: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    outcome: Mapped[InboundOutcome] = mapped_column(
        str_enum(InboundOutcome, "inbound_outcome"), default=InboundOutcome.PENDING, index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    detail: Mapped[str | None] = mapped_column(sa.Text)  # reasons, errors
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    processed_at: Mapped[datetime | None]
    # The worker's tries at taking it in, each counted before it starts (enquiry.intake.waiting):
    # a message whose tries never finish (it stops the process) is set aside, not retried.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<InboundEmail {self.id} {self.outcome.value}>"


class SuppressedAddress(Base):
    """An address that gets no automatic mail (it bounced, or asked)."""

    __tablename__ = "suppressed_addresses"

    address: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SuppressedAddress {self.address}>"


class ImapClaim(Base):
    """A mailbox message claimed by a poller: two pollers never ingest the same UID twice."""

    __tablename__ = "imap_claims"

    mailbox: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    uid: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    inbound_email_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inbound_emails.id"))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ImapClaim {self.mailbox} {self.uidvalidity}:{self.uid}>"
