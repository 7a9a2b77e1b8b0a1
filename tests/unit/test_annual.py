"""Table 三 from per-application facts: every row, every column, the check and the layout."""

from __future__ import annotations

from datetime import date

from enquiry.models.tickets import ApplicantType as A
from enquiry.reporting import annual
from enquiry.reporting.annual import ApplicationFact
from enquiry.rules import outcomes

YEAR = 2024


def fact(
    applicant: A | None,
    received: date | None,
    concluded: date | None = None,
    outcome: str | None = None,
    reference: str = "",
) -> ApplicationFact:
    return ApplicationFact(applicant, received, concluded, outcome, reference)


SEED = [
    # Carried in from 2023.
    fact(A.CITIZEN, date(2023, 11, 10), date(2024, 1, 15), "disclosed"),
    fact(A.CITIZEN, date(2023, 12, 20)),  # still open
    fact(A.BUSINESS, date(2023, 12, 28), date(2024, 2, 1), "refused.third_party"),
    # Concluded before the year: not in the table at all.
    fact(A.CITIZEN, date(2023, 5, 1), date(2023, 6, 1), "disclosed"),
    # Received in the year.
    fact(A.CITIZEN, date(2024, 3, 1), date(2024, 3, 20), "disclosed"),
    fact(A.CITIZEN, date(2024, 4, 1), date(2024, 4, 25), "partial"),
    fact(A.RESEARCH, date(2024, 5, 5), date(2024, 5, 30), "unavailable.not_held"),
    fact(A.LEGAL_SERVICES, date(2024, 6, 1), date(2024, 6, 10), "not_processed.repeated"),
    fact(A.CITIZEN, date(2024, 7, 1), date(2024, 7, 31), "other.no_correction"),
    fact(A.BUSINESS, date(2024, 8, 1), date(2024, 12, 31), "refused.state_secret"),
    # Carried out into 2025.
    fact(A.PUBLIC_INTEREST, date(2024, 12, 20), date(2025, 1, 10), "disclosed"),
    fact(A.OTHER_ORGANISATION, date(2024, 12, 30)),
    # Received after the year: not in the table at all.
    fact(A.CITIZEN, date(2025, 1, 5), date(2025, 1, 20), "disclosed"),
]

#                 自然人 商业 科研 公益 法律 其他 总计
EXPECTED = {
    "new": (3, 1, 1, 1, 1, 1, 8),
    "carried_in": (2, 1, 0, 0, 0, 0, 3),
    "disclosed": (2, 0, 0, 0, 0, 0, 2),
    "partial": (1, 0, 0, 0, 0, 0, 1),
    "refused.state_secret": (0, 1, 0, 0, 0, 0, 1),
    "refused.third_party": (0, 1, 0, 0, 0, 0, 1),
    "unavailable.not_held": (0, 0, 1, 0, 0, 0, 1),
    "not_processed.repeated": (0, 0, 0, 0, 1, 0, 1),
    "other.no_correction": (1, 0, 0, 0, 0, 0, 1),
    "total": (4, 2, 1, 0, 1, 0, 8),
    "carried_out": (1, 0, 0, 1, 0, 1, 3),
}
ZERO = (0,) * 7


def test_seeded_table_has_the_expected_number_in_every_cell() -> None:
    table = annual.build_table(SEED, YEAR)
    assert {row.key: row.cells for row in table.rows} == {
        row.key: EXPECTED.get(row.key, ZERO) for row in table.rows
    }
    assert table.cell("new", "research") == 1
    assert table.row("carried_out").cell("total") == 3
    assert table.problems == ()


def test_seeded_table_passes_the_check_in_every_column() -> None:
    table = annual.build_table(SEED, YEAR)
    assert annual.check(table) == []
    checks = annual.column_checks(table)
    assert [(c.column.label, c.received, c.accounted) for c in checks] == [
        ("自然人", 5, 5),
        ("商业企业", 2, 2),
        ("科研机构", 1, 1),
        ("社会公益组织", 1, 1),
        ("法律服务机构", 1, 1),
        ("其他", 1, 1),
        ("总计", 11, 11),
    ]


def test_rows_and_columns_are_exactly_the_templates() -> None:
    table = annual.build_table([], YEAR)
    assert [c.label for c in annual.COLUMNS] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    keys = [row.key for row in table.rows]
    assert keys == ["new", "carried_in", *outcomes.OUTCOMES, "total", "carried_out"]
    assert len(keys) == 2 + 21 + 1 + 1
    assert table.rows[0].label == "一、本年新收政府信息公开申请数量"
    assert table.rows[1].label == "二、上年结转政府信息公开申请数量"
    assert table.rows[-2].label == "（七）总计"
    assert table.rows[-1].label == "四、结转下年度继续办理"
    assert annual.check(table) == []


def test_layout_merges_cells_as_the_template_does() -> None:
    rows = annual.layout(annual.build_table(SEED, YEAR))
    cells = [[(c.text, c.column, c.colspan, c.rowspan) for c in line.labels] for line in rows]
    assert cells[0] == [("一、本年新收政府信息公开申请数量", 0, 3, 1)]
    assert cells[2] == [("三、本年度办理结果", 0, 1, 22), ("（一）予以公开", 1, 2, 1)]
    assert cells[4] == [("（三）不予公开", 1, 1, 8), ("1.属于国家秘密", 2, 1, 1)]
    assert cells[5] == [("2.其他法律行政法规禁止公开", 2, 1, 1)]
    assert cells[12] == [("（四）无法提供", 1, 1, 3), ("1.本机关不掌握相关政府信息", 2, 1, 1)]
    assert cells[-2] == [("（七）总计", 1, 2, 1)]
    assert cells[-1] == [("四、结转下年度继续办理", 0, 3, 1)]
    assert len(rows) == 25
    # Every row fills the three label columns exactly once, counting the spans from above.
    taken: dict[tuple[int, int], str] = {}
    for index, line in enumerate(rows):
        for cell in line.labels:
            for r in range(index, index + cell.rowspan):
                for c in range(cell.column, cell.column + cell.colspan):
                    assert (r, c) not in taken
                    taken[(r, c)] = cell.text
    assert set(taken) == {(r, c) for r in range(len(rows)) for c in range(3)}
    assert rows[4].path == ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密")


def test_an_outcome_without_a_receipt_fails_the_check_in_its_column() -> None:
    broken = [*SEED, fact(A.RESEARCH, None, date(2024, 9, 1), "disclosed", "WLMQ-2024-000099")]
    table = annual.build_table(broken, YEAR)
    assert [c.label for c in annual.check(table)] == ["科研机构", "总计"]
    assert table.problems == ("WLMQ-2024-000099: no date of receipt",)


def test_inconsistent_carry_over_fails_the_check() -> None:
    # Concluded in the year but "received" after it: counted in （七） and never received.
    broken = [*SEED, fact(A.LEGAL_SERVICES, date(2025, 3, 1), date(2024, 10, 1), "partial", "X")]
    table = annual.build_table(broken, YEAR)
    assert [c.key for c in annual.check(table)] == ["legal_services", "total"]
    assert table.problems == ("X: concluded before it was received",)


def test_concluded_without_an_outcome_fails_the_check_and_says_why() -> None:
    broken = [*SEED, fact(A.BUSINESS, date(2024, 2, 1), date(2024, 3, 1), None, "Y")]
    table = annual.build_table(broken, YEAR)
    assert [c.key for c in annual.check(table)] == ["business", "total"]
    assert table.problems == ("Y: concluded without an outcome",)
    unknown = annual.build_table(
        [fact(A.CITIZEN, date(2024, 2, 1), date(2024, 3, 1), "bogus")], YEAR
    )
    assert [c.key for c in annual.check(unknown)] == ["citizen", "total"]


def test_a_fact_without_applicant_type_is_not_counted_but_reported() -> None:
    table = annual.build_table([fact(None, date(2024, 2, 1), reference="Z")], YEAR)
    assert table.row("new").cells == ZERO
    assert table.problems == ("Z: no applicant type; not counted",)


def test_boundaries_of_the_year() -> None:
    facts = [
        fact(A.CITIZEN, date(2024, 1, 1), date(2024, 12, 31), "disclosed"),
        fact(A.CITIZEN, date(2023, 12, 31), date(2024, 1, 1), "disclosed"),
        fact(A.CITIZEN, date(2023, 12, 31), date(2023, 12, 31), "disclosed"),
        fact(A.CITIZEN, date(2024, 12, 31), date(2025, 1, 1), "disclosed"),
    ]
    table = annual.build_table(facts, YEAR)
    assert table.cell("new", "citizen") == 2
    assert table.cell("carried_in", "citizen") == 1
    assert table.cell("total", "citizen") == 2
    assert table.cell("carried_out", "citizen") == 1
    assert annual.check(table) == []


def test_earlier_years_are_flagged_as_other_templates() -> None:
    assert not annual.build_table([], 2018).follows_template
    assert annual.build_table([], 2021).follows_template
