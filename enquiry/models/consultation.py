"""Consultations during an information application: a third party (art. 32) or another
department that made the information together with the handling one (会商, art. 34)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, str_enum, utcnow
from enquiry.models.org import Department, User
from enquiry.models.tickets import Ticket

PARTY_MAX = 200
TEXT_MAX = 5_000


class ConsultationKind(enum.StrEnum):
    THIRD_PARTY = "third_party"  # 征求第三方意见 (art. 32)
    AGENCY = "agency"  # 会商: another department inside the system (art. 34)


class ConsultationState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"  # the opinion arrived (recorded by staff, or by the department)
    NO_ANSWER = "no_answer"  # third party: 逾期未提出意见 (the office decides under art. 32)
    DEEMED_AGREED = "deemed_agreed"  # 会商: 逾期未提出意见视为同意 (art. 34)
    WITHDRAWN = "withdrawn"


class Consultation(Base):
    """One consultation of a ticket, with its own 15-working-day due date."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    kind: Mapped[ConsultationKind] = mapped_column(str_enum(ConsultationKind, "consultation_kind"))
    state: Mapped[ConsultationState] = mapped_column(
        str_enum(ConsultationState, "consultation_state"), default=ConsultationState.OPEN
    )
    party: Mapped[str | None] = mapped_column(sa.String(PARTY_MAX))  # the third party
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    question: Mapped[str] = mapped_column(sa.Text)
    sent_on: Mapped[date]
    due_on: Mapped[date]
    # Whether the applicant's time limit stands still meanwhile (art. 33 ¶3; 2008 art. 24).
    is_clock_paused: Mapped[bool] = mapped_column(default=True)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_on: Mapped[date | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None]
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    department: Mapped[Department | None] = relationship()
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'agency') = (department_id IS NOT NULL)", name="department_iff_agency"
        ),
        sa.CheckConstraint("(state = 'open') = (closed_at IS NULL)", name="closed_iff_not_open"),
    )

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.kind.value} {self.state.value}>"
