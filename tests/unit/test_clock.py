"""The clock read from a ticket (remaining days, overdue, due soon) and the daily job gate."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from enquiry.cli.deadlines import DailyAt, parse_now
from enquiry.models import Kind, PauseKind, Status, Ticket
from enquiry.rules import clock
from enquiry.rules.deadlines import BEIJING, WorkCalendar

NATIONAL = WorkCalendar.national()
XJ = WorkCalendar.for_region("xinjiang")


def ticket(**fields: Any) -> Ticket:
    values: dict[str, Any] = {
        "kind": Kind.INFO_APPLICATION,
        "status": Status.IN_PROGRESS,
        "due_on": date(2013, 10, 30),
        "is_calendar_verified": True,
    }
    return Ticket(**(values | fields))


def test_remaining_counts_working_days_after_today() -> None:
    # From Friday 27 September 2013: 29 Sep (make-up Sunday) and 30 Sep, then after National Day.
    t = ticket()
    assert clock.remaining_working_days(t, date(2013, 9, 27), NATIONAL) == 20
    assert clock.remaining_working_days(t, date(2013, 10, 30), NATIONAL) == 0
    assert clock.remaining_working_days(t, date(2013, 10, 31), NATIONAL) == -1


def test_remaining_through_xinjiang_rest_days() -> None:
    # 28 Sep and 11 Oct 2014 are national make-up workdays but rest days in Xinjiang.
    t = ticket(due_on=date(2014, 10, 13))
    assert clock.remaining_working_days(t, date(2014, 9, 26), NATIONAL) == 8
    assert clock.remaining_working_days(t, date(2014, 9, 26), XJ) == 5


def test_overdue_by_date_even_when_only_a_weekend_passed() -> None:
    t = ticket(due_on=date(2024, 5, 17))  # a Friday
    sunday = date(2024, 5, 19)
    assert clock.remaining_working_days(t, sunday, NATIONAL) == 0
    assert clock.is_overdue(t, sunday)
    assert not clock.due_soon(t, sunday, NATIONAL)


@pytest.mark.parametrize(
    ("due_on", "expected"),
    [
        (date(2024, 5, 6), True),  # due today
        (date(2024, 5, 9), True),  # three working days left
        (date(2024, 5, 10), False),  # four
    ],
)
def test_due_soon_is_within_three_working_days(due_on: date, expected: bool) -> None:
    assert clock.due_soon(ticket(due_on=due_on), date(2024, 5, 6), NATIONAL) is expected


def test_due_soon_across_a_make_up_saturday() -> None:
    # 2024-05-11 (Saturday) was a make-up workday: Thu 9, Fri 10, Sat 11 are three.
    assert clock.due_soon(ticket(due_on=date(2024, 5, 11)), date(2024, 5, 8), NATIONAL)
    assert not clock.due_soon(ticket(due_on=date(2024, 5, 13)), date(2024, 5, 8), NATIONAL)


@pytest.mark.parametrize("status", [Status.ANSWERED, Status.CLOSED, Status.REFUSED])
def test_no_clock_once_answered_or_concluded(status: Status) -> None:
    t = ticket(status=status, due_on=date(2024, 5, 1))
    assert clock.remaining_working_days(t, date(2024, 5, 6), NATIONAL) is None
    assert not clock.is_overdue(t, date(2024, 5, 6))
    assert clock.pause_state(t) is None


def test_correction_pause_has_no_remaining_days() -> None:
    t = ticket(
        status=Status.AWAITING_CITIZEN,
        due_on=date(2024, 5, 1),
        paused_on=date(2024, 4, 20),
        pause_kind=PauseKind.CORRECTION,
    )
    assert clock.remaining_working_days(t, date(2024, 5, 6), NATIONAL) is None
    assert not clock.is_overdue(t, date(2024, 5, 6))
    assert clock.pause_state(t) is PauseKind.CORRECTION


def test_consultation_pause_freezes_the_count() -> None:
    t = ticket(
        due_on=date(2024, 5, 10), paused_on=date(2024, 5, 6), pause_kind=PauseKind.CONSULTATION
    )
    for today in (date(2024, 5, 6), date(2024, 5, 20), date(2024, 6, 30)):
        assert clock.remaining_working_days(t, today, NATIONAL) == 4
        assert not clock.is_overdue(t, today)
    assert clock.pause_state(t) is PauseKind.CONSULTATION


def test_extension_limits_per_kind() -> None:
    rules = clock.ExtensionRules(info_application=20, other=10)
    assert rules.max_days(ticket(received_on=date(2019, 5, 15))) == 20
    assert rules.max_days(ticket(received_on=date(2019, 5, 14))) == 15  # the 2008 Regulations
    assert rules.max_days(ticket(kind=Kind.COMPLAINT, received_on=date(2019, 5, 14))) == 10


def test_beijing_today_is_not_urumqi_time() -> None:
    # 23:30 UTC is 07:30 the next day in Beijing (and still 05:30 the same day in Urumqi).
    assert clock.beijing_today(datetime(2024, 5, 6, 23, 30, tzinfo=UTC)) == date(2024, 5, 7)


def test_daily_job_runs_once_per_beijing_day_from_its_time() -> None:
    moments = iter(
        [
            datetime(2024, 5, 6, 8, 29, tzinfo=BEIJING),
            datetime(2024, 5, 6, 8, 30, tzinfo=BEIJING),
            datetime(2024, 5, 6, 15, 0, tzinfo=BEIJING),
            datetime(2024, 5, 7, 0, 5, tzinfo=BEIJING),
            datetime(2024, 5, 7, 9, 0, tzinfo=BEIJING),
        ]
    )
    ran: list[datetime] = []

    def work(now: datetime) -> str:
        ran.append(now)
        return "done"

    job = DailyAt(time(8, 30), work, clock=lambda: next(moments))
    stop = threading.Event()
    assert [job(stop) for _ in range(5)] == ["not due", "done", "not due", "not due", "done"]
    assert [moment.date() for moment in ran] == [date(2024, 5, 6), date(2024, 5, 7)]


def test_now_option_is_beijing_time_without_an_offset() -> None:
    assert parse_now("2024-05-06T08:30") == datetime(2024, 5, 6, 0, 30, tzinfo=UTC)
    assert parse_now("2024-05-06T08:30+00:00") == datetime(2024, 5, 6, 8, 30, tzinfo=UTC)
