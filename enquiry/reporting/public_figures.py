"""The public statistics: the mailbox figures with every group smaller than five withheld.

A count of 1 to 4 could point at a person (one complaint about one small department in one
month), so such cells are shown as "<5" and left out of the charts; groups whose yearly total
is below five are left out altogether. Zero is shown: it identifies nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from enquiry.domain.satisfaction import RATING_LABELS
from enquiry.labels import ADOPTION_LABELS, KIND_LABELS
from enquiry.models import Adoption, Report, ReportSection, SessionLike, Ticket
from enquiry.reporting import charts, mailbox
from enquiry.reporting.dashboard import month_names
from enquiry.reporting.figures import year_start

MINIMUM = 5
WITHHELD = "<5"
TOP_SECTIONS = 10

Cells = tuple[int | None, ...]


def mask(value: int) -> int | None:
    """The value, or None when it counts a group of one to four."""
    return None if 0 < value < MINIMUM else value


def _series(values: dict[Any, tuple[int, ...]]) -> dict[Any, Cells]:
    return {key: tuple(mask(v) for v in row) for key, row in values.items() if sum(row) >= MINIMUM}


@dataclass(frozen=True)
class PublicFigures:
    """What the public may see of a year."""

    year: int
    total_by_month: Cells
    by_kind: dict[Any, Cells]
    by_department: dict[int, Cells]
    on_time_share: float | None
    median_answer: float | None
    satisfaction: dict[Any, int | None]
    top_sections: list[tuple[str, int]]
    adoption: dict[Adoption, int | None] = field(default_factory=dict)
    # Per month received: the median, None when fewer than five were answered (see answered).
    median_answer_by_month: tuple[float | None, ...] = (None,) * 12
    answered_by_month: Cells = (0,) * 12  # masked; says why a monthly median is missing


def monthly_medians(figures: mailbox.MailboxFigures) -> tuple[float | None, ...]:
    """The median working days to answer per month, withheld for months with 1 to 4 answers."""
    return tuple(
        median if answered >= MINIMUM else None
        for median, answered in zip(
            figures.monthly_median_answer, figures.monthly_answered, strict=True
        )
    )


def public_figures(
    figures: mailbox.MailboxFigures,
    sections: list[tuple[str, int]],
    adoption: dict[Adoption, int] | None = None,
) -> PublicFigures:
    """Withhold every group smaller than five."""
    judged = figures.answered_on_time + figures.answered_late + figures.overdue_unanswered
    answered = figures.answered_on_time + figures.answered_late
    return PublicFigures(
        year=figures.year,
        total_by_month=tuple(mask(v) for v in figures.total_by_month),
        by_kind=_series(dict(figures.by_kind)),
        by_department=_series(dict(figures.by_department)),
        on_time_share=figures.on_time_share if judged >= MINIMUM else None,
        median_answer=figures.median_answer if answered >= MINIMUM else None,
        satisfaction={r: mask(n) for r, n in figures.satisfaction.items()},
        top_sections=[(label, n) for label, n in sections if n >= MINIMUM][:TOP_SECTIONS],
        adoption={a: mask(n) for a, n in (adoption or {}).items()},
        median_answer_by_month=monthly_medians(figures),
        answered_by_month=tuple(mask(v) for v in figures.monthly_answered),
    )


def section_counts(session: SessionLike, year: int) -> list[tuple[str, int]]:
    """Enquiries received in the year per report section, most first."""
    query = (
        sa.select(
            Report.year, ReportSection.number, ReportSection.heading, sa.func.count(Ticket.id)
        )
        .join(ReportSection, ReportSection.id == Ticket.report_section_id)
        .join(Report, Report.id == ReportSection.report_id)
        .where(Ticket.created_at >= year_start(year), Ticket.created_at < year_start(year + 1))
        .group_by(Report.year, ReportSection.id, ReportSection.number, ReportSection.heading)
        .order_by(sa.func.count(Ticket.id).desc())
    )
    return [
        (f"{y} {number}{heading}"[:60], int(n)) for y, number, heading, n in session.execute(query)
    ]


def _gapped(values: Cells) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def public_charts(figures: PublicFigures, departments: dict[int, str]) -> list[Any]:
    """The public charts (groups below five left out)."""
    months, month_heading, count = month_names(), _("Month"), _("Number")
    found = [
        charts.line_chart(
            "chart-volume",
            _("Enquiries received per month"),
            _("Months with fewer than 5 enquiries are not shown."),
            months,
            [(_("All"), _gapped(figures.total_by_month))],
            category_heading=month_heading,
        ),
        charts.line_chart(
            "chart-kind",
            _("Enquiries per month by kind"),
            _("One line per kind of enquiry; groups smaller than 5 are not shown."),
            months,
            [(str(KIND_LABELS[k]), _gapped(v)) for k, v in figures.by_kind.items()],
            category_heading=month_heading,
        ),
        charts.line_chart(
            "chart-median-answer",
            _("Median working days to answer, by month received"),
            _("Months with fewer than 5 answered enquiries are not shown."),
            months,
            [(_("Median working days to answer"), list(figures.median_answer_by_month))],
            category_heading=month_heading,
        ),
    ]
    totals = {
        departments.get(d, str(d)): sum(v or 0 for v in row)
        for d, row in figures.by_department.items()
    }
    ratings = {str(RATING_LABELS[r]): n for r, n in figures.satisfaction.items() if n is not None}
    adopted = {str(ADOPTION_LABELS[a]): n for a, n in figures.adoption.items() if n is not None}
    for css, title, rows, heading in (
        ("chart-department", _("Enquiries by department"), totals, _("Department")),
        ("chart-satisfaction", _("Satisfaction"), ratings, _("Rating")),
        ("chart-adoption", _("Suggestions adopted"), adopted, _("Outcome of the suggestion")),
        (
            "chart-sections",
            _("Report sections asked about most"),
            dict(figures.top_sections),
            _("Section"),
        ),
    ):
        if rows:
            found.append(
                charts.hbar_chart(
                    css,
                    title,
                    _("Groups smaller than 5 are not shown."),
                    list(rows),
                    list(rows.values()),
                    value_heading=count,
                    category_heading=heading,
                )
            )
    return found


def public_rows(figures: PublicFigures, departments: dict[int, str]) -> list[list[object]]:
    """The public figures as CSV rows; withheld cells read "<5"."""

    def cells(values: Cells) -> list[object]:
        return [WITHHELD if v is None else v for v in values]

    rows: list[list[object]] = [
        ["figure", "series", *mailbox.MONTHS],
        ["received", "all", *cells(figures.total_by_month)],
    ]
    rows += [["kind", k.value, *cells(v)] for k, v in figures.by_kind.items()]
    rows += [
        ["department", departments.get(d, str(d)), *cells(v)]
        for d, v in figures.by_department.items()
    ]
    summary: list[tuple[str, object]] = [
        ("share_answered_on_time", figures.on_time_share),
        ("median_working_days_to_answer", figures.median_answer),
        *(
            (f"satisfaction_{r.value}", WITHHELD if n is None else n)
            for r, n in figures.satisfaction.items()
        ),
        *(
            (f"adoption_{a.value}", WITHHELD if n is None else n)
            for a, n in figures.adoption.items()
        ),
        *((f"section {label}", n) for label, n in figures.top_sections),
    ]
    blank = [""] * len(mailbox.MONTHS)
    rows += [[name, "", *blank[:-1], "" if value is None else value] for name, value in summary]
    rows.append(["median_working_days_to_answer", "month", *_median_cells(figures)])
    return rows


def _median_cells(figures: PublicFigures) -> list[object]:
    """Monthly medians: "<5" when 1 to 4 were answered, empty when none were."""
    return [
        (WITHHELD if answered is None else "") if median is None else median
        for median, answered in zip(
            figures.median_answer_by_month, figures.answered_by_month, strict=True
        )
    ]


__all__ = [
    "MINIMUM",
    "PublicFigures",
    "public_charts",
    "public_figures",
    "public_rows",
    "section_counts",
]
