"""What the reply composer keeps between requests: a clerk's draft, and who has a ticket open."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, utcnow
from enquiry.models.tickets import BODY_MAX


class ReplyDraft(Base):
    """The answer a clerk is writing to a ticket, saved as they type; one per user and ticket."""

    __tablename__ = "reply_drafts"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ReplyDraft ticket {self.ticket_id} user {self.user_id} ({len(self.body)} chars)>"


class TicketPresence(Base):
    """A heartbeat: this user had this ticket open at `seen_at`; stale rows mean nothing."""

    __tablename__ = "ticket_presence"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<TicketPresence ticket {self.ticket_id} user {self.user_id} at {self.seen_at}>"


DRAFT_MAX = BODY_MAX
