"""Table 四 counted from fixed facts: groups, results as they stood at the year's end, check."""

from datetime import date

from enquiry.models import RemedyKind, RemedyResult
from enquiry.reporting import table4
from enquiry.reporting.table4 import RemedyFact, build_table4

R, L = RemedyKind.REVIEW, RemedyKind.LAWSUIT
UP, CO, OT, PE = (
    RemedyResult.UPHELD,
    RemedyResult.CORRECTED,
    RemedyResult.OTHER,
    RemedyResult.PENDING,
)


def fact(
    kind: RemedyKind,
    filed: date,
    result: RemedyResult = PE,
    concluded: date | None = None,
    after_review: bool | None = None,
) -> RemedyFact:
    if kind is L and after_review is None:
        after_review = False
    return RemedyFact(kind, after_review, filed, result, concluded, "X")


FACTS = [
    fact(R, date(2024, 2, 1), UP, date(2024, 4, 1)),  # review upheld in the year
    fact(R, date(2024, 3, 1), CO, date(2024, 6, 1)),  # review corrected
    fact(R, date(2024, 11, 1), UP, date(2025, 1, 10)),  # concluded next year: 尚未审结 in 2024
    fact(R, date(2023, 10, 1), OT, date(2024, 1, 5)),  # carried in, concluded in the year
    fact(R, date(2023, 5, 1), UP, date(2023, 8, 1)),  # concluded before the year: not counted
    fact(R, date(2025, 1, 2)),  # filed after the year: not counted
    fact(L, date(2024, 5, 1), UP, date(2024, 9, 1)),  # direct lawsuit upheld
    fact(L, date(2024, 7, 1)),  # direct lawsuit pending
    fact(L, date(2024, 8, 1), CO, date(2024, 12, 31), after_review=True),
    fact(L, date(2022, 8, 1), after_review=True),  # still pending since 2022
]


def test_fifteen_cells_in_the_template_order() -> None:
    table = build_table4(FACTS, 2024)
    assert table.cells == (
        *(1, 1, 1, 1, 4),  # 行政复议: 维持 纠正 其他 尚未审结 总计
        *(1, 0, 0, 1, 2),  # 未经复议直接起诉
        *(0, 1, 0, 1, 2),  # 复议后起诉
    )
    assert table.failing == [] and table.problems == ()
    assert len(table4.column_headers()) == 15
    assert table4.column_headers()[5] == ("未经复议直接起诉", "结果维持")


def test_the_next_year_sees_the_results_as_they_ended() -> None:
    table = build_table4(FACTS, 2025)
    assert table.group(table4.REVIEW).cells == (1, 0, 0, 1, 2)
    assert table.group(table4.AFTER_REVIEW).cells == (0, 0, 0, 1, 1)
    assert table.group(table4.DIRECT).cells == (0, 0, 0, 1, 1)


def test_a_lawsuit_without_its_route_is_a_problem_not_a_count() -> None:
    table = build_table4([RemedyFact(L, None, date(2024, 1, 2), PE, None, "WLMQ-1")], 2024)
    assert sum(table.cells) == 0
    assert table.problems == ("WLMQ-1: lawsuit without its route; not counted",)


def test_the_check_fails_when_a_total_is_not_the_sum() -> None:
    broken = table4.Group(table4.REVIEW, "行政复议", (1, 0, 0, 0), 2)
    table = table4.Table4(2024, (broken, *build_table4([], 2024).groups[1:]))
    assert table.failing == ["行政复议"]
