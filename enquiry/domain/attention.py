"""Tickets that need attention: the running clock in SQL, overdue and soon-due tickets.

The SQL conditions mirror the predicates of `enquiry.rules.clock` (`is_running`, `is_overdue`,
`due_soon`), so lists filter in the database exactly as a ticket page reads its clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from enquiry.models import Department, SessionLike, Ticket
from enquiry.rules import deadlines
from enquiry.rules.clock import DUE_SOON_DAYS, RUNNING, soon_limit


def running_condition() -> sa.ColumnElement[bool]:
    """SQL: the tickets whose clock runs (see `is_running`)."""
    return sa.and_(
        Ticket.status.in_(RUNNING), Ticket.paused_on.is_(None), Ticket.due_on.is_not(None)
    )


def overdue_condition(today: date) -> sa.ColumnElement[bool]:
    """SQL: the tickets `is_overdue` on this day."""
    return sa.and_(running_condition(), Ticket.due_on < today)


def due_soon_condition(
    today: date, calendar: deadlines.WorkCalendar, days: int = DUE_SOON_DAYS
) -> sa.ColumnElement[bool]:
    """SQL: the tickets `due_soon` on this day."""
    limit = soon_limit(today, days, calendar)
    return sa.and_(running_condition(), Ticket.due_on >= today, Ticket.due_on < limit)


@dataclass(frozen=True)
class DueRow:
    """A ticket as the digest, escalation mail and supervision page list it."""

    ticket_id: int
    reference: str
    subject: str
    department_id: int
    assignee: str | None
    due_on: date
    remaining: int  # working days; negative when overdue
    is_overdue: bool
    is_verified: bool
    is_escalated: bool


def due_row(ticket: Ticket, today: date, calendar: deadlines.WorkCalendar) -> DueRow:
    """Return what lists show of a ticket whose clock runs."""
    assert ticket.due_on is not None
    return DueRow(
        ticket_id=ticket.id,
        reference=ticket.reference,
        subject=ticket.subject,
        department_id=ticket.department_id,
        assignee=ticket.assignee.display_name if ticket.assignee else None,
        due_on=ticket.due_on,
        remaining=deadlines.working_days_between(today, ticket.due_on, calendar),
        is_overdue=ticket.due_on < today,
        is_verified=ticket.is_calendar_verified,
        is_escalated=ticket.escalated_at is not None,
    )


def attention_tickets(
    session: SessionLike,
    today: date,
    calendar: deadlines.WorkCalendar,
    soon_days: int,
    *,
    department_ids: Iterable[int] | None = None,
) -> list[Ticket]:
    """Return the running tickets that are overdue or due soon, earliest due date first."""
    limit = soon_limit(today, soon_days, calendar)
    query = sa.select(Ticket).where(running_condition(), Ticket.due_on < limit)
    if department_ids is not None:
        query = query.where(Ticket.department_id.in_(list(department_ids)))
    query = query.options(joinedload(Ticket.assignee)).order_by(Ticket.due_on, Ticket.id)
    return list(session.scalars(query))


@dataclass
class Board:
    """One department's tickets that need attention."""

    department: Department
    overdue: list[DueRow] = field(default_factory=list)
    due_soon: list[DueRow] = field(default_factory=list)


def department_boards(
    session: SessionLike,
    departments: Sequence[Department],
    today: date,
    calendar: deadlines.WorkCalendar,
    soon_days: int,
) -> list[Board]:
    """Return the overdue and soon-due tickets of each department (the supervision page)."""
    boards = {department.id: Board(department) for department in departments}
    for ticket in attention_tickets(session, today, calendar, soon_days, department_ids=boards):
        row = due_row(ticket, today, calendar)
        board = boards[ticket.department_id]
        (board.overdue if row.is_overdue else board.due_soon).append(row)
    return list(boards.values())
