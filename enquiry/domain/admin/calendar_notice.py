"""The State Council's holiday notice for a year, entered whole, replacing the prediction.

Late each year the State Council publishes next year's arrangement. Until `chinesecalendar`
ships it, deadlines running into that year count predicted holidays; an administrator who
enters the notice here makes them exact: the notice's days off and make-up working days, and
Monday to Friday for every other day. Entering a notice for the same year again replaces it.
Open tickets whose remaining period covers a changed day have their due dates moved, as for
an override (`enquiry.domain.admin.calendar.shift_due_dates`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain.admin import calendar as calendar_admin
from enquiry.models import CalendarNotice, CalendarNoticeDay, SessionLike
from enquiry.rules import deadlines
from enquiry.rules.clock import beijing_today
from enquiry.rules.holiday_notice import NoticeProblem, read_notice

logger = logging.getLogger(__name__)

SOURCE_MAX = 500
WARN_FROM_MONTH = 11  # from 1 November, admins are reminded to enter next year's notice
NOTICE_YEARS_AHEAD = 2  # how far ahead a notice may be entered


class NoticeInputError(ValueError):
    """A notice that cannot be saved as entered: the problems, each with its line number."""

    def __init__(self, problems: tuple[NoticeProblem, ...]) -> None:
        super().__init__("; ".join(f"line {p.line}: {p.code} {p.text}" for p in problems))
        self.problems = problems


class NoticeYearError(ValueError):
    """The year is one the installed calendar data already covers, or too far ahead."""


@dataclass(frozen=True)
class NoticeReminder:
    """Whether to remind administrators to enter next year's notice."""

    year: int
    is_due: bool


def notice_row(session: SessionLike, year: int) -> CalendarNotice | None:
    """Return the notice entered for a year, or None."""
    return session.scalar(sa.select(CalendarNotice).where(CalendarNotice.year == year))


def allowed_years(today: date) -> range:
    """Return the years a notice may be entered for: after the installed data, not too far."""
    last_verified = deadlines.verified_years()[1]
    return range(last_verified + 1, today.year + NOTICE_YEARS_AHEAD + 1)


def reminder(session: SessionLike, now: datetime) -> NoticeReminder:
    """From 1 November: is next year still without verified data (package or notice)?"""
    today = beijing_today(now)
    year = today.year + 1
    if today.month < WARN_FROM_MONTH or year <= deadlines.verified_years()[1]:
        return NoticeReminder(year, False)
    return NoticeReminder(year, notice_row(session, year) is None)


def _year_days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def enter_notice(
    session: SessionLike,
    region: str,
    year: int,
    text: str,
    source: str,
    *,
    actor: audit.Actor,
    now: datetime,
) -> tuple[CalendarNotice, int]:
    """Save a year's notice (replacing an earlier one); return it and the due dates moved.

    Raises NoticeYearError for a year outside `allowed_years`, NoticeInputError listing every
    problem of the text; nothing is saved then.
    """
    if year not in allowed_years(beijing_today(now)):
        raise NoticeYearError(str(year))
    read = read_notice(text, year)
    source = " ".join((source or "").split())
    problems = read.problems
    if not source or len(source) > SOURCE_MAX:
        problems = (*problems, NoticeProblem(0, "bad_source", str(SOURCE_MAX)))
    if problems:
        raise NoticeInputError(problems)
    before = calendar_admin.calendar_for(session, region)
    old = notice_row(session, year)
    if old is not None:
        session.delete(old)
        session.flush()
    row = CalendarNotice(
        year=year,
        source=source,
        text=text,
        created_by_id=actor.user.id if actor.user is not None else None,
        created_at=now,
    )
    row.days = [
        CalendarNoticeDay(day=day, is_workday=entry.is_workday, name=entry.name)
        for entry in read.entries
        for day in entry.days()
    ]
    session.add(row)
    session.flush()
    after = calendar_admin.calendar_for(session, region)
    audit.record(
        session,
        action="calendar.notice_entered",
        actor=actor,
        now=now,
        detail={
            "year": year,
            "source": source,
            "replaced": old is not None,
            "days_off": sorted(d.isoformat() for d, work in read.days().items() if not work),
            "workdays": sorted(d.isoformat() for d, work in read.days().items() if work),
        },
    )
    moved = sum(
        calendar_admin.shift_due_dates(session, day, before, after, actor=actor, now=now)
        for day in _year_days(year)
    )
    logger.info("holiday notice for %d entered; %d due dates moved", year, moved)
    return row, moved
