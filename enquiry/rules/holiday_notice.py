"""Read a State Council holiday notice (国务院办公厅关于某年部分节假日安排的通知) as entered.

Pure: no Flask, no database. An administrator copies the notice into one text box, one line per
holiday or make-up working day::

    2027-01-01 休 元旦
    2027-02-05 至 2027-02-11 休 春节
    2027-02-14 班 春节调休

A line is a date or a range (至, ~, ～, –, —, "..", "to" between two ISO dates), then 休/off
(days off) or 班/work (make-up working day, 调休上班), then the holiday's name. Blank lines and
lines starting with # are skipped. Every problem is reported with its line number, and nothing
is saved unless the whole notice reads cleanly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

NAME_MAX = 200
TEXT_MAX = 10_000
RANGE_MAX_DAYS = 15  # the longest arrangement ever announced is 8-9 days; 15 catches typos
OFF_WORDS = frozenset({"休", "放假", "off"})
WORK_WORDS = frozenset({"班", "上班", "work"})

_LINE = re.compile(
    r"^(?P<start>\d{4}-\d{1,2}-\d{1,2})"
    r"(?:\s*(?:至|~|～|–|—|\.\.|to)\s*(?P<end>\d{4}-\d{1,2}-\d{1,2}))?"
    r"\s+(?P<kind>\S+)\s+(?P<name>.+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Notice:
    """The State Council's holiday notice for a year, as an administrator entered it.

    For a year the installed package does not cover, it replaces the prediction: the days it
    lists are off (or make-up working days), every other day follows Monday to Friday.
    """

    year: int
    days: Mapping[date, bool]  # day -> is it a working day

    def __post_init__(self) -> None:
        for day in self.days:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"expected a date, got {type(day).__name__}")
            if day.year != self.year:
                raise ValueError(f"{day} is not in the notice's year {self.year}")
        object.__setattr__(self, "days", MappingProxyType(dict(self.days)))

    def __hash__(self) -> int:
        return hash((self.year, frozenset(self.days.items())))


# Problem codes (the staff view words them): see NoticeProblem.
BAD_LINE = "bad_line"
BAD_DATE = "bad_date"
BAD_KIND = "bad_kind"
REVERSED = "reversed"
TOO_LONG_RANGE = "too_long_range"
OTHER_YEAR = "other_year"
REPEATED_DAY = "repeated_day"
WEEKDAY_WORK = "weekday_work"
NEW_YEAR_WORK = "new_year_work"
LONG_NAME = "long_name"
NO_DAYS_OFF = "no_days_off"
TOO_LONG_TEXT = "too_long_text"


@dataclass(frozen=True)
class NoticeProblem:
    """What is wrong with one line (line 0: the notice as a whole)."""

    line: int
    code: str
    text: str  # the offending text or day, shown back to the administrator


@dataclass(frozen=True)
class NoticeEntry:
    """One line of the notice: a span of days off, or of make-up working days."""

    start: date
    end: date
    is_workday: bool
    name: str

    def days(self) -> list[date]:
        """Return every day of the span."""
        count = (self.end - self.start).days + 1
        return [self.start + timedelta(days=offset) for offset in range(count)]


@dataclass(frozen=True)
class ReadNotice:
    """The entries read and the problems found; usable only when there are no problems."""

    entries: tuple[NoticeEntry, ...]
    problems: tuple[NoticeProblem, ...]

    def days(self) -> dict[date, bool]:
        """Return day -> is it a working day, for every day the notice names."""
        return {day: entry.is_workday for entry in self.entries for day in entry.days()}


def _date(text: str) -> date | None:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except ValueError:
        return None


def _kind(word: str) -> bool | None:
    lowered = word.lower()
    if lowered in OFF_WORDS:
        return False
    if lowered in WORK_WORDS:
        return True
    return None


def _read_line(number: int, line: str, year: int) -> NoticeEntry | NoticeProblem:
    match = _LINE.match(line)
    if match is None:
        return NoticeProblem(number, BAD_LINE, line)
    start = _date(match["start"])
    end = _date(match["end"]) if match["end"] else start
    if start is None or end is None:
        return NoticeProblem(number, BAD_DATE, line)
    is_workday = _kind(match["kind"])
    if is_workday is None:
        return NoticeProblem(number, BAD_KIND, match["kind"])
    name = " ".join(match["name"].split())
    if len(name) > NAME_MAX:
        return NoticeProblem(number, LONG_NAME, name[:40])
    if end < start:
        return NoticeProblem(number, REVERSED, line)
    if (end - start).days >= RANGE_MAX_DAYS:
        return NoticeProblem(number, TOO_LONG_RANGE, line)
    if start.year != year or end.year != year:
        return NoticeProblem(number, OTHER_YEAR, line)
    return NoticeEntry(start, end, is_workday, name)


def _check_days(number: int, entry: NoticeEntry, seen: set[date]) -> list[NoticeProblem]:
    problems = []
    for day in entry.days():
        if day in seen:
            problems.append(NoticeProblem(number, REPEATED_DAY, day.isoformat()))
        seen.add(day)
        if entry.is_workday and day.weekday() < 5:
            problems.append(NoticeProblem(number, WEEKDAY_WORK, day.isoformat()))
        if entry.is_workday and day.month == 1 and day.day == 1:
            problems.append(NoticeProblem(number, NEW_YEAR_WORK, day.isoformat()))
    return problems


def read_notice(text: str, year: int) -> ReadNotice:
    """Read the lines of a notice for a year; report every problem with its line number."""
    if len(text) > TEXT_MAX:
        return ReadNotice((), (NoticeProblem(0, TOO_LONG_TEXT, str(TEXT_MAX)),))
    entries: list[NoticeEntry] = []
    problems: list[NoticeProblem] = []
    seen: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        read = _read_line(number, line, year)
        if isinstance(read, NoticeProblem):
            problems.append(read)
            continue
        problems.extend(_check_days(number, read, seen))
        entries.append(read)
    if not any(not entry.is_workday for entry in entries) and not problems:
        problems.append(NoticeProblem(0, NO_DAYS_OFF, ""))
    return ReadNotice(tuple(entries), tuple(problems))
