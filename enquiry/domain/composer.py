"""The reply composer's state: drafts saved as the clerk types, and presence heartbeats.

Neither is part of the record (no audit event): a draft is the clerk's scratch paper until it is
sent, and presence only tells colleagues who else has the ticket open right now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from enquiry.models import (
    Message,
    MessageKind,
    ReplyDraft,
    SessionLike,
    Ticket,
    TicketPresence,
    User,
)
from enquiry.models.composer import DRAFT_MAX

PRESENCE_TTL = timedelta(seconds=35)  # three missed 10-second heartbeats and you are gone
WRITING_TTL = timedelta(minutes=2)  # a draft touched this recently means "writing a reply"


class DraftTooLongError(ValueError):
    """The draft is longer than a reply may be."""


class DraftOutdatedError(ValueError):
    """The user has sent a reply since the page the draft was typed on was drawn."""


def save_draft(
    session: SessionLike,
    ticket: Ticket,
    user: User,
    body: str,
    *,
    now: datetime,
    seen_version: int | None = None,
) -> ReplyDraft | None:
    """Keep what the user has typed so far; an empty text discards the draft.

    `seen_version` is the thread version the composer was drawn against. A save that arrives
    after the user's own reply from that page went out (the browser saves 0.8 s after the last
    key, so it can overtake or trail "Send") would bring the sent text back as a draft.
    """
    if len(body) > DRAFT_MAX:
        raise DraftTooLongError(f"a draft is at most {DRAFT_MAX} characters")
    if seen_version is not None and replied_since(session, ticket, user, seen_version):
        raise DraftOutdatedError("the user replied after this page was drawn")
    draft = session.scalar(
        sa.select(ReplyDraft).where(
            ReplyDraft.ticket_id == ticket.id, ReplyDraft.user_id == user.id
        )
    )
    if not body.strip():
        if draft is not None:
            session.delete(draft)
            session.flush()
        return None
    if draft is None:
        draft = ReplyDraft(ticket_id=ticket.id, user_id=user.id, body=body, updated_at=now)
        session.add(draft)
    else:
        draft.body, draft.updated_at = body, now
    session.flush()
    return draft


def replied_since(session: SessionLike, ticket: Ticket, user: User, seen_version: int) -> bool:
    """True when the user sent a reply on the ticket after the thread version `seen_version`."""
    newer = session.scalar(
        sa.select(Message.id)
        .where(
            Message.ticket_id == ticket.id,
            Message.kind == MessageKind.REPLY,
            Message.author_id == user.id,
            Message.id > seen_version,
        )
        .limit(1)
    )
    return newer is not None


def discard_draft(session: SessionLike, ticket: Ticket, user: User | None) -> None:
    """Forget the user's draft (it has been sent)."""
    if user is None:
        return
    session.execute(
        sa.delete(ReplyDraft).where(
            ReplyDraft.ticket_id == ticket.id, ReplyDraft.user_id == user.id
        )
    )


def heartbeat(session: SessionLike, ticket: Ticket, user: User, *, now: datetime) -> None:
    """Record that the user has the ticket open; forget heartbeats long expired."""
    session.execute(
        sa.delete(TicketPresence).where(TicketPresence.seen_at < now - PRESENCE_TTL * 4)
    )
    row = session.scalar(
        sa.select(TicketPresence).where(
            TicketPresence.ticket_id == ticket.id, TicketPresence.user_id == user.id
        )
    )
    if row is None:
        session.add(TicketPresence(ticket_id=ticket.id, user_id=user.id, seen_at=now))
    else:
        row.seen_at = now
    session.flush()
