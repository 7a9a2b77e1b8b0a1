"""Regional holiday overrides that administrators enter, and the calendar they make.

The shipped regional entries (`enquiry.calendar_overrides`) are code; what the office learns
later (next year's Eid days, a cancelled make-up workday) is a `HolidayOverride` row. Both go
into one `WorkCalendar`, which refuses two entries for the same day, so an administrator can
neither repeat a day nor contradict a shipped entry.

A change to a future day also moves the due dates of open tickets whose period covers it: a
working day that becomes a rest day pushes each such due date one working day later, and the
reverse pulls it one earlier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import reference_cache
from enquiry.models import CalendarNotice, HolidayOverride, SessionLike, Ticket
from enquiry.rules import clock, deadlines
from enquiry.rules.calendar_overrides import REGIONS, OverrideEntry

logger = logging.getLogger(__name__)

NOTE_MAX = 200
SOURCE_MAX = 500
ONE_DAY = timedelta(days=1)


class OverrideInputError(ValueError):
    """An override that cannot be saved as entered; the message says why."""


@dataclass(frozen=True)
class NewOverride:
    """What an administrator entered."""

    day: date
    is_workday: bool
    note: str
    source: str


def shipped_entries(region: str) -> tuple[OverrideEntry, ...]:
    """Return the entries shipped with the code for a calendar ("national" has none)."""
    return REGIONS.get(region, ())


def override_rows(session: SessionLike, region: str) -> list[HolidayOverride]:
    """Return the administrators' overrides for a calendar, by day."""
    query = sa.select(HolidayOverride).where(HolidayOverride.region == region)
    return list(session.scalars(query.order_by(HolidayOverride.day)))


def find_override(session: SessionLike, region: str, override_id: int) -> HolidayOverride | None:
    """Return an administrators' override of the calendar, or None."""
    row = session.get(HolidayOverride, override_id)
    return row if row is not None and row.region == region else None


def as_override(row: HolidayOverride) -> deadlines.Override:
    """Return the calendar's view of a stored override."""
    return deadlines.Override(row.day, row.is_workday, row.region, row.note, row.source)


def admin_overrides(session: SessionLike, region: str) -> list[deadlines.Override]:
    """Return the administrators' overrides for a calendar as calendar entries."""
    return [as_override(row) for row in override_rows(session, region)]


def entered_notices(session: SessionLike) -> list[deadlines.Notice]:
    """Return the State Council notices administrators entered, as calendar entries."""
    rows = session.scalars(sa.select(CalendarNotice).order_by(CalendarNotice.year))
    return [
        deadlines.Notice(row.year, {day.day: day.is_workday for day in row.days}) for row in rows
    ]


def calendar_for(session: SessionLike, name: str) -> deadlines.WorkCalendar:
    """Return the named calendar with the administrators' overrides and entered notices.

    Cached per process until an override or notice changes (enquiry.domain.reference_cache).
    """
    return reference_cache.cached(session, f"calendar:{name}", lambda s: _calendar(s, name))


def _calendar(session: SessionLike, name: str) -> deadlines.WorkCalendar:
    return deadlines.calendar_named(name, admin_overrides(session, name), entered_notices(session))


def _clean(text: str, what: str, limit: int) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise OverrideInputError(f"{what} is required")
    if len(cleaned) > limit:
        raise OverrideInputError(f"{what} is longer than {limit} characters")
    return cleaned


def add_override(
    session: SessionLike, region: str, new: NewOverride, *, actor: audit.Actor, now: datetime
) -> tuple[HolidayOverride, int]:
    """Save an override; return it and how many open tickets' due dates moved.

    Raises OverrideInputError when a field is missing, and deadlines.OverlappingOverrideError
    when the day already has an entry (the administrators' or a shipped one).
    """
    note = _clean(new.note, "a note", NOTE_MAX)
    source = _clean(new.source, "a source", SOURCE_MAX)
    existing = admin_overrides(session, region)
    notices = entered_notices(session)
    before = deadlines.calendar_named(region, existing, notices)
    candidate = deadlines.Override(new.day, new.is_workday, region, note, source)
    after = deadlines.calendar_named(region, [*existing, candidate], notices)
    row = HolidayOverride(
        region=region,
        day=new.day,
        is_workday=new.is_workday,
        note=note,
        source=source,
        created_by_id=actor.user.id if actor.user is not None else None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="calendar.override_added",
        actor=actor,
        now=now,
        detail=_detail(region, candidate),
    )
    moved = shift_due_dates(session, new.day, before, after, actor=actor, now=now)
    return row, moved


def delete_override(
    session: SessionLike, row: HolidayOverride, *, actor: audit.Actor, now: datetime
) -> int:
    """Remove an override; return how many open tickets' due dates moved back."""
    existing = override_rows(session, row.region)
    notices = entered_notices(session)
    before = deadlines.calendar_named(
        row.region, [as_override(other) for other in existing], notices
    )
    kept = [as_override(other) for other in existing if other.id != row.id]
    after = deadlines.calendar_named(row.region, kept, notices)
    detail = _detail(row.region, as_override(row))
    day = row.day
    session.delete(row)
    session.flush()
    audit.record(session, action="calendar.override_deleted", actor=actor, now=now, detail=detail)
    return shift_due_dates(session, day, before, after, actor=actor, now=now)


def _previous_workday(day: date, calendar: deadlines.WorkCalendar) -> date:
    candidate = day - ONE_DAY
    while not deadlines.is_workday(candidate, calendar):
        candidate -= ONE_DAY
    return candidate


def shift_due_dates(
    session: SessionLike,
    day: date,
    before: deadlines.WorkCalendar,
    after: deadlines.WorkCalendar,
    *,
    actor: audit.Actor,
    now: datetime,
) -> int:
    """Move the due dates of open tickets whose remaining period covers a changed day.

    Only days after today count: the past is settled, and today's work is under way. Tickets
    waiting for a 补正 answer get a fresh period later and are left alone.
    """
    was, becomes = deadlines.is_workday(day, before), deadlines.is_workday(day, after)
    today = clock.beijing_today(now)
    if was == becomes or day <= today:
        return 0
    query = sa.select(Ticket).where(
        Ticket.status.in_(clock.RUNNING), Ticket.due_on.is_not(None), Ticket.due_on >= day
    )
    moved = 0
    for ticket in session.scalars(query.order_by(Ticket.id)):
        moved += _shift(session, ticket, becomes, after, actor=actor, now=now)
    return moved


def _shift(
    session: SessionLike,
    ticket: Ticket,
    becomes_workday: bool,
    calendar: deadlines.WorkCalendar,
    *,
    actor: audit.Actor,
    now: datetime,
) -> int:
    old = ticket.due_on
    assert old is not None
    if becomes_workday:
        new = _previous_workday(old, calendar)
    else:
        new = deadlines.add_working_days(old, 1, calendar)
    if new == old:
        return 0
    ticket.due_on = new
    ticket.updated_at = now
    audit.record(
        session,
        action="ticket.due_recomputed",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={"reason": "calendar override", "due_on": [old.isoformat(), new.isoformat()]},
    )
    return 1


def _detail(region: str, override: deadlines.Override) -> dict[str, object]:
    return {
        "region": region,
        "day": override.day.isoformat(),
        "is_workday": override.is_workday,
        "note": override.note,
        "source": override.source,
    }
