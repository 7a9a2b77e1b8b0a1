"""The figures: table 三 of the annual report, and the mailbox's volume, speed and satisfaction.

Queries fetch plain rows; the counting is done by pure functions (`enquiry.reporting.annual`,
`enquiry.reporting.mailbox`) so it can be tested on fixed data. Years and months are Beijing
ones; a moment (`closed_at`, `answered_at` ...) belongs to the Beijing date it falls on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from enquiry.models import (
    Kind,
    Rating,
    SatisfactionRating,
    SessionLike,
    Status,
    Ticket,
)
from enquiry.reporting import annual
from enquiry.reporting.mailbox import MailboxFigures, TicketTimes, summarise
from enquiry.rules import deadlines

# Not applications, or not handled on their own: a duplicate is handled in the one it joined.
NOT_COUNTED = (Status.SPAM, Status.MERGED)
BEIJING_ZONE = "Asia/Shanghai"


def beijing_date(moment: datetime) -> date:
    """Return the Beijing date of an aware moment."""
    return moment.astimezone(deadlines.BEIJING).date()


def beijing_date_sql(
    dialect: str, moment: sa.ColumnElement[datetime | None] | Any
) -> sa.ColumnElement[date]:
    """SQL for the Beijing date of a stored UTC moment (NULL stays NULL).

    China has kept UTC+8 all year since 1992, so a fixed offset equals `beijing_date`; done in
    the database, it spares converting every row in Python (most of the annual table's time).
    """
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone(BEIJING_ZONE, moment), sa.Date)
    return sa.type_coerce(sa.func.date(moment, "+8 hours"), sa.Date)


def year_start(year: int) -> datetime:
    """Return the first moment of a Beijing year (aware)."""
    return datetime(year, 1, 1, tzinfo=deadlines.BEIJING)


def _scope(department_id: int | None) -> sa.ColumnElement[bool]:
    return sa.true() if department_id is None else Ticket.department_id == department_id


# Table 三


def application_facts(
    session: SessionLike, year: int, department_id: int | None = None
) -> list[annual.ApplicationFact]:
    """Return the facts of every application that can appear in the year's table."""
    concluded_on = beijing_date_sql(session.get_bind().dialect.name, Ticket.closed_at)
    query = sa.select(
        Ticket.reference,
        Ticket.applicant_type,
        Ticket.received_on,
        concluded_on,
        Ticket.outcome,
    ).where(
        Ticket.kind == Kind.INFO_APPLICATION,
        Ticket.status.not_in(NOT_COUNTED),
        Ticket.received_on <= date(year, 12, 31),
        sa.or_(Ticket.closed_at.is_(None), Ticket.closed_at >= year_start(year)),
        _scope(department_id),
    )
    return [
        annual.ApplicationFact(
            applicant_type=applicant_type,
            received_on=received_on,
            concluded_on=concluded_on,
            outcome=outcome,
            reference=reference,
        )
        for reference, applicant_type, received_on, concluded_on, outcome in session.execute(
            query.order_by(Ticket.id)
        )
    ]


def annual_table(
    session: SessionLike, year: int, department_id: int | None = None
) -> annual.AnnualTable:
    """Return table 三 for the year (for one department, or for the whole office)."""
    return annual.build_table(application_facts(session, year, department_id), year)


def ticket_times(
    session: SessionLike, year: int, department_id: int | None = None
) -> list[TicketTimes]:
    """Return the tickets received in the year (spam and merged duplicates left out)."""
    query = sa.select(
        Ticket.kind,
        Ticket.channel,
        Ticket.department_id,
        Ticket.status,
        Ticket.received_on,
        Ticket.due_on,
        Ticket.first_response_at,
        Ticket.answered_at,
    ).where(
        Ticket.received_on.between(date(year, 1, 1), date(year, 12, 31)),
        Ticket.status.not_in(NOT_COUNTED),
        _scope(department_id),
    )
    return [
        TicketTimes(
            kind=kind,
            channel=channel,
            department_id=department,
            status=status,
            received_on=received_on,
            due_on=due_on,
            first_response_on=beijing_date(first) if first is not None else None,
            answered_on=beijing_date(answered) if answered is not None else None,
        )
        for kind, channel, department, status, received_on, due_on, first, answered in (
            session.execute(query.order_by(Ticket.id))
        )
    ]


def satisfaction_counts(
    session: SessionLike, year: int, department_id: int | None = None
) -> dict[Rating, int]:
    """Count the ratings given in the (Beijing) year, per rating; 误评 left out."""
    query = (
        sa.select(SatisfactionRating.rating, sa.func.count())
        .join(Ticket, Ticket.id == SatisfactionRating.ticket_id)
        .where(
            SatisfactionRating.created_at >= year_start(year),
            SatisfactionRating.created_at < year_start(year + 1),
            SatisfactionRating.misrated_at.is_(None),
            _scope(department_id),
        )
        .group_by(SatisfactionRating.rating)
    )
    counts: dict[Rating, int] = {rating: int(n) for rating, n in session.execute(query)}
    return {rating: counts.get(rating, 0) for rating in Rating}


def mailbox_figures(
    session: SessionLike,
    year: int,
    *,
    today: date,
    calendar: deadlines.WorkCalendar,
    department_id: int | None = None,
) -> MailboxFigures:
    """Return the mailbox figures for a year (for one department, or the whole office)."""
    return summarise(
        ticket_times(session, year, department_id),
        year,
        today=today,
        calendar=calendar,
        satisfaction=satisfaction_counts(session, year, department_id),
    )
