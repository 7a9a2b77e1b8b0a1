"""Published annual reports, split into sections that enquiries can refer to."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, utcnow


class Report(Base):
    """One year's open-government-information annual report."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    published_on: Mapped[date | None]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    sections: Mapped[list[ReportSection]] = relationship(
        back_populates="report", order_by="ReportSection.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Report {self.year}>"


class ReportSection(Base):
    """A numbered part of a report (一、 / （一） / 一是 ...), with a stable anchor."""

    __tablename__ = "report_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    anchor: Mapped[str] = mapped_column(sa.String(40))
    number: Mapped[str] = mapped_column(sa.String(20))  # as printed, e.g. "（二）"
    level: Mapped[int]
    position: Mapped[int]
    heading: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)

    report: Mapped[Report] = relationship(back_populates="sections")

    __table_args__ = (sa.UniqueConstraint("report_id", "anchor", name="uq_report_sections_anchor"),)

    def __repr__(self) -> str:
        return f"<ReportSection {self.anchor} {self.heading[:20]!r}>"
