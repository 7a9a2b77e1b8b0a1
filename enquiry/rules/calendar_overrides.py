"""Shipped regional exceptions to the national working-day calendar, one sourced row per day.

Plain data, no logic beyond expanding day ranges: `enquiry.deadlines` turns the rows into
`Override` objects. Only entries that a regional government notice confirms belong here; what
an office learns later is entered by an administrator in the staff UI (extra overrides).

Xinjiang: since 自治区人民政府令第174号 (2011) Eid al-Fitr (肉孜节) and Eid al-Adha (古尔邦节) are
days off for everyone, and the regional government's yearly notice sometimes cancels national
make-up workdays (调休上班). Rows follow shared/domain/README.md §4 and were cross-checked
against published reprints of the notices' text. Dates that the national calendar already
treats as rest days are listed anyway: the notice names them, and an override that agrees
with the national calendar changes nothing.

Not shipped, because unconfirmed: 2013 古尔邦节 (domain README §4 marks it [check]). Other
years are not shipped either until someone records their notice here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType
from typing import NamedTuple


class OverrideEntry(NamedTuple):
    """One day that differs from the national calendar, with the notice that says so."""

    day: date
    is_workday: bool
    note: str
    source: str


def _rest_days(first: date, last: date, note: str, source: str) -> tuple[OverrideEntry, ...]:
    """Expand an inclusive range of days off into one row per day."""
    count = (last - first).days + 1
    return tuple(
        OverrideEntry(first + timedelta(days=offset), False, note, source)
        for offset in range(count)
    )


_PER_README = ""  # the rows follow shared/domain/README.md §4; the page shows the notice only

_SOURCE_2013 = "新疆维吾尔自治区人民政府办公厅2013年肉孜节放假通知（2013年7月29日）" + _PER_README
_SOURCE_2014 = "新疆维吾尔自治区人民政府办公厅关于2014年国庆节、古尔邦节放假的通知" + _PER_README
_SOURCE_2023 = (
    "新疆维吾尔自治区人民政府办公厅关于2023年节假日放假安排和冬夏季作息时间的通知"
    "（2022年12月25日）" + _PER_README
)
_SOURCE_2025 = (
    "新疆维吾尔自治区人民政府办公厅关于2025年节假日放假调休日期和冬夏季作息时间安排的通知"
    + _PER_README
)

XINJIANG: tuple[OverrideEntry, ...] = (
    # 2013: 肉孜节 on Thursday 8 August, one day off for everyone in the region.
    OverrideEntry(date(2013, 8, 8), False, "肉孜节放假", _SOURCE_2013),
    # [check] 2013 古尔邦节: unconfirmed, therefore not shipped.
    #
    # 2014: 国庆节 and 古尔邦节 (5 October) together, 1-8 October off. Nationally 1-7 October
    # are holidays anyway; 8 October is Xinjiang's extra day. The national make-up workdays
    # 28 September (Sunday) and 11 October (Saturday) stay ordinary rest days in Xinjiang.
    *_rest_days(date(2014, 10, 1), date(2014, 10, 7), "国庆节、古尔邦节放假", _SOURCE_2014),
    OverrideEntry(date(2014, 10, 8), False, "古尔邦节放假（国庆节后延长一天）", _SOURCE_2014),
    OverrideEntry(date(2014, 9, 28), False, "正常休息（全国为调休上班日）", _SOURCE_2014),
    OverrideEntry(date(2014, 10, 11), False, "正常休息（全国为调休上班日）", _SOURCE_2014),
    # 2023: 肉孜节 fell on Saturday 22 April, so Friday 21 April was given off;
    # 古尔邦节 on 29 June, 28-30 June off.
    OverrideEntry(date(2023, 4, 21), False, "肉孜节放假", _SOURCE_2023),
    *_rest_days(date(2023, 6, 28), date(2023, 6, 30), "古尔邦节放假", _SOURCE_2023),
    # 2025: 肉孜节 on Monday 31 March, 29-31 March off; 古尔邦节 on Friday 6 June, 6-10 June off.
    *_rest_days(date(2025, 3, 29), date(2025, 3, 31), "肉孜节放假", _SOURCE_2025),
    *_rest_days(date(2025, 6, 6), date(2025, 6, 10), "古尔邦节放假", _SOURCE_2025),
)

REGIONS: Mapping[str, tuple[OverrideEntry, ...]] = MappingProxyType({"xinjiang": XINJIANG})
