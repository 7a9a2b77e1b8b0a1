"""Figures for supervisors (their department) and admins (everyone): table 三 and the dashboard."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectChoice, SelectField

from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Department, Role, utcnow
from enquiry.reporting import annual, charts, mailbox
from enquiry.reporting import figures as stats
from enquiry.reporting.dashboard import dashboard_charts, dashboard_rows
from enquiry.reporting.scope import department_names, figure_departments
from enquiry.rules import deadlines
from enquiry.staff import calendar_notice_views, exports
from enquiry.staff.access import current_staff, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.table4_context import table4_context
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

FIRST_YEAR = 2008  # the 2008 Regulations came into force on 1 May 2008
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURE_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def this_year() -> int:
    return utcnow().astimezone(deadlines.BEIJING).year


def valid_year(year: int) -> int:
    """Return the year, or abort 404 for one the office cannot have figures for."""
    if not FIRST_YEAR <= year <= this_year():
        abort(404)
    return year


class FiguresFilterForm(Form):
    """Year and department of the figures (GET parameters)."""

    year = SelectField(_l("Year"), coerce=int, validate_choice=True)
    department = SelectField(_l("Department"), validate_choice=True, default="")


@dataclass(frozen=True)
class Scope:
    """The figures asked for: a year, and a department or (None) the whole office."""

    year: int
    department: Department | None
    form: FiguresFilterForm


def figures_scope(default_year: int) -> Scope:
    """Read year and department from the query; supervisors only ever get their department."""
    user = current_staff()
    if user.role is not Role.ADMIN and user.department_id is None:
        abort(403)
    departments = figure_departments(db.session, user)
    form = FiguresFilterForm(request.args)
    form.year.choices = [(y, str(y)) for y in range(this_year(), FIRST_YEAR - 1, -1)]
    locale = current_locale()
    choices = [SelectChoice(str(d.id), d.name_for(locale)) for d in departments]
    if user.role is Role.ADMIN:
        choices.insert(0, SelectChoice("", _("All departments")))
    form.department.choices = choices
    if "year" not in request.args:
        form.year.data = default_year
    if user.role is not Role.ADMIN:
        form.department.data = str(user.department_id)
    if not form.validate():
        abort(400)
    chosen = [d for d in departments if str(d.id) == form.department.data]
    return Scope(form.year.data, chosen[0] if chosen else None, form)


def scope_name(scope: Scope) -> str:
    if scope.department is None:
        return str(current_app.config["OFFICE_NAME"])
    return scope.department.name_for(current_locale())


# Table 三


@bp.get("/reports/annual", endpoint="annual_report_latest")
@role_required(*FIGURE_ROLES)
def annual_report_latest() -> Any:
    """Go to last year's table: the one the report due by 31 January is about."""
    return redirect(url_for("staff.annual_report", year=this_year() - 1, **query_args()))


@bp.get("/reports/annual/<id:year>", endpoint="annual_report")
@role_required(*FIGURE_ROLES)
def annual_report(year: int) -> str:
    """Table 三 for a year, laid out as in the template, with the column check."""
    scope = figures_scope(valid_year(year))
    table = stats.annual_table(db.session, year, department_id=_id(scope))
    checks = annual.column_checks(table)
    args = _department_arg(scope)
    return render_template(
        "staff/annual.html",
        table=table,
        rows=annual.layout(table),
        checks=checks,
        failing=[c.column.label for c in checks if not c.is_ok],
        annual=annual,
        scope_name=scope_name(scope),
        csv_url=url_for("staff.annual_report_csv", year=year, **args),
        xlsx_url=url_for("staff.annual_report_xlsx", year=year, **args),
        year_links=_year_links(year, args),
        **table4_context(year, _id(scope), args),
    )


@bp.get("/reports/annual/<id:year>.csv", endpoint="annual_report_csv")
@role_required(*FIGURE_ROLES)
def annual_report_csv(year: int) -> Response:
    """Table 三 as CSV."""
    scope = figures_scope(valid_year(year))
    table = stats.annual_table(db.session, year, department_id=_id(scope))
    return _download(exports.annual_csv(table), "text/csv; charset=utf-8", f"table3-{year}.csv")


@bp.get("/reports/annual/<id:year>.xlsx", endpoint="annual_report_xlsx")
@role_required(*FIGURE_ROLES)
def annual_report_xlsx(year: int) -> Response:
    """Table 三 as an XLSX workbook."""
    scope = figures_scope(valid_year(year))
    table = stats.annual_table(db.session, year, department_id=_id(scope))
    title = f"{scope_name(scope)} {year}年 {annual.TITLE}"
    return _download(exports.annual_xlsx(table, title), XLSX_TYPE, f"table3-{year}.xlsx")


def _department_arg(scope: Scope) -> dict[str, Any]:
    return {"department": scope.department.id} if scope.department else {}


def _id(scope: Scope) -> int | None:
    return scope.department.id if scope.department else None


def _year_links(year: int, args: dict[str, Any]) -> list[dict[str, Any]]:
    years = [y for y in (year - 1, year + 1) if FIRST_YEAR <= y <= this_year()]
    return [{"year": y, "url": url_for("staff.annual_report", year=y, **args)} for y in years]


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, content_type=mimetype)  # as given: mimetype= adds a 2nd charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# The dashboard


def _figures(scope: Scope) -> mailbox.MailboxFigures:
    today = utcnow().astimezone(deadlines.BEIJING).date()
    calendar = policy_from_config(current_app.config).calendar
    return stats.mailbox_figures(
        db.session, scope.year, today=today, calendar=calendar, department_id=_id(scope)
    )


@bp.get("/dashboard", endpoint="dashboard")
@role_required(*FIGURE_ROLES)
def dashboard() -> str:
    """The mailbox figures of a year as charts, each with its data table."""
    scope = figures_scope(this_year())
    figures = _figures(scope)
    share = figures.on_time_share
    return render_template(
        "staff/dashboard.html",
        form=scope.form,
        scope_name=scope_name(scope),
        figures=figures,
        charts=dashboard_charts(figures, _department_names()),
        medians={
            "first": charts.format_number(figures.median_first_response),
            "answer": charts.format_number(figures.median_answer),
        },
        on_time_share=f"{share:.0%}" if share is not None else "–",
        csv_url=url_for("staff.dashboard_csv", **query_args()),
        annual_url=url_for("staff.annual_report", year=scope.year, **_department_arg(scope)),
        **calendar_notice_views.notice_warning(),
    )


@bp.get("/dashboard.csv", endpoint="dashboard_csv")
@role_required(*FIGURE_ROLES)
def dashboard_csv() -> Response:
    """The dashboard's figures as CSV."""
    scope = figures_scope(this_year())
    figures = _figures(scope)
    rows = dashboard_rows(figures, _department_names())
    filename = f"mailbox-{scope.year}.csv"
    return _download(exports.csv_bytes(rows), "text/csv; charset=utf-8", filename)


def query_args() -> dict[str, Any]:
    return request.args.to_dict()


def _department_names() -> dict[int, str]:
    return department_names(db.session, current_locale())
