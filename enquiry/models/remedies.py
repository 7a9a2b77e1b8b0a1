"""Administrative review (行政复议) and lawsuits (行政诉讼) brought over an application."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, str_enum, utcnow

REMEDY_BODY_MAX = 200


class RemedyKind(enum.StrEnum):
    REVIEW = "review"  # 行政复议
    LAWSUIT = "lawsuit"  # 行政诉讼


class RemedyResult(enum.StrEnum):
    """The columns of table 四."""

    UPHELD = "upheld"  # 结果维持
    CORRECTED = "corrected"  # 结果纠正
    OTHER = "other"  # 其他结果
    PENDING = "pending"  # 尚未审结


class Remedy(Base):
    """One review or lawsuit over an information application, and how it ended."""

    __tablename__ = "remedies"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    kind: Mapped[RemedyKind] = mapped_column(str_enum(RemedyKind, "remedy_kind"))
    filed_on: Mapped[date]
    body: Mapped[str] = mapped_column(sa.String(REMEDY_BODY_MAX))  # 复议机关 or 法院
    # Lawsuits only: True = 复议后起诉, False = 未经复议直接起诉.
    after_review: Mapped[bool | None]
    result: Mapped[RemedyResult] = mapped_column(
        str_enum(RemedyResult, "remedy_result"), default=RemedyResult.PENDING
    )
    concluded_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint(
            "(result = 'pending') = (concluded_on IS NULL)", name="concluded_iff_result"
        ),
        sa.CheckConstraint(
            "(kind = 'lawsuit') = (after_review IS NOT NULL)", name="after_review_iff_lawsuit"
        ),
    )

    def __repr__(self) -> str:
        return f"<Remedy {self.id} {self.kind.value} {self.result.value}>"
