"""The figures: table 三 of the annual report, and the mailbox's volume, speed and satisfaction.

Queries fetch plain rows; the counting is done by pure functions (`enquiry.annual.build_table`,
`summarise`) so it can be tested on fixed data. Years and months are Beijing ones; a moment
(`closed_at`, `answered_at` ...) belongs to the Beijing date it falls on.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from enquiry.models import (
    FINAL_STATUSES,
    Channel,
    Kind,
    Rating,
    SatisfactionRating,
    SessionLike,
    Status,
    Ticket,
)
from enquiry.reporting import annual
from enquiry.rules import deadlines

MONTHS = tuple(range(1, 13))
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


# The mailbox figures


@dataclass(frozen=True)
class TicketTimes:
    """What the mailbox figures need to know about one ticket."""

    kind: Kind
    channel: Channel
    department_id: int
    status: Status
    received_on: date
    due_on: date | None
    first_response_on: date | None  # Beijing dates
    answered_on: date | None


@dataclass(frozen=True)
class MailboxFigures:
    """A year of the mailbox: volume per month, speed, punctuality and satisfaction."""

    year: int
    total_by_month: tuple[int, ...]
    by_kind: dict[Kind, tuple[int, ...]]
    by_channel: dict[Channel, tuple[int, ...]]
    by_department: dict[int, tuple[int, ...]]
    median_first_response: float | None  # working days from receipt
    median_answer: float | None
    monthly_median_first_response: tuple[float | None, ...]
    monthly_median_answer: tuple[float | None, ...]
    answered_on_time: int  # answered on or before the due date
    answered_late: int
    overdue_unanswered: int  # not answered, still open and past the due date
    satisfaction: dict[Rating, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.total_by_month)

    @property
    def on_time_share(self) -> float | None:
        """The share answered on time among those answered or overdue; None when none are."""
        judged = self.answered_on_time + self.answered_late + self.overdue_unanswered
        return self.answered_on_time / judged if judged else None


def _per_month(values: Iterable[int]) -> tuple[int, ...]:
    counts = [0] * 12
    for month in values:
        counts[month - 1] += 1
    return tuple(counts)


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _elapsed(start: date, end: date | None, calendar: deadlines.WorkCalendar) -> int | None:
    """Working days from receipt to a response; a response before the receipt date counts 0."""
    if end is None:
        return None
    return max(0, deadlines.working_days_between(start, end, calendar))


def _monthly_medians(
    tickets: Sequence[TicketTimes], elapsed: Sequence[int | None]
) -> tuple[float | None, ...]:
    by_month: dict[int, list[int]] = {month: [] for month in MONTHS}
    for ticket, days in zip(tickets, elapsed, strict=True):
        if days is not None:
            by_month[ticket.received_on.month].append(days)
    return tuple(_median(by_month[month]) for month in MONTHS)


def _punctuality(tickets: Sequence[TicketTimes], today: date) -> tuple[int, int, int]:
    on_time = late = overdue = 0
    for ticket in tickets:
        if ticket.due_on is None:
            continue
        if ticket.answered_on is not None:
            on_time += ticket.answered_on <= ticket.due_on
            late += ticket.answered_on > ticket.due_on
        elif ticket.status not in FINAL_STATUSES and ticket.due_on < today:
            overdue += 1
    return on_time, late, overdue


def summarise(
    tickets: Sequence[TicketTimes],
    year: int,
    *,
    today: date,
    calendar: deadlines.WorkCalendar,
    satisfaction: dict[Rating, int] | None = None,
) -> MailboxFigures:
    """Count the tickets received in a year into the mailbox figures."""
    first = [_elapsed(t.received_on, t.first_response_on, calendar) for t in tickets]
    answer = [_elapsed(t.received_on, t.answered_on, calendar) for t in tickets]
    on_time, late, overdue = _punctuality(tickets, today)
    departments = sorted({t.department_id for t in tickets})
    return MailboxFigures(
        year=year,
        total_by_month=_per_month(t.received_on.month for t in tickets),
        by_kind={
            kind: _per_month(t.received_on.month for t in tickets if t.kind is kind)
            for kind in Kind
        },
        by_channel={
            channel: _per_month(t.received_on.month for t in tickets if t.channel is channel)
            for channel in Channel
        },
        by_department={
            department: _per_month(
                t.received_on.month for t in tickets if t.department_id == department
            )
            for department in departments
        },
        median_first_response=_median([d for d in first if d is not None]),
        median_answer=_median([d for d in answer if d is not None]),
        monthly_median_first_response=_monthly_medians(tickets, first),
        monthly_median_answer=_monthly_medians(tickets, answer),
        answered_on_time=on_time,
        answered_late=late,
        overdue_unanswered=overdue,
        satisfaction={rating: (satisfaction or {}).get(rating, 0) for rating in Rating},
    )


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
    """Count the ratings given in the (Beijing) year, per rating."""
    query = (
        sa.select(SatisfactionRating.rating, sa.func.count())
        .join(Ticket, Ticket.id == SatisfactionRating.ticket_id)
        .where(
            SatisfactionRating.created_at >= year_start(year),
            SatisfactionRating.created_at < year_start(year + 1),
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
