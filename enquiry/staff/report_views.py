"""Table 四 downloads and the draft of the whole annual report (HTML and DOCX)."""

from __future__ import annotations

from flask import Response, render_template, url_for

from enquiry.extensions import db
from enquiry.reporting import annual, draft, table4
from enquiry.reporting.draft_data import draft_for
from enquiry.reporting.draft_docx import draft_docx
from enquiry.reporting.table4_export import table4_csv, table4_xlsx
from enquiry.reporting.table4_facts import table_four
from enquiry.staff.access import role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.clock_views import beijing_today
from enquiry.staff.stats_views import (
    FIGURE_ROLES,
    XLSX_TYPE,
    Scope,
    _department_arg,
    _download,
    _id,
    figures_scope,
    scope_name,
    valid_year,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _table4(year: int) -> tuple[table4.Table4, Scope]:
    scope = figures_scope(valid_year(year))
    return table_four(db.session, year, department_id=_id(scope)), scope


@bp.get("/reports/annual/<id:year>/table4.csv", endpoint="table4_csv")
@role_required(*FIGURE_ROLES)
def table4_csv_download(year: int) -> Response:
    """Table 四 as CSV."""
    table, _scope = _table4(year)
    return _download(table4_csv(table), "text/csv; charset=utf-8", f"table4-{year}.csv")


@bp.get("/reports/annual/<id:year>/table4.xlsx", endpoint="table4_xlsx")
@role_required(*FIGURE_ROLES)
def table4_xlsx_download(year: int) -> Response:
    """Table 四 as an XLSX workbook."""
    table, scope = _table4(year)
    title = f"{scope_name(scope)} {year}年 {table4.TITLE}"
    return _download(table4_xlsx(table, title), XLSX_TYPE, f"table4-{year}.xlsx")


def _draft(year: int) -> tuple[draft.Draft, Scope]:
    scope = figures_scope(valid_year(year))
    # The report is written in Chinese whatever the reader's language.
    office = scope.department.name_zh if scope.department else scope_name(scope)
    built = draft_for(
        db.session, year, office=office, today=beijing_today(), department_id=_id(scope)
    )
    return built, scope


@bp.get("/reports/annual/<id:year>/draft", endpoint="annual_draft")
@role_required(*FIGURE_ROLES)
def annual_draft(year: int) -> str:
    """The whole report in the template's six parts: tables filled, gaps marked for people."""
    built, scope = _draft(year)
    args = _department_arg(scope)
    return render_template(
        "staff/annual_draft.html",
        draft=built,
        year=year,
        annual=annual,
        table4=table4,
        docx_url=url_for("staff.annual_draft_docx", year=year, **args),
        table_url=url_for("staff.annual_report", year=year, **args),
    )


@bp.get("/reports/annual/<id:year>/draft.docx", endpoint="annual_draft_docx")
@role_required(*FIGURE_ROLES)
def annual_draft_docx(year: int) -> Response:
    """The draft as a Word document."""
    built, _scope = _draft(year)
    return _download(draft_docx(built), DOCX_TYPE, f"annual-report-{year}-draft.docx")
