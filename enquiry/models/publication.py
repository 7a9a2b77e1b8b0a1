"""Published answers: a redacted public copy of a ticket's question and answer.

The ticket and its messages never change; the public copy holds the redacted text that the
public pages show, and the editor's choices (spans restored, extra strings hidden, attachments
chosen) so that the copy can be edited again. Suggestions carry their adoption outcome.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, str_enum, utcnow
from enquiry.models.org import User
from enquiry.models.tickets import SUBJECT_MAX, Ticket

ADOPTION_REASON_MAX = 2000


class PublicationStatus(enum.StrEnum):
    DRAFT = "draft"  # being redacted by staff
    PENDING = "pending"  # waiting for a supervisor's approval
    PUBLISHED = "published"  # on the public pages
    WITHDRAWN = "withdrawn"  # taken down (by staff, or the citizen withdrew consent)


class Adoption(enum.StrEnum):
    """What became of a 建议 (suggestion)."""

    ADOPTED = "adopted"  # 采纳
    PARTLY_ADOPTED = "partly_adopted"  # 部分采纳
    NOT_ADOPTED = "not_adopted"  # 未采纳


class Publication(Base):
    """The public copy of one ticket's question and answer."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), unique=True)
    status: Mapped[PublicationStatus] = mapped_column(
        str_enum(PublicationStatus, "publication_status"),
        default=PublicationStatus.DRAFT,
        index=True,
    )
    title: Mapped[str] = mapped_column(sa.String(SUBJECT_MAX))
    question: Mapped[str] = mapped_column(sa.Text)  # redacted
    answer: Mapped[str] = mapped_column(sa.Text)  # redacted
    # The editor's choices: title as typed, restored span keys, extra strings, attachment ids.
    choices: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    asked_on: Mapped[date]
    answered_on: Mapped[date]
    working_days: Mapped[int | None]
    adoption: Mapped[Adoption | None] = mapped_column(str_enum(Adoption, "adoption"))
    adoption_reason: Mapped[str | None] = mapped_column(sa.Text)
    prepared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    helpful_count: Mapped[int] = mapped_column(default=0)  # "this answered my question"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    ticket: Mapped[Ticket] = relationship()
    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)",
            name="published_iff_published_at",
        ),
        sa.Index("ix_publications_published_at_id", "published_at", "id"),
    )

    def __repr__(self) -> str:
        return f"<Publication {self.id} of ticket {self.ticket_id} {self.status.value}>"


class PublicationSearchDocument(Base):
    """The tokens of a public copy's redacted title, question and answer, for /questions search.

    Built from the Publication row only, never from the ticket: the original text is not indexed.
    """

    __tablename__ = "publication_search_documents"

    publication_id: Mapped[int] = mapped_column(sa.ForeignKey("publications.id"), primary_key=True)
    document: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PublicationSearchDocument {self.publication_id}>"


class SuggestionAdoption(Base):
    """What became of a 建议, recorded when the ticket is closed (and shown when published)."""

    __tablename__ = "suggestion_adoptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), unique=True)
    adoption: Mapped[Adoption] = mapped_column(str_enum(Adoption, "suggestion_adoption"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship()

    def __repr__(self) -> str:
        return f"<SuggestionAdoption {self.adoption.value} of ticket {self.ticket_id}>"
