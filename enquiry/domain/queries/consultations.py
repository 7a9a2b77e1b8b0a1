"""Which consultations a colleague sees: the 会商 requests addressed to their department."""

from __future__ import annotations

import sqlalchemy as sa

from enquiry.models import (
    Consultation,
    ConsultationKind,
    ConsultationState,
    Role,
    SessionLike,
    Ticket,
    User,
)

RECENT = 50  # closed requests shown below the open ones


def may_answer(user: User, consultation: Consultation) -> bool:
    """True when the user speaks for the consulted department (or is an administrator)."""
    if consultation.kind is not ConsultationKind.AGENCY:
        return False
    return user.role is Role.ADMIN or user.department_id == consultation.department_id


def addressed_to(session: SessionLike, user: User) -> tuple[list[Consultation], list[Consultation]]:
    """Return the open and the recently closed 会商 requests for the user's department."""
    query = sa.select(Consultation).where(Consultation.kind == ConsultationKind.AGENCY)
    if user.role is not Role.ADMIN:
        query = query.where(Consultation.department_id == user.department_id)
    waiting = session.scalars(
        query.where(Consultation.state == ConsultationState.OPEN).order_by(
            Consultation.due_on, Consultation.id
        )
    )
    closed = session.scalars(
        query.where(Consultation.state != ConsultationState.OPEN)
        .order_by(Consultation.closed_at.desc(), Consultation.id.desc())
        .limit(RECENT)
    )
    return list(waiting), list(closed)


def find(session: SessionLike, consultation_id: int) -> Consultation | None:
    """Return a consultation by id, or None."""
    return session.get(Consultation, consultation_id)


def open_consultations(session: SessionLike, ticket: Ticket) -> list[Consultation]:
    """Return the ticket's consultations still waiting for an opinion."""
    query = sa.select(Consultation).where(
        Consultation.ticket_id == ticket.id, Consultation.state == ConsultationState.OPEN
    )
    return list(session.scalars(query.order_by(Consultation.id)))


def ticket_consultations(session: SessionLike, ticket: Ticket) -> list[Consultation]:
    """Return every consultation of a ticket, oldest first."""
    query = sa.select(Consultation).where(Consultation.ticket_id == ticket.id)
    return list(session.scalars(query.order_by(Consultation.id)))
