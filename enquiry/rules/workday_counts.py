"""Working days between two dates, counted from per-year running totals kept with a calendar.

`deadlines.working_days_between` asked every day in between whether it is a working day: an
inbox page of 25 tickets, some overdue for months, asked thousands of days on every view. A
calendar is a value shared between requests (the reference cache keeps it until an admin
changes it), so the first count in a year reads that year's days once, into a running total
per day, and every later count is two lookups.

Pure: no Flask, no database.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

_ONE_DAY = timedelta(days=1)
_totals: dict[int, dict[int, list[int]]] = {}  # id(calendar) -> year -> running totals
_lock = threading.Lock()


def between(start: date, end: date, calendar: Any, is_workday: Callable[[date], bool]) -> int:
    """Count the working days after start up to and including end (start <= end)."""
    years = _years_of(calendar)
    if start.year == end.year:
        running = _running(years, start.year, is_workday)
        return running[_index(end)] - running[_index(start)]
    first = _running(years, start.year, is_workday)
    count = first[-1] - first[_index(start)]
    for year in range(start.year + 1, end.year):
        count += _running(years, year, is_workday)[-1]
    return count + _running(years, end.year, is_workday)[_index(end)]


def _index(day: date) -> int:
    return day.timetuple().tm_yday  # 1 for 1 January


def _running(
    years: dict[int, list[int]], year: int, is_workday: Callable[[date], bool]
) -> list[int]:
    """running[n]: the working days from 1 January to the n-th day of the year (running[0] = 0)."""
    running = years.get(year)
    if running is None:
        running, day, count = [0], date(year, 1, 1), 0
        while day.year == year:
            count += is_workday(day)
            running.append(count)
            day += _ONE_DAY
        years[year] = running
    return running


def _years_of(calendar: Any) -> dict[int, list[int]]:
    """The running totals kept for this calendar object, dropped when the calendar is."""
    key = id(calendar)
    years = _totals.get(key)
    if years is None:
        with _lock:
            years = _totals.get(key)
            if years is None:
                years = _totals[key] = {}
                weakref.finalize(calendar, _totals.pop, key, None)
    return years
