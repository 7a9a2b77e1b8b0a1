"""Predicted national holidays for years the installed `chinese_calendar` data does not cover.

Pure: no Flask, no database. The State Council publishes each year's arrangement (放假安排) late
in the year before; until `chinesecalendar` ships it, the days off are predicted from the rules
in force, 全国年节及纪念日放假办法 as revised in 2024 (in force 2025):

- 元旦 1 January, 1 day;
- 春节 the eve (除夕, the last day of the lunar year) and the first three days of the lunar year;
- 清明节 the day of the solar term 清明, 1 day;
- 劳动节 1-2 May;
- 端午节 lunar 5/5, 1 day; 中秋节 lunar 8/15, 1 day;
- 国庆节 1-3 October.

Predicted days are rest days. The make-up working days (调休上班) and the weekday given off for
a holiday on a weekend (补假) depend on the notice and cannot be predicted, so none are added:
a prediction can only count fewer rest days than the notice, never invent a working day.

Lunar dates come from `lunardate` (1900-2099); the day of 清明 from `chinese_calendar`'s solar
term formula (valid 1900-2100, with its table of corrections). Years after 2099 get the solar
holidays only. Years before the data begins are not predicted (other rules were in force then),
except 1 January, a holiday under every version of the rules.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from lunardate import LunarDate

_ONE_DAY = timedelta(days=1)
QINGMING = "清明"


def _lunar_to_solar(year: int, month: int, day: int) -> date | None:
    """Return the solar date of a lunar date (never a leap month), None outside the data."""
    try:
        return LunarDate(year, month, day).to_solar_date()
    except ValueError:  # lunardate covers lunar years 1900-2099
        return None


def qingming(year: int) -> date:
    """Return the day of the solar term 清明 (4 or 5 April, sometimes 6) in a year."""
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    for day, name in terms:
        if name == QINGMING:
            return day
    raise ValueError(f"no 清明 found in April {year}")  # pragma: no cover - the formula finds one


@lru_cache(maxsize=64)
def predicted_holidays(year: int) -> frozenset[date]:
    """Return the statutory days off of a year as the rules in force would place them."""
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), qingming(year)}
    days.update(date(year, 10, first) for first in (1, 2, 3))
    new_year = _lunar_to_solar(year, 1, 1)
    if new_year is not None:
        days.update(new_year + offset * _ONE_DAY for offset in (-1, 0, 1, 2))
    for month, day in ((5, 5), (8, 15)):
        festival = _lunar_to_solar(year, month, day)
        if festival is not None:
            days.add(festival)
    return frozenset(day for day in days if day.year == year)


def is_predicted_holiday(day: date) -> bool:
    """Tell whether the rules in force make this day a statutory day off."""
    return day in predicted_holidays(day.year)


def is_new_years_day(day: date) -> bool:
    """1 January: a day off under every version of the rules, whatever the data covers."""
    return day.month == 1 and day.day == 1
