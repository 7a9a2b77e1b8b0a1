"""Administrators enter next year's State Council holiday notice on one page."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from enquiry.domain.admin import calendar_notice
from enquiry.extensions import db
from enquiry.models import Role, utcnow
from enquiry.rules import clock as clock_rules
from enquiry.rules import holiday_notice
from enquiry.rules.holiday_notice import NoticeProblem
from enquiry.staff import clock_forms
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.blueprint import bp

logger = logging.getLogger(__name__)

PROBLEMS = {
    holiday_notice.BAD_LINE: _l(
        "Line %(line)d: write a date or a range, then 休 or 班, then the name: “%(text)s”"
    ),
    holiday_notice.BAD_DATE: _l("Line %(line)d: not a real date: “%(text)s”"),
    holiday_notice.BAD_KIND: _l("Line %(line)d: “%(text)s” is neither 休 (off) nor 班 (work)"),
    holiday_notice.REVERSED: _l("Line %(line)d: the range ends before it starts: “%(text)s”"),
    holiday_notice.TOO_LONG_RANGE: _l("Line %(line)d: the range is too long: “%(text)s”"),
    holiday_notice.OTHER_YEAR: _l("Line %(line)d: the days are not in the notice's year"),
    holiday_notice.REPEATED_DAY: _l("Line %(line)d: %(text)s is already listed on another line"),
    holiday_notice.WEEKDAY_WORK: _l(
        "Line %(line)d: %(text)s is a weekday; a make-up working day is a Saturday or Sunday"
    ),
    holiday_notice.NEW_YEAR_WORK: _l("Line %(line)d: 1 January is never a working day"),
    holiday_notice.LONG_NAME: _l("Line %(line)d: the name is too long"),
    holiday_notice.NO_DAYS_OFF: _l("The notice lists no days off."),
    holiday_notice.TOO_LONG_TEXT: _l("The notice is too long."),
    "bad_source": _l("Say where the notice was published."),
}


def problem_message(problem: NoticeProblem) -> str:
    """Word one problem of the notice for the administrator."""
    template = PROBLEMS.get(problem.code, PROBLEMS[holiday_notice.BAD_LINE])
    return str(template) % {"line": problem.line, "text": problem.text}


def render_notice(form: clock_forms.NoticeForm, status: int = 200) -> tuple[str, int]:
    """Render the one-page notice form, with the years it may be entered for."""
    years = calendar_notice.allowed_years(clock_rules.beijing_today(utcnow()))
    entered = {year: calendar_notice.notice_row(db.session, year) for year in years}
    page = render_template(
        "staff/calendar_notice.html",
        form=form,
        years=list(years),
        entered={year: row for year, row in entered.items() if row is not None},
    )
    return page, status


def _blank_form() -> clock_forms.NoticeForm:
    reminder = calendar_notice.reminder(db.session, utcnow())
    return clock_forms.NoticeForm(formdata=None, year=reminder.year)


@bp.get("/admin/calendar/notice", endpoint="calendar_notice")
@role_required(Role.ADMIN)
def calendar_notice_page() -> tuple[str, int]:
    """Show the form to enter a year's State Council holiday notice."""
    return render_notice(_blank_form())


def _save(form: clock_forms.NoticeForm) -> int | tuple[str, int]:
    """Save the notice; return the due dates moved, or the page showing what went wrong."""
    try:
        _row, moved = calendar_notice.enter_notice(
            db.session,
            str(current_app.config["CALENDAR"]),
            form.year.data,
            form.text.data,
            form.source.data,
            actor=actor_for(current_staff()),
            now=utcnow(),
        )
        db.session.commit()
    except calendar_notice.NoticeYearError:
        db.session.rollback()
        form.year.errors = [_("A notice can be entered only for a year the calendar data lacks.")]
        return render_notice(form, 400)
    except calendar_notice.NoticeInputError as error:
        db.session.rollback()
        form.form_errors.extend(problem_message(problem) for problem in error.problems)
        return render_notice(form, 400)
    except IntegrityError:  # a colleague saved the same year a moment ago
        db.session.rollback()
        form.form_errors.append(_("Another administrator saved this year meanwhile. Try again."))
        return render_notice(form, 409)
    return moved


@bp.post("/admin/calendar/notice", endpoint="enter_calendar_notice")
@role_required(Role.ADMIN)
def enter_calendar_notice() -> Response | tuple[str, int]:
    """Save a year's notice; on any problem show them all and keep what was typed."""
    form = clock_forms.NoticeForm()
    if not form.validate_on_submit():
        return render_notice(form, 400)
    moved = _save(form)
    if not isinstance(moved, int):
        return moved
    message = _(
        "Notice for %(year)d saved; %(n)d open tickets' due dates moved.",
        year=form.year.data,
        n=moved,
    )
    flash(message, "success")
    return redirect(url_for("staff.calendar_notice"), code=303)


def notice_warning() -> dict[str, Any]:
    """Return the dashboard's reminder to enter next year's notice (for admins)."""
    user = current_staff()
    if user is None or user.role is not Role.ADMIN:
        return {"notice_reminder": None}
    reminder = calendar_notice.reminder(db.session, utcnow())
    return {"notice_reminder": reminder if reminder.is_due else None}
