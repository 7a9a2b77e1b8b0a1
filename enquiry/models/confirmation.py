"""The retrieval code of a new enquiry, kept sealed until the confirmation page shows it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, utcnow


class PendingConfirmation(Base):
    """One showing of a new ticket's code; deleted when shown (see enquiry/confirmations.py)."""

    __tablename__ = "pending_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 of the token
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    sealed_code: Mapped[str] = mapped_column(sa.String(128))  # hex; the token is the key
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<PendingConfirmation {self.id} ticket {self.ticket_id}>"
