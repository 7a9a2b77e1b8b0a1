"""A formal letter the request composed and the worker still has to render as PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, utcnow


class LetterJob(Base):
    """One letter waiting for its PDF; the mail that carries it waits with it.

    The request writes the letter's text into the thread and the mail at once; rendering the
    PDF (about 100 CPU-ms with the CJK fonts) is the worker's. The row goes when the PDF is
    made; if rendering fails the error is kept and the mail leaves without the PDF.
    """

    __tablename__ = "letter_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id"))  # gets the PDF
    outbound_email_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbound_emails.id"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    # The letter's own facts beyond the ticket's (outcome, note, due_on, days), as JSON.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str | None] = mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<LetterJob {self.id} {self.kind} ticket={self.ticket_id}>"


def waits_for_letter(outbound_email_id: Any) -> sa.ColumnElement[bool]:
    """True for an outgoing mail whose formal letter's PDF the worker has not rendered yet."""
    return (
        sa.exists()
        .where(LetterJob.outbound_email_id == outbound_email_id, LetterJob.error.is_(None))
        .correlate_except(LetterJob)
    )
