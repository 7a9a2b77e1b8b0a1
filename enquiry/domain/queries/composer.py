"""What the composer shows: the user's draft, colleagues on the ticket, the thread's version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from enquiry.domain.composer import PRESENCE_TTL, WRITING_TTL
from enquiry.models import (
    AuditEvent,
    Message,
    MessageKind,
    ReplyDraft,
    SessionLike,
    Ticket,
    TicketPresence,
    User,
)
from enquiry.rules.workflow import Action

# The recorded changes of a ticket's state that make an action form stale.
CHANGE_ACTIONS = frozenset(
    {f"ticket.{action.value}" for action in Action} | {"ticket.assign", "ticket.taken_by_api"}
)


@dataclass(frozen=True)
class Colleague:
    """Someone else who has the ticket open, and whether they are writing a reply."""

    name: str
    is_writing: bool


def draft_body(session: SessionLike, ticket: Ticket, user: User) -> str:
    """The user's saved draft for the ticket, or an empty text."""
    body = session.scalar(
        sa.select(ReplyDraft.body).where(
            ReplyDraft.ticket_id == ticket.id, ReplyDraft.user_id == user.id
        )
    )
    return body or ""


def colleagues_present(
    session: SessionLike, ticket: Ticket, user: User, *, now: datetime
) -> list[Colleague]:
    """Other users whose heartbeat on this ticket has not expired, by name."""
    users = session.scalars(
        sa.select(User)
        .join(TicketPresence, TicketPresence.user_id == User.id)
        .where(
            TicketPresence.ticket_id == ticket.id,
            TicketPresence.user_id != user.id,
            TicketPresence.seen_at >= now - PRESENCE_TTL,
        )
        .order_by(User.display_name)
    ).all()
    writing = set(
        session.scalars(
            sa.select(ReplyDraft.user_id).where(
                ReplyDraft.ticket_id == ticket.id, ReplyDraft.updated_at >= now - WRITING_TTL
            )
        )
    )
    return [Colleague(other.display_name, other.id in writing) for other in users]


def thread_version(session: SessionLike, ticket: Ticket) -> int:
    """The id of the newest citizen message or reply: what a composer was rendered against."""
    newest = session.scalar(
        sa.select(sa.func.max(Message.id)).where(
            Message.ticket_id == ticket.id,
            Message.kind.in_((MessageKind.CITIZEN, MessageKind.REPLY)),
        )
    )
    return newest or 0


def ticket_version(session: SessionLike, ticket: Ticket) -> str:
    """What an action form was rendered against: the newest message and the newest change.

    Any message counts (a colleague's note too), and so does every recorded change of status or
    assignee, so an action sent from a page drawn before either is refused, never done twice.
    """
    newest_message = session.scalar(
        sa.select(sa.func.max(Message.id)).where(Message.ticket_id == ticket.id)
    )
    newest_change = session.scalar(
        sa.select(sa.func.max(AuditEvent.id)).where(
            AuditEvent.ticket_id == ticket.id, AuditEvent.action.in_(CHANGE_ACTIONS)
        )
    )
    return f"{newest_message or 0}.{newest_change or 0}"


def ticket_versions(session: SessionLike, ticket_ids: list[int]) -> dict[int, str]:
    """`ticket_version` of each ticket at once (the inbox's rows, for its bulk actions)."""
    if not ticket_ids:
        return {}
    messages: dict[int, int] = dict(
        session.execute(
            sa.select(Message.ticket_id, sa.func.max(Message.id))
            .where(Message.ticket_id.in_(ticket_ids))
            .group_by(Message.ticket_id)
        ).all()
    )
    changes: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            sa.select(AuditEvent.ticket_id, sa.func.max(AuditEvent.id))
            .where(AuditEvent.ticket_id.in_(ticket_ids), AuditEvent.action.in_(CHANGE_ACTIONS))
            .group_by(AuditEvent.ticket_id)
        ).all()
    )
    return {tid: f"{messages.get(tid) or 0}.{changes.get(tid) or 0}" for tid in ticket_ids}
