"""Regional working-day exceptions that administrators enter, beside the shipped ones."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, utcnow


class HolidayOverride(Base):
    """A day that is (not) a working day in a region, against the national calendar."""

    __tablename__ = "holiday_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(sa.String(40))
    day: Mapped[date]
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("region", "day", name="uq_holiday_overrides_day"),)

    def __repr__(self) -> str:
        return f"<HolidayOverride {self.region} {self.day} workday={self.is_workday}>"


class SearchDocument(Base):
    """The tokenised text of a ticket (reference, subject, messages, name) for full-text search."""

    __tablename__ = "search_documents"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), primary_key=True)
    document: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchDocument {self.ticket_id}>"
