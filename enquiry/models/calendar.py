"""Regional working-day exceptions that administrators enter, beside the shipped ones."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class CalendarNotice(Base):
    """The State Council's holiday notice for a year, entered whole by an administrator.

    For a year the installed `chinesecalendar` does not cover it replaces the predicted
    holidays: its days are the year's days off and make-up working days.
    """

    __tablename__ = "calendar_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    source: Mapped[str] = mapped_column(sa.String(500))
    text: Mapped[str] = mapped_column(sa.Text)  # as entered, for the record
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    days: Mapped[list[CalendarNoticeDay]] = relationship(
        back_populates="notice", order_by="CalendarNoticeDay.day", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<CalendarNotice {self.year}>"


class CalendarNoticeDay(Base):
    """One day of a notice: a day off, or a make-up working day (调休上班)."""

    __tablename__ = "calendar_notice_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("calendar_notices.id"), index=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(sa.String(200))

    notice: Mapped[CalendarNotice] = relationship(back_populates="days")

    def __repr__(self) -> str:
        return f"<CalendarNoticeDay {self.day} workday={self.is_workday}>"


class SearchDocument(Base):
    """The tokenised text of a ticket (reference, subject, messages, name) for full-text search."""

    __tablename__ = "search_documents"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), primary_key=True)
    document: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchDocument {self.ticket_id}>"
