"""Mail that did not go out: which tickets have it, who may see it, and sending it again.

The worker marks a row `failed` (the server refused it, or retries ran out) or `suppressed`
(automatic mail to an address that bounced or had enough for the day). Staff see a badge on
the ticket and in the inbox, and supervisors (their department's tickets) and admins (all,
including mail that belongs to no ticket) have the outbox page, where a retry puts the row
back in the queue, audited, for the worker's next pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.audit.content import outbound_sha256
from enquiry.models import OutboundEmail, OutboxStatus, Role, SessionLike, Ticket, User

UNDELIVERED = (OutboxStatus.FAILED, OutboxStatus.SUPPRESSED)


class NotRetryableError(ValueError):
    """Only failed or suppressed mail can be sent again."""


def undelivered_by_ticket(
    session: SessionLike, ticket_ids: Iterable[int]
) -> dict[int, OutboxStatus]:
    """Return, per ticket with undelivered mail, the worse status (failed over suppressed)."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    query = (
        sa.select(OutboundEmail.ticket_id, OutboundEmail.status)
        .where(OutboundEmail.ticket_id.in_(ids), OutboundEmail.status.in_(UNDELIVERED))
        .where(OutboundEmail.to_addr != "")  # no address: its letters go by post, not a fault
        .distinct()
    )
    found: dict[int, OutboxStatus] = {}
    for ticket_id, status in session.execute(query):
        if ticket_id is not None and found.get(ticket_id) is not OutboxStatus.FAILED:
            found[ticket_id] = status
    return found


def visible_to(user: User) -> sa.ColumnElement[bool]:
    """The outbox rows a user may see: admins all, supervisors their department's tickets."""
    if user.role is Role.ADMIN:
        return sa.true()
    if user.role is not Role.SUPERVISOR or user.department_id is None:
        return sa.false()
    in_department = sa.select(Ticket.id).where(Ticket.department_id == user.department_id)
    return OutboundEmail.ticket_id.in_(in_department)


def ticket_mail(session: SessionLike, ticket_id: int) -> list[OutboundEmail]:
    """Every outgoing message of one ticket, oldest first."""
    query = sa.select(OutboundEmail).where(OutboundEmail.ticket_id == ticket_id)
    return list(session.scalars(query.order_by(OutboundEmail.id)))


def page(
    session: SessionLike,
    user: User,
    statuses: Iterable[OutboxStatus],
    *,
    before: int | None,
    limit: int,
) -> list[tuple[OutboundEmail, str | None]]:
    """Up to `limit` messages in these statuses the user may see, newest first, with references."""
    query = (
        sa.select(OutboundEmail, Ticket.reference)
        .outerjoin(Ticket, Ticket.id == OutboundEmail.ticket_id)
        .where(OutboundEmail.status.in_(list(statuses)), visible_to(user))
        .order_by(OutboundEmail.id.desc())
    )
    if before is not None:
        query = query.where(OutboundEmail.id < before)
    return [(row, reference) for row, reference in session.execute(query.limit(limit))]


def visible_row(session: SessionLike, user: User, outbound_id: int) -> OutboundEmail | None:
    """One message, when the user may see it."""
    query = sa.select(OutboundEmail).where(OutboundEmail.id == outbound_id, visible_to(user))
    return session.scalar(query)


def retry(session: SessionLike, row: OutboundEmail, *, actor: audit.Actor, now: datetime) -> None:
    """Put a failed or suppressed message back in the queue, due now, with fresh retries."""
    if row.status not in UNDELIVERED:
        raise NotRetryableError(f"the message is {row.status.value}, not failed or suppressed")
    if not row.to_addr.strip():
        raise NotRetryableError("the message has no address: its letter goes by post")
    before, error = row.status, row.last_error
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, now
    row.lease_until, row.last_error = None, None
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id is not None else None
    audit.record(
        session,
        action="mail.retried",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "outbound_id": row.id,
            "outbound_sha256": outbound_sha256(row),
            "status": [before.value, OutboxStatus.PENDING.value],
            "error": error,
        },
    )
    session.flush()
