"""The mailbox figures of a year counted from plain rows: volume per month, speed (working
days to the first response and to the answer), punctuality and satisfaction.

Pure: the rows come from `enquiry.reporting.figures.ticket_times`, so this is tested on fixed data.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from enquiry.models import FINAL_STATUSES, Channel, Kind, Rating, Status
from enquiry.rules import deadlines

MONTHS = tuple(range(1, 13))


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
    monthly_answered: tuple[int, ...] = (0,) * 12  # answered, by month received

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
        monthly_answered=_per_month(
            t.received_on.month for t, days in zip(tickets, answer, strict=True) if days is not None
        ),
    )
