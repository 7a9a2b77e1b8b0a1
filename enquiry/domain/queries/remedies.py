"""A ticket's reviews and lawsuits (行政复议, 行政诉讼)."""

from __future__ import annotations

from sqlalchemy import select

from enquiry.models import Remedy, SessionLike, Ticket


def remedies_of(session: SessionLike, ticket: Ticket) -> list[Remedy]:
    """Return a ticket's reviews and lawsuits, in the order they were filed."""
    query = select(Remedy).where(Remedy.ticket_id == ticket.id)
    return list(session.scalars(query.order_by(Remedy.filed_on, Remedy.id)))


def remedy_of(session: SessionLike, ticket: Ticket, remedy_id: int) -> Remedy | None:
    """Return the ticket's review or lawsuit with that id, or None."""
    query = select(Remedy).where(Remedy.ticket_id == ticket.id, Remedy.id == remedy_id)
    return session.scalar(query)
