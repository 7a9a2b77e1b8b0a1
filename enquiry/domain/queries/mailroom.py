"""What the mailroom shows a user: the received messages they may see, by outcome.

A message is seen by the department of the ticket it belongs to; a message with no ticket
(quarantined, ignored, not yet processed) by the routing office, whose work it is to sort
mail; admins see everything.
"""

from __future__ import annotations

import sqlalchemy as sa

from enquiry.domain.queries.access import ticket_scope
from enquiry.models import (
    Blob,
    Department,
    InboundEmail,
    InboundOutcome,
    Role,
    SessionLike,
    Ticket,
    User,
)


def inbound_scope(session: SessionLike, user: User) -> sa.ColumnElement[bool]:
    """Return the condition selecting the received messages the user may see."""
    if user.role is Role.ADMIN:
        return sa.true()
    own_tickets = InboundEmail.ticket_id.in_(sa.select(Ticket.id).where(ticket_scope(user)))
    office = session.scalar(sa.select(Department.id).where(Department.is_default))
    if office is None or user.department_id != office:
        return own_tickets
    return sa.or_(own_tickets, InboundEmail.ticket_id.is_(None))


def visible_inbound(session: SessionLike, user: User, inbound_id: int) -> InboundEmail | None:
    """Return a received message the user may see, or None."""
    query = sa.select(InboundEmail).where(
        InboundEmail.id == inbound_id, inbound_scope(session, user)
    )
    return session.scalar(query)


def outcome_counts(session: SessionLike, user: User) -> dict[InboundOutcome, int]:
    """Return how many of the messages the user may see had each outcome."""
    query = (
        sa.select(InboundEmail.outcome, sa.func.count())
        .where(inbound_scope(session, user))
        .group_by(InboundEmail.outcome)
    )
    return dict(session.execute(query).all())


def inbound_page(
    session: SessionLike,
    user: User,
    *,
    outcome: InboundOutcome | None,
    before: int | None,
    limit: int,
) -> list[InboundEmail]:
    """Return up to `limit` messages the user may see, newest first, older than `before`."""
    query = (
        sa.select(InboundEmail).where(inbound_scope(session, user)).order_by(InboundEmail.id.desc())
    )
    if outcome is not None:
        query = query.where(InboundEmail.outcome == outcome)
    if before:
        query = query.where(InboundEmail.id < before)
    return list(session.scalars(query.limit(limit)))


def raw_bytes(session: SessionLike, inbound: InboundEmail) -> bytes:
    """Return the message exactly as received."""
    data = session.scalar(sa.select(Blob.data).where(Blob.sha256 == inbound.raw_sha256))
    return data or b""


def inbound_ticket(session: SessionLike, inbound: InboundEmail) -> Ticket | None:
    """Return the ticket the message belongs to, if any."""
    return session.get(Ticket, inbound.ticket_id) if inbound.ticket_id is not None else None
