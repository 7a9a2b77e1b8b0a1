"""Administrators keep the regional working-day calendar: holiday overrides beside shipped ones."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from enquiry.domain.admin import calendar as calendar_admin
from enquiry.extensions import db
from enquiry.models import Role, utcnow
from enquiry.rules import deadlines
from enquiry.staff import clock_forms
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.blueprint import bp

logger = logging.getLogger(__name__)

REGION_LABELS = {
    "xinjiang": _l("Xinjiang Uygur Autonomous Region (national calendar with regional holidays)"),
    "national": _l("National calendar"),
}


def region() -> str:
    """Return the configured calendar, whose overrides this page keeps."""
    return str(current_app.config["CALENDAR"])


def render_calendar(
    form: clock_forms.OverrideForm, status: int = 200, error: str | None = None
) -> tuple[str, int]:
    """Render the page: the administrators' rows, the shipped rows and the covered years."""
    name = region()
    first, last = deadlines.verified_years()
    if error:
        form.form_errors.append(error)
    page = render_template(
        "staff/calendar.html",
        form=form,
        delete_form=clock_forms.DeleteOverrideForm(),
        region=str(REGION_LABELS.get(name, name)),
        rows=calendar_admin.override_rows(db.session, name),
        shipped=calendar_admin.shipped_entries(name),
        first_year=first,
        last_year=last,
    )
    return page, status


def overlap_message(error: deadlines.OverlappingOverrideError) -> str:
    """Say which entry already claims the day."""
    return _(
        "%(day)s already has an entry: “%(note)s” (%(source)s). Nothing was saved.",
        day=error.first.day.isoformat(),
        note=error.first.note,
        source=error.first.source,
    )


def new_override(form: clock_forms.OverrideForm) -> calendar_admin.NewOverride:
    """Return the override the form describes."""
    return calendar_admin.NewOverride(
        day=form.day.data,
        is_workday=form.kind.data == clock_forms.WORKDAY,
        note=form.note.data,
        source=form.source.data,
    )


@bp.get("/admin/calendar", endpoint="calendar")
@role_required(Role.ADMIN)
def calendar_page() -> tuple[str, int]:
    """Show the calendar's overrides and the form to add one."""
    return render_calendar(clock_forms.OverrideForm(formdata=None))


@bp.post("/admin/calendar", endpoint="add_holiday_override")
@role_required(Role.ADMIN)
def add_holiday_override() -> Response | tuple[str, int]:
    """Add an override; a day that already has one (ours or shipped) is refused."""
    form = clock_forms.OverrideForm()
    if not form.validate_on_submit():
        return render_calendar(form, 400)
    actor = actor_for(current_staff())
    try:
        _row, moved = calendar_admin.add_override(
            db.session, region(), new_override(form), actor=actor, now=utcnow()
        )
        db.session.commit()
    except calendar_admin.OverrideInputError as error:
        db.session.rollback()
        return render_calendar(form, 400, str(error))
    except deadlines.OverlappingOverrideError as error:
        db.session.rollback()
        return render_calendar(form, 400, overlap_message(error))
    except IntegrityError:  # a colleague saved the same day a moment ago
        db.session.rollback()
        return render_calendar(form, 400, _("That day already has an override."))
    flash(_("Override saved; %(n)d open tickets' due dates moved.", n=moved), "success")
    return redirect(url_for("staff.calendar"), code=303)


@bp.post("/admin/calendar/<id:override_id>/delete", endpoint="delete_holiday_override")
@role_required(Role.ADMIN)
def delete_holiday_override(override_id: int) -> Response | tuple[str, int]:
    """Remove one of the administrators' overrides."""
    row = calendar_admin.find_override(db.session, region(), override_id)
    if row is None:
        abort(404)
    if not clock_forms.DeleteOverrideForm().validate_on_submit():
        abort(400)
    moved = calendar_admin.delete_override(
        db.session, row, actor=actor_for(current_staff()), now=utcnow()
    )
    db.session.commit()
    flash(_("Override deleted; %(n)d open tickets' due dates moved.", n=moved), "success")
    return redirect(url_for("staff.calendar"), code=303)
