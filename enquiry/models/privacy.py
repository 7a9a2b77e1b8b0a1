"""Legal holds: tickets whose personal data the retention policy must not remove."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, utcnow

HOLD_REASON_MAX = 500
REQUEST_NOTE_MAX = 2_000


class PersonalDataRequest(Base):
    """A citizen's request about the personal data of one enquiry: correct it, or delete it.

    The request is handled as a ticket of its own (kind personal_data, its own clock); this row
    says what was asked and what staff decided. A correction changes the enquiry's contact
    details only when approved.
    """

    __tablename__ = "personal_data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), unique=True)
    subject_ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(16))  # "correct" or "delete"
    new_name: Mapped[str | None] = mapped_column(sa.String(100))
    new_email: Mapped[str | None] = mapped_column(sa.String(254))
    new_phone: Mapped[str | None] = mapped_column(sa.String(32))
    decision: Mapped[str | None] = mapped_column(sa.String(16))  # "approved" or "rejected"
    decision_note: Mapped[str | None] = mapped_column(sa.String(REQUEST_NOTE_MAX))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("action IN ('correct', 'delete')", name="action_known"),
        sa.CheckConstraint(
            "(decision IS NULL) = (decided_at IS NULL)", name="decided_at_iff_decision"
        ),
    )

    def __repr__(self) -> str:
        return f"<PersonalDataRequest {self.id} {self.action} {self.decision or 'open'}>"


class LegalHold(Base):
    """A supervisor's hold on a ticket (a dispute, an investigation), until a date or lifted."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(HOLD_REASON_MAX))
    until_on: Mapped[date | None]  # None: until lifted
    placed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<LegalHold {self.id} on ticket {self.ticket_id}>"
