"""Ratings (好差评) as the tracking page and the supervision page show them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from enquiry.models import Department, Rating, SatisfactionRating, SessionLike, Ticket

RECENT_LIMIT = 50


def ratings_by_answer(session: SessionLike, ticket_id: int) -> dict[int, Rating]:
    """Return {answer message id: rating} for a ticket's rated answers."""
    rows = session.execute(
        sa.select(SatisfactionRating.message_id, SatisfactionRating.rating).where(
            SatisfactionRating.ticket_id == ticket_id
        )
    )
    return {int(message_id): Rating(rating) for message_id, rating in rows}


def recent_ratings(
    session: SessionLike, departments: list[Department], limit: int = RECENT_LIMIT
) -> list[SatisfactionRating]:
    """Return the newest ratings of tickets in these departments, with their tickets loaded."""
    if not departments:
        return []
    query = (
        sa.select(SatisfactionRating)
        .join(Ticket, Ticket.id == SatisfactionRating.ticket_id)
        .where(Ticket.department_id.in_([d.id for d in departments]))
        .options(selectinload(SatisfactionRating.ticket))
        .order_by(SatisfactionRating.created_at.desc(), SatisfactionRating.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def rating_in(
    session: SessionLike, rating_id: int, departments: list[Department]
) -> SatisfactionRating | None:
    """Return a rating of a ticket in one of these departments, or None."""
    record = session.get(SatisfactionRating, rating_id)
    if record is None or record.ticket.department_id not in {d.id for d in departments}:
        return None
    return record
