"""Legal holds: tickets whose personal data the retention policy must not remove."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, utcnow

HOLD_REASON_MAX = 500


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
