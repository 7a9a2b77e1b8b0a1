"""What each colleague has read: opening a ticket marks its thread and notifications read."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from enquiry.models import Message, Notification, SessionLike, Ticket, TicketRead, User


def mark_ticket_read(session: SessionLike, user: User, ticket: Ticket, *, now: datetime) -> None:
    """Remember the last message the colleague has seen on the ticket; flush.

    One upsert: the row is created or moved on (never back) in the same statement.
    """
    last = (
        sa.select(sa.func.coalesce(sa.func.max(Message.id), 0))
        .where(Message.ticket_id == ticket.id)
        .scalar_subquery()
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = (postgresql.insert if postgres else sqlite.insert)(TicketRead).values(
        user_id=user.id, ticket_id=ticket.id, last_message_id=last, read_at=now
    )
    larger = sa.func.greatest if postgres else sa.func.max  # SQLite's max(a, b) is scalar
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[TicketRead.user_id, TicketRead.ticket_id],
            set_={
                "last_message_id": larger(
                    TicketRead.last_message_id, insert.excluded.last_message_id
                ),
                "read_at": now,
            },
        )
    )
    session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.ticket_id == ticket.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
    )
    session.flush()


def mark_notification_read(
    session: SessionLike, user: User, notification_id: int, *, now: datetime
) -> bool:
    """Mark one of the colleague's notifications read; False when it is not theirs."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return False
    notification.read_at = notification.read_at or now
    session.flush()
    return True


def mark_all_read(session: SessionLike, user: User, *, now: datetime) -> int:
    """Mark all the colleague's notifications read; return how many were unread."""
    result = session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
