"""Working days under the PRC calendar, with regional overrides, and statutory due dates.

Pure: no Flask, no database. The national calendar comes from `chinese_calendar` (holidays and
make-up working Saturdays/Sundays, 调休); a region adds its own exceptions (see
`enquiry.rules.calendar_overrides`), and administrators may add more. For later years than
`chinese_calendar` covers, the statutory holidays are predicted from the rules in force (see
`enquiry.rules.holiday_prediction`; earlier years: Monday to Friday), and every result built on
that guess says so (`is_predicted`, `DueDate.is_verified`) so the UI can warn: upgrade
`chinesecalendar` yearly, or enter the State Council's `Notice` (replaces the prediction for its
year). 1 January is never a working day, whatever any entry says.

Periods follow the regulations: the day of receipt is not counted, so "n working days" ends on
the n-th working day after the start. Legal dates are Beijing dates (Asia/Shanghai), never
tzdata's Asia/Urumqi (UTC+6).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

from enquiry.rules import holiday_prediction, workday_counts
from enquiry.rules.calendar_overrides import REGIONS
from enquiry.rules.holiday_notice import Notice as Notice  # re-exported

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
NATIONAL = "national"
_ONE_DAY = timedelta(days=1)


class OverlappingOverrideError(ValueError):
    """Two overrides claim the same day in one calendar."""

    def __init__(self, first: Override, second: Override) -> None:
        super().__init__(
            f"two overrides for {first.day.isoformat()}: "
            f"{first.note!r} ({first.source}) and {second.note!r} ({second.source})"
        )
        self.first = first
        self.second = second


def _require_date(day: date) -> None:
    # A datetime is a date subclass but never equals a date key, so overrides would be missed.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")


def _require_positive(n: int) -> None:
    if n < 1:
        raise ValueError(f"the number of working days must be at least 1, got {n}")


@dataclass(frozen=True)
class Override:
    """A regional exception to the national calendar for one day."""

    day: date
    is_workday: bool
    region: str
    note: str
    source: str

    def __post_init__(self) -> None:
        _require_date(self.day)


@dataclass(frozen=True)
class WorkCalendar:
    """The national calendar plus one override at most per day."""

    name: str
    overrides: Mapping[date, Override] = field(default_factory=dict)
    notices: Mapping[int, Notice] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for day, override in self.overrides.items():
            if day != override.day:
                raise ValueError(f"override for {override.day} filed under {day}")
        for year, notice in self.notices.items():
            if year != notice.year:
                raise ValueError(f"notice for {notice.year} filed under {year}")
        # Read-only copy: a calendar is a value, shared freely between requests.
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "notices", MappingProxyType(dict(self.notices)))

    def __hash__(self) -> int:
        notices = frozenset(self.notices.values())
        return hash((self.name, frozenset(self.overrides.items()), notices))

    def with_notices(self, notices: Iterable[Notice]) -> WorkCalendar:
        """Return this calendar with entered State Council notices (a prediction's years)."""
        return WorkCalendar(self.name, self.overrides, {notice.year: notice for notice in notices})

    @classmethod
    def from_overrides(cls, name: str, overrides: Iterable[Override]) -> WorkCalendar:
        """Build a calendar, rejecting two overrides for the same day."""
        by_day: dict[date, Override] = {}
        for override in overrides:
            existing = by_day.get(override.day)
            if existing is not None:
                raise OverlappingOverrideError(existing, override)
            by_day[override.day] = override
        return cls(name, by_day)

    @classmethod
    def national(cls, extra_overrides: Iterable[Override] = ()) -> WorkCalendar:
        """Return the national calendar, with any administrator-entered overrides."""
        return cls.from_overrides(NATIONAL, extra_overrides)

    @classmethod
    def for_region(cls, region: str, extra_overrides: Iterable[Override] = ()) -> WorkCalendar:
        """Return a region's calendar: shipped overrides plus administrator-entered ones."""
        if region not in REGIONS:
            known = ", ".join(sorted([NATIONAL, *REGIONS]))
            raise ValueError(f"unknown working-day calendar {region!r} (known: {known})")
        shipped = (
            Override(entry.day, entry.is_workday, region, entry.note, entry.source)
            for entry in REGIONS[region]
        )
        return cls.from_overrides(region, [*shipped, *extra_overrides])


def calendar_named(
    name: str, extra_overrides: Iterable[Override] = (), notices: Iterable[Notice] = ()
) -> WorkCalendar:
    """Return the calendar a configuration names: "national" or a shipped region."""
    if name == NATIONAL:
        calendar = WorkCalendar.national(extra_overrides)
    else:
        calendar = WorkCalendar.for_region(name, extra_overrides)
    return calendar.with_notices(notices) if notices else calendar


def verified_years() -> tuple[int, int]:
    """Return the first and last year the installed national calendar data covers."""
    known = chinese_calendar.holidays
    return min(known).year, max(known).year


_NATIONAL_YEARS = verified_years()  # the installed package's data does not change


def _look_up(day: date, calendar: WorkCalendar) -> tuple[bool, bool]:
    """Return (is it a working day, is that answer backed by data rather than a guess)."""
    _require_date(day)
    first, last = _NATIONAL_YEARS
    if holiday_prediction.is_new_years_day(day):  # off under every version of the rules
        return False, day.year in calendar.notices or first <= day.year <= last
    override = calendar.overrides.get(day)
    if override is not None:
        return override.is_workday, True
    notice = calendar.notices.get(day.year)
    if notice is not None:
        return notice.days.get(day, day.weekday() < 5), True
    if day.year > last:
        return day.weekday() < 5 and not holiday_prediction.is_predicted_holiday(day), False
    if day.year < first:
        return day.weekday() < 5 and not holiday_prediction.is_new_years_day(day), False
    # chinese_calendar.is_workday's rule, without its check of the year range, which scans
    # every holiday on each call (most of the time of an inbox page that counts working days).
    if day in chinese_calendar.workdays:
        return True, True
    return day.weekday() < 5 and day not in chinese_calendar.holidays, True


def is_workday(day: date, calendar: WorkCalendar) -> bool:
    """Tell whether offices work on this day: override, else national data, else predicted."""
    return _look_up(day, calendar)[0]


def is_verified(day: date, calendar: WorkCalendar) -> bool:
    """Tell whether `is_workday` for this day rests on data rather than a prediction.

    A day with an override is verified even in a year the national data does not cover.
    """
    return _look_up(day, calendar)[1]


def is_predicted(day: date, calendar: WorkCalendar) -> bool:
    """Tell whether this day's status is predicted, awaiting the State Council's notice."""
    return not is_verified(day, calendar)


@dataclass(frozen=True)
class DueDate:
    """A deadline and whether every day counted towards it was known, not guessed."""

    day: date
    is_verified: bool


def due_date(start: date, n: int, calendar: WorkCalendar) -> DueDate:
    """Return the n-th working day after start, flagged unverified if any day was guessed."""
    _require_date(start)
    _require_positive(n)
    day, verified, remaining = start, True, n
    while remaining:
        day += _ONE_DAY
        workday, known = _look_up(day, calendar)
        verified = verified and known
        if workday:
            remaining -= 1
    if not verified:
        _warn_predicted(calendar.name, day.year)
    return DueDate(day, verified)


@lru_cache(maxsize=64)
def _warn_predicted(calendar_name: str, year: int) -> None:
    """Log once per process, calendar and year: every deadline of a December would repeat it."""
    logger.warning(
        "due dates in %d count predicted holidays (%s calendar data covers %d-%d): enter the "
        "State Council's notice for %d, or upgrade chinesecalendar",
        year,
        calendar_name,
        *verified_years(),
        year,
    )


def add_working_days(start: date, n: int, calendar: WorkCalendar) -> date:
    """Return the n-th working day counting from the day after start (n >= 1)."""
    return due_date(start, n, calendar).day


def extend_due(due: date, n: int, calendar: WorkCalendar) -> date:
    """Return a due date pushed back by n working days (an approved extension)."""
    return add_working_days(due, n, calendar)


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """Count working days after start up to and including end; negative when end < start.

    With start = today and end = the due date this is the number of working days left (0 on
    the due day); past the due date it is minus the working days elapsed since it, so a
    deadline missed only by a weekend still reads 0: compare the dates to flag it overdue.
    """
    _require_date(start)
    _require_date(end)
    if end < start:
        return -working_days_between(end, start, calendar)
    return workday_counts.between(start, end, calendar, lambda day: is_workday(day, calendar))


@dataclass(frozen=True)
class OfficeHours:
    """When the office receives applications, in Beijing time; configurable.

    The default 10:00-19:30 follows Xinjiang's published working hours (winter: 10:00-14:00
    and 15:30-19:30 Beijing time; summer ends at 20:00). The midday break does not move a
    receipt date, so only the span matters.
    """

    start: time = time(10, 0)
    end: time = time(19, 30)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("office hours are naive times, read in Beijing time")
        if not self.start < self.end:
            raise ValueError(f"office hours must open before they close: {self}")

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """Read "HH:MM-HH:MM" (Beijing time), as configuration gives it."""
        opening, sep, closing = text.partition("-")
        if not sep:
            raise ValueError(f"office hours must look like 10:00-19:30, got {text!r}")
        return cls(time.fromisoformat(opening.strip()), time.fromisoformat(closing.strip()))


DEFAULT_OFFICE_HOURS = OfficeHours()


def legal_receipt_date(
    received_at: datetime, calendar: WorkCalendar, hours: OfficeHours = DEFAULT_OFFICE_HOURS
) -> date:
    """Return the Beijing date on which a submission counts as received by the office.

    On a working day before closing time that day (something that arrives before opening is
    on the desk when the office opens); after closing or on a rest day, the next working day.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    local = received_at.astimezone(BEIJING)
    day = local.date()
    if is_workday(day, calendar) and local.time() < hours.end:
        return day
    return add_working_days(day, 1, calendar)
