"""What each colleague has read: opening a ticket marks its thread and notifications read."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from enquiry.models import Message, Notification, SessionLike, Ticket, TicketRead, User


def mark_ticket_read(session: SessionLike, user: User, ticket: Ticket, *, now: datetime) -> None:
    """Remember the last message the colleague has seen on the ticket; flush."""
    last = session.scalar(sa.select(sa.func.max(Message.id)).where(Message.ticket_id == ticket.id))
    read = session.get(TicketRead, (user.id, ticket.id))
    if read is None:
        read = TicketRead(user_id=user.id, ticket_id=ticket.id, last_message_id=0, read_at=now)
        session.add(read)
    read.last_message_id = max(read.last_message_id, last or 0)
    read.read_at = now
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
