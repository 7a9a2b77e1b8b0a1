"""The audit record as admins search it: filters, and pages newest first (keyset pagination)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa

from enquiry.models import AuditEvent, SessionLike, Ticket


@dataclass(frozen=True)
class AuditFilter:
    """What an admin looks for; empty values do not filter. Days are in the office's zone."""

    timezone: tzinfo
    action: str | None = None  # the action starts with it
    actor: str | None = None  # the actor's label contains it (any case)
    reference: str | None = None  # the ticket's reference (any case)
    remote_addr: str | None = None  # the address starts with it
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    before: int | None = None  # the cursor: events older than this id

    def day_start(self, day: date) -> datetime:
        """Return the first moment of a day in the office's time zone."""
        return datetime.combine(day, time.min, tzinfo=self.timezone)

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """Return the WHERE conditions of the filled-in filters."""
        conditions: list[sa.ColumnElement[bool]] = []
        if self.action:
            conditions.append(AuditEvent.action.startswith(self.action, autoescape=True))
        if self.actor:
            wanted = self.actor.lower()
            label = sa.func.lower(AuditEvent.actor_label)
            conditions.append(label.contains(wanted, autoescape=True))
        if self.reference:
            conditions.append(Ticket.reference == self.reference.upper())
        if self.remote_addr:
            address = AuditEvent.remote_addr
            conditions.append(address.startswith(self.remote_addr, autoescape=True))
        if self.date_from:
            conditions.append(AuditEvent.created_at >= self.day_start(self.date_from))
        if self.date_to:
            end = self.day_start(self.date_to + timedelta(days=1))
            conditions.append(AuditEvent.created_at < end)
        if self.before:
            conditions.append(AuditEvent.id < self.before)
        return conditions


def audit_page(
    session: SessionLike, wanted: AuditFilter, size: int
) -> tuple[list[tuple[AuditEvent, str | None]], int | None]:
    """Return one page of events (newest first) with their ticket references, and the cursor
    of the next page."""
    query = (
        sa.select(AuditEvent, Ticket.reference)
        .outerjoin(Ticket, AuditEvent.ticket_id == Ticket.id)
        .where(*wanted.conditions())
        .order_by(AuditEvent.id.desc())
        .limit(size + 1)
    )
    rows: list[tuple[AuditEvent, str | None]] = [(e, ref) for e, ref in session.execute(query)]
    if len(rows) <= size:
        return rows, None
    return rows[:size], rows[size - 1][0].id


def event_count(session: SessionLike) -> int:
    """Return how many events the audit record holds."""
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
