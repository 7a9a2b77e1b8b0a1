"""What each colleague has read, what they are told about, and how they want to be mailed."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, str_enum, utcnow
from enquiry.models.tickets import Ticket


class NotifyMode(enum.StrEnum):
    """How a colleague wants notifications by e-mail (the bell shows them all in any case)."""

    EACH = "each"  # one mail per notification, on the worker's next pass
    DIGEST = "digest"  # one mail an hour with everything since the last one
    NONE = "none"  # no mail


class NotificationKind(enum.StrEnum):
    NEW_TICKET = "new_ticket"
    FOLLOW_UP = "follow_up"  # the citizen wrote again
    TRANSFER = "transfer"  # transferred (or returned) to the colleague's department
    MENTION = "mention"  # named with @ in an internal note (会商)


class MailState(enum.StrEnum):
    PENDING = "pending"
    QUEUED = "queued"  # in the outbox
    SKIPPED = "skipped"  # the colleague wanted no mail


class Notification(Base):
    """One thing a colleague is told about, in the bell and (by preference) by e-mail."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    mail_state: Mapped[MailState] = mapped_column(
        str_enum(MailState, "notification_mail_state"), default=MailState.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()

    __table_args__ = (
        sa.Index("ix_notifications_user_id_read_at_id", "user_id", "read_at", "id"),
        sa.Index("ix_notifications_mail_state_user_id", "mail_state", "user_id"),
        sa.Index("ix_notifications_user_id_id", "user_id", "id"),  # the bell: newest first
    )

    def __repr__(self) -> str:
        return f"<Notification {self.kind.value} for user {self.user_id} on {self.ticket_id}>"


class TicketRead(Base):
    """The last message of a ticket a colleague has seen (opening the ticket moves it on)."""

    __tablename__ = "ticket_reads"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), primary_key=True)
    last_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The newest read mark of a colleague: part of the stamp of their unread count.
    __table_args__ = (sa.Index("ix_ticket_reads_user_id_read_at", "user_id", "read_at"),)

    def __repr__(self) -> str:
        return f"<TicketRead user {self.user_id} ticket {self.ticket_id} @{self.last_message_id}>"


class ReadHorizon(Base):
    """Messages up to here count as read by the colleague on every ticket they never opened.

    Set for everyone who worked here when read state arrived (the migration), so an upgrade
    does not show the whole backlog as new; colleagues added later have none and see it so.
    """

    __tablename__ = "read_horizons"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    last_message_id: Mapped[int] = mapped_column(default=0)
    set_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ReadHorizon user {self.user_id} @{self.last_message_id}>"


class NotificationSetting(Base):
    """A colleague's choice of notification mail; no row means one mail each."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    mode: Mapped[NotifyMode] = mapped_column(str_enum(NotifyMode, "notify_mode"))
    digest_sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<NotificationSetting user {self.user_id} {self.mode.value}>"
