"""Table 四 of the annual report: administrative review and lawsuits over applications.

Pure: no Flask, no database (`enquiry.reporting.table4_facts` gathers the facts). The 2021
national template's section 四 (政府信息公开行政复议、行政诉讼情况) is one row of 15 numbers:
行政复议, 未经复议直接起诉 and 复议后起诉, each by 结果维持 / 结果纠正 / 其他结果 / 尚未审结 / 总计.

A case counts in a year when it was filed by the year's end and had not concluded before the
year began (filed in the year, or still running into it): concluded within the year it counts
under its result, still running at the year's end under 尚未审结. 总计 is the number of cases
counted in the group, and the check is that it equals the sum of its four result columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from enquiry.models import RemedyKind, RemedyResult

TITLE = "四、政府信息公开行政复议、行政诉讼情况"
REVIEW, DIRECT, AFTER_REVIEW = "review", "direct", "after_review"
GROUP_LABELS = {REVIEW: "行政复议", DIRECT: "未经复议直接起诉", AFTER_REVIEW: "复议后起诉"}
LAWSUIT_LABEL = "行政诉讼"
GROUPS = (REVIEW, DIRECT, AFTER_REVIEW)
RESULTS = (RemedyResult.UPHELD, RemedyResult.CORRECTED, RemedyResult.OTHER, RemedyResult.PENDING)
RESULT_LABELS = {
    RemedyResult.UPHELD: "结果维持",
    RemedyResult.CORRECTED: "结果纠正",
    RemedyResult.OTHER: "其他结果",
    RemedyResult.PENDING: "尚未审结",
}
TOTAL_LABEL = "总计"


@dataclass(frozen=True)
class RemedyFact:
    """What the table needs to know about one review or lawsuit."""

    kind: RemedyKind
    after_review: bool | None
    filed_on: date
    result: RemedyResult
    concluded_on: date | None
    reference: str = ""


@dataclass(frozen=True)
class Group:
    """One of the three groups of five cells."""

    key: str
    label: str
    results: tuple[int, int, int, int]  # 维持, 纠正, 其他, 尚未审结
    total: int

    @property
    def cells(self) -> tuple[int, ...]:
        return (*self.results, self.total)

    @property
    def is_ok(self) -> bool:
        """The column check: 总计 equals the sum of the four results."""
        return self.total == sum(self.results)


@dataclass(frozen=True)
class Table4:
    """Table 四 for one year."""

    year: int
    groups: tuple[Group, ...]
    problems: tuple[str, ...] = field(default=())

    def group(self, key: str) -> Group:
        return next(group for group in self.groups if group.key == key)

    @property
    def cells(self) -> tuple[int, ...]:
        """The 15 numbers in the template's order."""
        return tuple(value for group in self.groups for value in group.cells)

    @property
    def failing(self) -> list[str]:
        """The labels of the groups whose 总计 is not the sum of their results."""
        return [group.label for group in self.groups if not group.is_ok]


def column_headers() -> list[tuple[str, str]]:
    """Return (group label, column label) for the 15 columns, in order."""
    return [
        (GROUP_LABELS[key], label)
        for key in GROUPS
        for label in (*(RESULT_LABELS[r] for r in RESULTS), TOTAL_LABEL)
    ]


def _group_of(fact: RemedyFact) -> str | None:
    if fact.kind is RemedyKind.REVIEW:
        return REVIEW
    if fact.after_review is None:
        return None
    return AFTER_REVIEW if fact.after_review else DIRECT


def _result_in(fact: RemedyFact, end: date) -> RemedyResult:
    """The result as it stood at the end of the year."""
    if fact.result is RemedyResult.PENDING or fact.concluded_on is None:
        return RemedyResult.PENDING
    return fact.result if fact.concluded_on <= end else RemedyResult.PENDING


def _counts_in(fact: RemedyFact, start: date, end: date) -> bool:
    if fact.filed_on > end:
        return False
    concluded = fact.result is not RemedyResult.PENDING and fact.concluded_on is not None
    return not (concluded and fact.concluded_on is not None and fact.concluded_on < start)


def build_table4(facts: Iterable[RemedyFact], year: int) -> Table4:
    """Count the facts into table 四 for the year."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    counts = {key: dict.fromkeys(RESULTS, 0) for key in GROUPS}
    totals = dict.fromkeys(GROUPS, 0)
    problems: list[str] = []
    for fact in facts:
        if not _counts_in(fact, start, end):
            continue
        key = _group_of(fact)
        if key is None:
            problems.append(f"{fact.reference or '?'}: lawsuit without its route; not counted")
            continue
        counts[key][_result_in(fact, end)] += 1
        totals[key] += 1
    groups = tuple(
        Group(key, GROUP_LABELS[key], tuple(counts[key][r] for r in RESULTS), totals[key])  # type: ignore[arg-type]
        for key in GROUPS
    )
    return Table4(year, groups, tuple(problems))
