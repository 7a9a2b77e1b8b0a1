"""Predicted statutory holidays for years the chinese_calendar data does not cover, and the
periods of the 2008 Regulations for applications received before 2019-05-15."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from lunardate import LunarDate

from enquiry.models import Kind, Ticket
from enquiry.rules import clock as clock_rules
from enquiry.rules.deadlines import (
    Override,
    WorkCalendar,
    add_working_days,
    is_predicted,
    is_workday,
    verified_years,
)
from enquiry.rules.holiday_prediction import predicted_holidays, qingming

NATIONAL = WorkCalendar.national()
XJ = WorkCalendar.for_region("xinjiang")
FIRST, LAST = verified_years()


def span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


def test_the_data_ends_before_2027() -> None:
    # The prediction below is only used for years after the installed data; if chinesecalendar
    # is upgraded to cover 2027, the 2027 cases test the data instead (still right).
    assert LAST == 2026


def test_2027_holidays_follow_the_rules_in_force() -> None:
    assert predicted_holidays(2027) == {
        date(2027, 1, 1),
        *span(date(2027, 2, 5), date(2027, 2, 8)),  # 除夕 + 正月初一至初三
        date(2027, 4, 5),  # 清明
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 6, 9),  # 端午
        date(2027, 9, 15),  # 中秋
        *span(date(2027, 10, 1), date(2027, 10, 3)),
    }


# Published tables of the lunar calendar (紫金山天文台 / Hong Kong Observatory).
KNOWN = {
    2027: (date(2027, 2, 6), date(2027, 6, 9), date(2027, 9, 15)),
    2028: (date(2028, 1, 26), date(2028, 5, 28), date(2028, 10, 3)),
    2029: (date(2029, 2, 13), date(2029, 6, 16), date(2029, 9, 22)),
    2030: (date(2030, 2, 3), date(2030, 6, 5), date(2030, 9, 12)),
}


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_lunar_festivals_match_the_published_table(year: int) -> None:
    new_year, dragon_boat, mid_autumn = KNOWN[year]
    predicted = predicted_holidays(year)
    assert new_year - timedelta(days=1) in predicted
    assert span(new_year, new_year + timedelta(days=2)) <= predicted
    assert dragon_boat in predicted and mid_autumn in predicted


@pytest.mark.parametrize("year", range(2008, LAST + 1))
def test_prediction_agrees_with_the_published_notices(year: int) -> None:
    # Since 2008 清明, 端午 and 中秋 are holidays: the predicted days must be days off in every
    # notice the data records (the notices add bridge days, so only inclusion is checked).
    official = {day for day in chinese_calendar.holidays if day.year == year}
    predicted = predicted_holidays(year)
    unchanged_since_2008 = {
        day
        for day in predicted
        if not (day.month == 5 and day.day == 2)  # 2008-2024: Labour Day was one day
        and day.weekday() < 5  # a weekend day is a rest day anyway
    }
    eve = LunarDate(year, 1, 1).to_solar_date() - timedelta(days=1)
    if 2014 <= year <= 2024:  # 除夕 was not a statutory holiday under the 2013 revision
        unchanged_since_2008.discard(eve)
    assert unchanged_since_2008 <= official
    assert qingming(year) in official


def test_new_years_day_2027_is_not_a_working_day() -> None:
    for calendar in (NATIONAL, XJ):
        assert not is_workday(date(2027, 1, 1), calendar)
        assert is_predicted(date(2027, 1, 1), calendar)
    assert not is_workday(date(2003, 1, 1), NATIONAL)  # before the data, too
    assert is_workday(date(2027, 1, 4), NATIONAL)
    assert not is_predicted(date(2026, 12, 31), NATIONAL)


def test_predicted_days_are_off_and_no_make_up_day_is_invented() -> None:
    for day in span(date(2027, 2, 5), date(2027, 2, 8)) | span(
        date(2027, 10, 1), date(2027, 10, 3)
    ):
        assert not is_workday(day, NATIONAL)
    assert not is_workday(date(2027, 5, 1), NATIONAL) and not is_workday(date(2027, 5, 2), NATIONAL)
    assert is_workday(date(2027, 2, 9), NATIONAL)  # the Tuesday after: no bridge predicted
    saturdays = [d for d in span(date(2027, 1, 1), date(2027, 12, 31)) if d.weekday() == 5]
    assert not any(is_workday(d, NATIONAL) for d in saturdays)


def test_overrides_still_apply_on_top_of_the_prediction() -> None:
    make_up = Override(date(2027, 2, 20), True, "national", "调休上班", "国务院办公厅通知")
    extra_day = Override(date(2027, 3, 10), False, "xinjiang", "肉孜节放假", "自治区通知")
    calendar = WorkCalendar.for_region("xinjiang", [make_up, extra_day])
    assert is_workday(date(2027, 2, 20), calendar)  # a Saturday made a working day
    assert not is_workday(date(2027, 3, 10), calendar)
    assert not is_predicted(date(2027, 3, 10), calendar)  # an entered notice is not a guess


def test_a_clock_into_2027_skips_new_years_day() -> None:
    # Monday 21 December 2026 + 20 working days: 1 January 2027 is off, due on 19 January.
    assert add_working_days(date(2026, 12, 21), 20, NATIONAL) == date(2027, 1, 19)


# --- The 2008 Regulations ------------------------------------------------------------------------

CONFIGURED = {kind: 20 if kind is Kind.INFO_APPLICATION else 10 for kind in Kind}


@pytest.mark.parametrize(
    ("kind", "received_on", "days"),
    [
        (Kind.INFO_APPLICATION, date(2018, 6, 1), 15),
        (Kind.INFO_APPLICATION, date(2019, 5, 14), 15),
        (Kind.INFO_APPLICATION, date(2019, 5, 15), 20),
        (Kind.QUESTION, date(2018, 6, 1), 10),
    ],
)
def test_answer_days_depend_on_the_receipt_date(kind: Kind, received_on: date, days: int) -> None:
    assert clock_rules.answer_days(kind, received_on, CONFIGURED) == days


@pytest.mark.parametrize(
    ("kind", "received_on", "limit"),
    [
        (Kind.INFO_APPLICATION, date(2018, 6, 1), 15),
        (Kind.INFO_APPLICATION, date(2019, 5, 15), 20),
        (Kind.QUESTION, date(2018, 6, 1), 10),
    ],
)
def test_extension_limit_depends_on_the_receipt_date(
    kind: Kind, received_on: date, limit: int
) -> None:
    ticket = Ticket(kind=kind, received_on=received_on)
    assert clock_rules.ExtensionRules().max_days(ticket) == limit
    assert clock_rules.ExtensionRules(info_application=10).max_days(ticket) == min(limit, 10)
