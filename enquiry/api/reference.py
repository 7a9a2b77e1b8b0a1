"""What the API's clients look up: departments, report sections, the figures."""

from __future__ import annotations

import logging

from flask import current_app
from werkzeug.wrappers import Response

from enquiry.api import schemas as s
from enquiry.api.blueprint import api_user, bp, json_response
from enquiry.api.io import domain_errors, parse_query
from enquiry.api.openapi import documented
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import access, tickets
from enquiry.extensions import db
from enquiry.models import utcnow
from enquiry.reporting import annual, figures, mailbox
from enquiry.rules import clock

logger = logging.getLogger(__name__)


@bp.get("/departments", endpoint="departments")
@documented(summary="Every department (transfer targets)", response=s.DepartmentList)
def list_departments() -> Response:
    """List the departments, inactive ones too."""
    items = [
        s.DepartmentOut.model_validate(department, from_attributes=True)
        for department in tickets.departments(db.session)
    ]
    return json_response(s.DepartmentList(items=items).model_dump(mode="json"))


@bp.get("/report-sections", endpoint="report_sections")
@documented(summary="The sections of the annual reports", response=s.SectionList)
def list_report_sections() -> Response:
    """List the report sections an enquiry may concern, newest report first."""
    items = [
        s.SectionOut(
            id=section.id,
            year=section.report.year,
            number=section.number,
            heading=section.heading,
            level=section.level,
        )
        for section in tickets.report_sections(db.session)
    ]
    return json_response(s.SectionList(items=items).model_dump(mode="json"))


def mailbox_out(found: mailbox.MailboxFigures) -> s.MailboxFiguresOut:
    """Return the dashboard's numbers as the API shows them."""
    return s.MailboxFiguresOut(
        year=found.year,
        total=found.total,
        total_by_month=list(found.total_by_month),
        by_kind={kind.value: list(v) for kind, v in found.by_kind.items()},
        by_channel={channel.value: list(v) for channel, v in found.by_channel.items()},
        by_department={str(d): list(v) for d, v in found.by_department.items()},
        median_first_response=found.median_first_response,
        median_answer=found.median_answer,
        answered_on_time=found.answered_on_time,
        answered_late=found.answered_late,
        overdue_unanswered=found.overdue_unanswered,
        on_time_share=found.on_time_share,
        satisfaction={rating.value: count for rating, count in found.satisfaction.items()},
    )


def cells(row: annual.Row) -> dict[str, int]:
    return {column.key: value for column, value in zip(annual.COLUMNS, row.cells, strict=True)}


def annual_out(table: annual.AnnualTable) -> s.AnnualTableOut:
    """Return table 三 as the API shows it: rows of cells named by column."""
    columns = {column.key: column.label for column in annual.COLUMNS}
    rows = [
        s.AnnualRowOut(
            key=row.key, label=row.label, cells=dict(zip(columns, row.cells, strict=True))
        )
        for row in table.rows
    ]
    return s.AnnualTableOut(
        year=table.year, columns=columns, rows=rows, problems=list(table.problems)
    )


FIGURE_ERRORS = (401, 403, 422, 429)


@bp.get("/figures/dashboard", endpoint="dashboard_figures")
@documented(
    summary="The dashboard's figures for a year",
    query=s.FiguresQuery,
    response=s.MailboxFiguresOut,
    errors=FIGURE_ERRORS,
)
def dashboard_figures() -> Response:
    """Return a year's mailbox figures (supervisors: their department only)."""
    query = parse_query(s.FiguresQuery)
    with domain_errors():
        department = access.figures_department(api_user(), query.department_id)
    calendar = policy_from_config(current_app.config, session=db.session).calendar
    found = figures.mailbox_figures(
        db.session,
        query.year,
        today=clock.beijing_today(utcnow()),
        calendar=calendar,
        department_id=department,
    )
    return json_response(mailbox_out(found).model_dump(mode="json"))


@bp.get("/figures/annual", endpoint="annual_figures")
@documented(
    summary="Table 三 of the annual report for a year",
    query=s.FiguresQuery,
    response=s.AnnualTableOut,
    errors=FIGURE_ERRORS,
)
def annual_figures() -> Response:
    """Return table 三 for a year (supervisors: their department only)."""
    query = parse_query(s.FiguresQuery)
    with domain_errors():
        department = access.figures_department(api_user(), query.department_id)
    table = figures.annual_table(db.session, query.year, department)
    return json_response(annual_out(table).model_dump(mode="json"))
