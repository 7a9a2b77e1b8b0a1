"""Table 三 of the annual open-government report, built from per-application facts.

Pure: no Flask, no database (`enquiry.stats` gathers the facts). The rows and columns are those
of the 2021 national template (国办公开办函〔2021〕30号), section 三 收到和处理政府信息公开申请情况:

- 一 本年新收: applications received in the year;
- 二 上年结转: received before the year and not concluded before it;
- 三 本年度办理结果: applications concluded in the year, by outcome, and （七）总计;
- 四 结转下年度继续办理: received by the year's end and not concluded by then.

For consistent data every column satisfies 一 + 二 = （七）总计 + 四; `check` names the columns
where it does not, and `problems` says which facts cannot be placed consistently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from enquiry.models.tickets import ApplicantType
from enquiry.rules import outcomes, outcomes_2008

TITLE = "三、收到和处理政府信息公开申请情况"
CHECK_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADING = "申请人情况"
ORGANISATION_HEADING = "法人或其他组织"
# The template introduced with the 2019 Regulations changed in 2021; earlier years' reports
# (and every year under the 2008 Regulations, until 2019-05-14) used other tables.
TEMPLATE_FIRST_YEAR = 2021

NEW = "new"
CARRIED_IN = "carried_in"
TOTAL = "total"
CARRIED_OUT = "carried_out"
ROW_LABELS = {
    NEW: "一、本年新收政府信息公开申请数量",
    CARRIED_IN: "二、上年结转政府信息公开申请数量",
    TOTAL: outcomes.TOTAL_LABEL,
    CARRIED_OUT: "四、结转下年度继续办理",
}
RESULTS_LABEL = "三、本年度办理结果"


@dataclass(frozen=True)
class Column:
    """A column of numbers: an applicant type, or the total."""

    key: str
    label: str
    applicant_type: ApplicantType | None = None


COLUMNS: tuple[Column, ...] = (
    Column("citizen", "自然人", ApplicantType.CITIZEN),
    Column("business", "商业企业", ApplicantType.BUSINESS),
    Column("research", "科研机构", ApplicantType.RESEARCH),
    Column("public_interest", "社会公益组织", ApplicantType.PUBLIC_INTEREST),
    Column("legal_services", "法律服务机构", ApplicantType.LEGAL_SERVICES),
    Column("other_organisation", "其他", ApplicantType.OTHER_ORGANISATION),
    Column("total", "总计"),
)
ORGANISATION_COLUMNS = COLUMNS[1:6]
_INDEX = {column.applicant_type: index for index, column in enumerate(COLUMNS)}


@dataclass(frozen=True)
class ApplicationFact:
    """What the table needs to know about one application."""

    applicant_type: ApplicantType | None
    received_on: date | None
    concluded_on: date | None  # the Beijing date it was concluded (closed), if it was
    outcome: str | None
    reference: str = ""


@dataclass(frozen=True)
class Row:
    """A row of numbers: one per column, the total last."""

    key: str  # new, carried_in, an outcome code, total, carried_out
    label: str
    cells: tuple[int, ...]

    def cell(self, column_key: str) -> int:
        """Return the number in the named column."""
        return self.cells[next(i for i, c in enumerate(COLUMNS) if c.key == column_key)]


@dataclass(frozen=True)
class ColumnCheck:
    """一 + 二 against （七）总计 + 四 for one column."""

    column: Column
    received: int  # 一 + 二
    accounted: int  # （七）总计 + 四

    @property
    def is_ok(self) -> bool:
        return self.received == self.accounted


@dataclass(frozen=True)
class AnnualTable:
    """Table 三 for one year."""

    year: int
    rows: tuple[Row, ...]
    problems: tuple[str, ...] = field(default=())

    def row(self, key: str) -> Row:
        """Return the row with the key (see the module docstring, or an outcome code)."""
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    def cell(self, row_key: str, column_key: str) -> int:
        return self.row(row_key).cell(column_key)

    @property
    def follows_template(self) -> bool:
        """False for years whose report used an earlier template."""
        return self.year >= TEMPLATE_FIRST_YEAR


class _Counter:
    """Counts per row key and column, the total column added on the way out."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}

    def add(self, key: str, applicant_type: ApplicantType) -> None:
        cells = self.counts.setdefault(key, [0] * len(COLUMNS))
        cells[_INDEX[applicant_type]] += 1
        cells[-1] += 1

    def cells(self, key: str) -> tuple[int, ...]:
        return tuple(self.counts.get(key, [0] * len(COLUMNS)))


def _is_concluded_before(fact: ApplicationFact, day: date) -> bool:
    return fact.concluded_on is not None and fact.concluded_on < day


def _place(fact: ApplicationFact, year: int, counter: _Counter, problems: list[str]) -> None:
    """Count one fact in every row it belongs to, noting what cannot be placed."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    applicant = fact.applicant_type
    if applicant is None:
        problems.append(f"{fact.reference or '?'}: no applicant type; not counted")
        return
    if fact.received_on is None:
        problems.append(f"{fact.reference or '?'}: no date of receipt")
    elif fact.concluded_on is not None and fact.concluded_on < fact.received_on:
        problems.append(f"{fact.reference or '?'}: concluded before it was received")
    if fact.received_on is not None and start <= fact.received_on <= end:
        counter.add(NEW, applicant)
    if (
        fact.received_on is not None
        and fact.received_on < start
        and not _is_concluded_before(fact, start)
    ):
        counter.add(CARRIED_IN, applicant)
    if fact.concluded_on is not None and start <= fact.concluded_on <= end:
        _place_outcome(fact, applicant, counter, problems)
    if (
        fact.received_on is not None
        and fact.received_on <= end
        and not (fact.concluded_on is not None and fact.concluded_on <= end)
    ):
        counter.add(CARRIED_OUT, applicant)


def _place_outcome(
    fact: ApplicationFact, applicant: ApplicantType, counter: _Counter, problems: list[str]
) -> None:
    if fact.outcome is None:
        problems.append(f"{fact.reference or '?'}: concluded without an outcome")
    elif not (outcomes.is_valid(fact.outcome) or outcomes_2008.is_2008_code(fact.outcome)):
        problems.append(f"{fact.reference or '?'}: unknown outcome {fact.outcome!r}")
    else:  # a 2008 outcome is counted in the nearest line of the 2021 template
        counter.add(outcomes_2008.reported_as(fact.outcome), applicant)
        counter.add(TOTAL, applicant)


def build_table(facts: Iterable[ApplicationFact], year: int) -> AnnualTable:
    """Count the facts into table 三 for the year."""
    counter = _Counter()
    problems: list[str] = []
    for fact in facts:
        _place(fact, year, counter, problems)
    rows = [
        Row(NEW, ROW_LABELS[NEW], counter.cells(NEW)),
        Row(CARRIED_IN, ROW_LABELS[CARRIED_IN], counter.cells(CARRIED_IN)),
        *(
            Row(outcome.code, outcome.label, counter.cells(outcome.code))
            for category in outcomes.CATEGORIES
            for outcome in category.outcomes
        ),
        Row(TOTAL, ROW_LABELS[TOTAL], counter.cells(TOTAL)),
        Row(CARRIED_OUT, ROW_LABELS[CARRIED_OUT], counter.cells(CARRIED_OUT)),
    ]
    return AnnualTable(year, tuple(rows), tuple(problems))


def column_checks(table: AnnualTable) -> list[ColumnCheck]:
    """Return 一 + 二 and （七）总计 + 四 for every column."""
    new, carried_in = table.row(NEW).cells, table.row(CARRIED_IN).cells
    total, carried_out = table.row(TOTAL).cells, table.row(CARRIED_OUT).cells
    return [
        ColumnCheck(column, new[i] + carried_in[i], total[i] + carried_out[i])
        for i, column in enumerate(COLUMNS)
    ]


def check(table: AnnualTable) -> list[Column]:
    """Return the columns where 一 + 二 differs from （七）总计 + 四 (empty when all agree)."""
    return [result.column for result in column_checks(table) if not result.is_ok]


# The template's layout: three label columns before the numbers, with merged cells.


@dataclass(frozen=True)
class LabelCell:
    """A label cell of the table as the template prints it."""

    text: str
    column: int  # 0, 1 or 2 among the three label columns
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class LayoutRow:
    """A row of numbers and the label cells that start on it."""

    row: Row
    labels: tuple[LabelCell, ...]
    path: tuple[str, ...]  # the labels it sits under, outermost first (for flat exports)


def layout(table: AnnualTable) -> list[LayoutRow]:
    """Return the rows with their label cells, merged as in the template."""
    result_rows = sum(len(c.outcomes) for c in outcomes.CATEGORIES) + 1
    rows: list[LayoutRow] = []
    for key in (NEW, CARRIED_IN):
        row = table.row(key)
        rows.append(LayoutRow(row, (LabelCell(row.label, 0, colspan=3),), (row.label,)))
    for index, category in enumerate(outcomes.CATEGORIES):
        rows.extend(_category_rows(table, category, result_rows if index == 0 else 0))
    total = table.row(TOTAL)
    rows.append(
        LayoutRow(total, (LabelCell(total.label, 1, colspan=2),), (RESULTS_LABEL, total.label))
    )
    carried = table.row(CARRIED_OUT)
    rows.append(LayoutRow(carried, (LabelCell(carried.label, 0, colspan=3),), (carried.label,)))
    return rows


def _category_rows(
    table: AnnualTable, category: outcomes.Category, results_span: int
) -> list[LayoutRow]:
    lead = [LabelCell(RESULTS_LABEL, 0, rowspan=results_span)] if results_span else []
    if not category.has_reasons:
        row = table.row(category.outcomes[0].code)
        cells = (*lead, LabelCell(category.heading, 1, colspan=2))
        return [LayoutRow(row, cells, (RESULTS_LABEL, category.heading))]
    rows = []
    for index, outcome in enumerate(category.outcomes):
        heading = [LabelCell(category.heading, 1, rowspan=len(category.outcomes))]
        text = f"{outcome.number}{outcome.label}"
        cells = (*(lead + heading if index == 0 else []), LabelCell(text, 2))
        rows.append(
            LayoutRow(table.row(outcome.code), cells, (RESULTS_LABEL, category.heading, text))
        )
    return rows
