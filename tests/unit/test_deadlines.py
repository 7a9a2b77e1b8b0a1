"""Working-day arithmetic against the real chinese_calendar data and the shipped overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enquiry.rules import deadlines
from enquiry.rules.calendar_overrides import XINJIANG
from enquiry.rules.deadlines import (
    BEIJING,
    DEFAULT_OFFICE_HOURS,
    DueDate,
    OfficeHours,
    OverlappingOverrideError,
    Override,
    WorkCalendar,
    add_working_days,
    calendar_named,
    due_date,
    extend_due,
    is_verified,
    is_workday,
    legal_receipt_date,
    verified_years,
    working_days_between,
)

NATIONAL = WorkCalendar.national()
XJ = WorkCalendar.for_region("xinjiang")


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def beijing(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


# --- the national calendar -------------------------------------------------------------------


def test_2013_national_day_holidays_and_make_up_weekend_workdays() -> None:
    assert not any(is_workday(d, NATIONAL) for d in days(date(2013, 10, 1), date(2013, 10, 7)))
    assert is_workday(date(2013, 9, 29), NATIONAL)  # Sunday, make-up workday
    assert is_workday(date(2013, 10, 12), NATIONAL)  # Saturday, make-up workday
    assert not is_workday(date(2013, 10, 13), NATIONAL)  # ordinary Sunday


def test_counting_starts_the_day_after_and_uses_make_up_sunday() -> None:
    assert add_working_days(date(2013, 9, 27), 1, NATIONAL) == date(2013, 9, 29)
    assert add_working_days(date(2013, 9, 29), 1, NATIONAL) == date(2013, 9, 30)
    assert add_working_days(date(2013, 9, 30), 1, NATIONAL) == date(2013, 10, 8)


def test_2024_spring_festival() -> None:
    assert not any(is_workday(d, NATIONAL) for d in days(date(2024, 2, 10), date(2024, 2, 17)))
    assert is_workday(date(2024, 2, 4), NATIONAL)  # Sunday, make-up workday
    assert is_workday(date(2024, 2, 18), NATIONAL)  # Sunday, make-up workday
    assert add_working_days(date(2024, 2, 3), 1, NATIONAL) == date(2024, 2, 4)
    assert add_working_days(date(2024, 2, 9), 1, NATIONAL) == date(2024, 2, 18)


def test_twenty_working_days_across_national_day_2013() -> None:
    # 9-26, 9-27, 9-29, 9-30, then 10-08 ... 10-12 (Sat), 10-14 ... 10-25, 10-28: twenty.
    assert due_date(date(2013, 9, 25), 20, NATIONAL) == DueDate(date(2013, 10, 28), True)


def test_extend_due_adds_working_days_to_the_due_date() -> None:
    assert extend_due(date(2013, 9, 27), 2, NATIONAL) == date(2013, 9, 30)
    assert extend_due(date(2013, 10, 28), 20, NATIONAL) == add_working_days(
        date(2013, 10, 28), 20, NATIONAL
    )


@pytest.mark.parametrize("n", [0, -1])
def test_non_positive_counts_are_rejected(n: int) -> None:
    for func in (add_working_days, due_date, extend_due):
        with pytest.raises(ValueError, match="at least 1"):
            func(date(2024, 3, 1), n, NATIONAL)


def test_a_datetime_is_not_a_day() -> None:
    with pytest.raises(TypeError):
        is_workday(datetime(2013, 8, 8, 12, 0), XJ)


# --- Xinjiang ----------------------------------------------------------------------------------


def test_xinjiang_2014_cancels_the_national_make_up_workdays() -> None:
    for make_up in (date(2014, 9, 28), date(2014, 10, 11)):
        assert is_workday(make_up, NATIONAL)
        assert not is_workday(make_up, XJ)
    assert is_workday(date(2014, 10, 8), NATIONAL)
    assert not any(is_workday(d, XJ) for d in days(date(2014, 10, 1), date(2014, 10, 8)))
    assert add_working_days(date(2014, 9, 26), 1, NATIONAL) == date(2014, 9, 28)
    assert add_working_days(date(2014, 9, 26), 1, XJ) == date(2014, 9, 29)
    assert add_working_days(date(2014, 9, 30), 1, NATIONAL) == date(2014, 10, 8)
    assert add_working_days(date(2014, 9, 30), 1, XJ) == date(2014, 10, 9)


def test_xinjiang_2013_eid_al_fitr() -> None:
    assert is_workday(date(2013, 8, 8), NATIONAL)
    assert not is_workday(date(2013, 8, 8), XJ)
    assert add_working_days(date(2013, 8, 7), 1, XJ) == date(2013, 8, 9)
    assert working_days_between(date(2013, 8, 7), date(2013, 8, 9), NATIONAL) == 2
    assert working_days_between(date(2013, 8, 7), date(2013, 8, 9), XJ) == 1


@pytest.mark.parametrize(
    "day",
    [
        date(2023, 4, 21),
        *days(date(2023, 6, 28), date(2023, 6, 30)),
        *days(date(2025, 3, 29), date(2025, 3, 31)),
        *days(date(2025, 6, 6), date(2025, 6, 10)),
    ],
)
def test_xinjiang_2023_and_2025_eid_days_off(day: date) -> None:
    assert not is_workday(day, XJ)


def test_shipped_overrides_are_sourced_rest_days() -> None:
    assert len(XJ.overrides) == len(XINJIANG) == 23
    for override in XJ.overrides.values():
        assert override.region == "xinjiang"
        assert not override.is_workday
        assert override.note
        assert "新疆维吾尔自治区人民政府办公厅" in override.source
    assert date(2013, 10, 15) not in XJ.overrides  # 2013 古尔邦节: unconfirmed, not shipped


def test_overlapping_overrides_are_rejected() -> None:
    clash = Override(date(2013, 8, 8), True, "xinjiang", "补班", "admin")
    with pytest.raises(OverlappingOverrideError, match="2013-08-08"):
        WorkCalendar.for_region("xinjiang", [clash])
    twice = [clash, Override(date(2013, 8, 8), False, "national", "放假", "admin")]
    with pytest.raises(OverlappingOverrideError):
        WorkCalendar.national(twice)


def test_extra_overrides_apply() -> None:
    extra = Override(date(2031, 1, 6), False, "xinjiang", "肉孜节放假", "test notice")
    calendar = calendar_named("xinjiang", [extra])
    assert not is_workday(date(2031, 1, 6), calendar)
    assert is_verified(date(2031, 1, 6), calendar)  # the override is data, not a guess
    assert not is_workday(date(2013, 8, 8), calendar)  # shipped entries kept


def test_calendar_named() -> None:
    assert calendar_named("national") == NATIONAL
    assert calendar_named("xinjiang") == XJ
    with pytest.raises(ValueError, match="unknown"):
        calendar_named("tibet")


def test_calendars_are_immutable_hashable_values() -> None:
    assert hash(WorkCalendar.for_region("xinjiang")) == hash(XJ)
    with pytest.raises(TypeError):
        XJ.overrides[date(2030, 1, 1)] = XJ.overrides[date(2013, 8, 8)]  # type: ignore[index]


# --- years without national data -----------------------------------------------------------


def test_fallback_year_is_monday_to_friday_and_unverified() -> None:
    first, last = verified_years()
    assert first <= 2013 and 2025 <= last < 2031
    assert is_workday(date(2031, 1, 3), NATIONAL)  # Friday
    assert not is_workday(date(2031, 1, 4), NATIONAL)  # Saturday
    assert not is_verified(date(2031, 1, 3), NATIONAL)
    assert is_verified(date(2024, 2, 18), NATIONAL)
    assert due_date(date(2031, 1, 2), 2, NATIONAL) == DueDate(date(2031, 1, 6), False)


def test_a_due_date_reaching_into_an_uncovered_year_is_unverified(
    caplog: pytest.LogCaptureFixture,
) -> None:
    last = verified_years()[1]
    deadlines._warn_predicted.cache_clear()  # logged once per process, calendar and year
    due = due_date(date(last, 12, 20), 20, NATIONAL)
    assert due.day.year == last + 1
    assert not due.is_verified
    assert "upgrade chinesecalendar" in caplog.text


def test_predicted_holidays_are_logged_once_per_calendar_and_year(
    caplog: pytest.LogCaptureFixture,
) -> None:
    last = verified_years()[1]
    deadlines._warn_predicted.cache_clear()
    for day in range(10, 25):  # every deadline of a December reaches into the next year
        assert not due_date(date(last, 12, day), 20, NATIONAL).is_verified
    assert not due_date(date(last, 12, 20), 20, XJ).is_verified
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2
    assert f"due dates in {last + 1} count predicted holidays (national" in warnings[0]
    assert "(xinjiang calendar" in warnings[1]


# --- working days between ----------------------------------------------------------------------


def test_working_days_between_counts_remaining_and_overdue() -> None:
    start, end = date(2013, 9, 27), date(2013, 10, 8)  # 9-29, 9-30, 10-08
    assert working_days_between(start, end, NATIONAL) == 3
    assert working_days_between(end, start, NATIONAL) == -3
    assert working_days_between(start, start, NATIONAL) == 0
    # Due Friday 2024-03-08, today Saturday: not yet a working day late.
    assert working_days_between(date(2024, 3, 9), date(2024, 3, 8), NATIONAL) == 0
    assert working_days_between(date(2024, 3, 11), date(2024, 3, 8), NATIONAL) == -1


# --- legal receipt date ------------------------------------------------------------------------


def test_beijing_is_shanghai_time() -> None:
    assert BEIJING.key == "Asia/Shanghai"
    assert OfficeHours(time(10, 0), time(19, 30)) == DEFAULT_OFFICE_HOURS


def test_within_office_hours_is_the_same_day() -> None:
    assert legal_receipt_date(beijing(2024, 3, 5, 10, 0), NATIONAL) == date(2024, 3, 5)
    assert legal_receipt_date(beijing(2024, 3, 5, 19, 29), NATIONAL) == date(2024, 3, 5)


def test_friday_evening_counts_from_monday() -> None:
    hours = OfficeHours(time(10, 0), time(19, 30))
    assert legal_receipt_date(beijing(2024, 3, 8, 19, 30), NATIONAL, hours) == date(2024, 3, 11)
    assert legal_receipt_date(beijing(2024, 3, 8, 21, 0), NATIONAL, hours) == date(2024, 3, 11)


def test_friday_evening_before_a_make_up_sunday_counts_from_sunday() -> None:
    assert legal_receipt_date(beijing(2013, 9, 27, 21, 0), NATIONAL) == date(2013, 9, 29)


def test_saturday_submission_counts_from_monday() -> None:
    assert legal_receipt_date(beijing(2024, 3, 9, 11, 0), NATIONAL) == date(2024, 3, 11)


def test_rest_day_in_xinjiang_only() -> None:
    received = beijing(2013, 8, 7, 20, 0)
    assert legal_receipt_date(received, NATIONAL) == date(2013, 8, 8)
    assert legal_receipt_date(received, XJ) == date(2013, 8, 9)


def test_late_utc_evening_is_the_next_beijing_morning() -> None:
    # Tuesday 23:30 UTC is Wednesday 07:30 in Beijing: before opening, so Wednesday.
    tuesday_night = datetime(2024, 3, 5, 23, 30, tzinfo=UTC)
    assert legal_receipt_date(tuesday_night, NATIONAL) == date(2024, 3, 6)
    # Friday 23:30 UTC is Saturday in Beijing: Monday.
    friday_night = datetime(2024, 3, 8, 23, 30, tzinfo=UTC)
    assert legal_receipt_date(friday_night, NATIONAL) == date(2024, 3, 11)


def test_urumqi_local_time_is_converted_to_beijing_time() -> None:
    # 17:45 on Urumqi clocks (UTC+6) is 19:45 in Beijing: after closing.
    received = datetime(2024, 3, 5, 17, 45, tzinfo=ZoneInfo("Asia/Urumqi"))
    assert legal_receipt_date(received, NATIONAL) == date(2024, 3, 6)


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        legal_receipt_date(datetime(2024, 3, 5, 12, 0), NATIONAL)


def test_office_hours_parse_and_validate() -> None:
    assert OfficeHours.parse("10:00 - 20:00") == OfficeHours(time(10, 0), time(20, 0))
    for bad in ("20:00-10:00", "10:00", "ten-eight"):
        with pytest.raises(ValueError):
            OfficeHours.parse(bad)


# --- properties ----------------------------------------------------------------------------------


@settings(database=None)
@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2032, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
    calendar=st.sampled_from([NATIONAL, XJ]),
)
def test_add_working_days_properties(start: date, n: int, calendar: WorkCalendar) -> None:
    due = add_working_days(start, n, calendar)
    assert due > start
    assert is_workday(due, calendar)
    assert add_working_days(start, n + 1, calendar) > due
    assert working_days_between(start, due, calendar) == n
    assert working_days_between(due, start, calendar) == -n


RUZI = Override(date(2031, 1, 6), False, "xinjiang", "肉孜节放假", "test notice")


@settings(database=None)
@given(
    start=st.dates(min_value=date(2002, 1, 1), max_value=date(2034, 12, 31)),
    span=st.integers(min_value=-800, max_value=800),
    calendar=st.sampled_from([NATIONAL, XJ, calendar_named("xinjiang", [RUZI])]),
)
def test_working_days_between_is_the_count_of_working_days(
    start: date, span: int, calendar: WorkCalendar
) -> None:
    """The running totals kept per calendar give what asking each day gives."""
    end = start + timedelta(days=span)
    first, last = sorted((start, end))
    counted = sum(1 for day in days(first + timedelta(days=1), last) if is_workday(day, calendar))
    assert working_days_between(start, end, calendar) == (counted if end >= start else -counted)
