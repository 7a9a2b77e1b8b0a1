"""Administration of departments: list with ticket counts, create, edit, deactivate, default,
delete (refused while anything refers to the department)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from enquiry.domain import admin
from enquiry.domain.queries import admin as admin_queries
from enquiry.extensions import db
from enquiry.models import Department, Role, utcnow
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.forms import DepartmentForm, NewDepartmentForm, error_status, show_error
from enquiry.staff.blueprint import bp
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

# Two admins creating the same code at once: the loser's insert breaks the unique index.
CODE_TAKEN = admin.ConflictError("Another department already has this code.", field="code")
REFERENCE_LABELS = {
    "tickets": _l("Tickets"),
    "users": _l("Users"),
    "routing_rules": _l("Routing rules"),
    "canned_replies": _l("Canned replies"),
}


@bp.get("/admin/departments")
@role_required(Role.ADMIN)
def admin_departments() -> str:
    """List the departments with their ticket counts."""
    counts = admin_queries.ticket_counts(db.session)
    locale = current_locale()
    rows = [
        {
            "url": url_for("staff.admin_edit_department", department_id=department.id),
            "code": department.code,
            "name": department.name_for(locale),
            "name_zh": department.name_zh,
            "email": department.email,
            "is_active": department.is_active,
            "is_default": department.is_default,
            "tickets": counts.get(department.id, (0, 0))[0],
            "open_tickets": counts.get(department.id, (0, 0))[1],
        }
        for department in admin_queries.departments_by_code(db.session)
    ]
    return render_template("staff/admin/departments.html", rows=rows)


def department_fields(form: DepartmentForm) -> admin.DepartmentFields:
    return admin.DepartmentFields(
        name_zh=form.name_zh.data or "",
        name_en=form.name_en.data or "",
        name_ug=form.name_ug.data or "",
        email=form.email.data or None,
    )


@bp.route("/admin/departments/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_create_department() -> tuple[str, int] | Response:
    """Create a department."""
    form = NewDepartmentForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("staff/admin/department_new.html", form=form), status
    try:
        department = admin.create_department(
            db.session,
            form.code.data or "",
            department_fields(form),
            actor=actor_for(current_staff()),
            now=utcnow(),
        )
        db.session.commit()
    except (admin.AdminError, IntegrityError) as error:
        db.session.rollback()
        refusal = error if isinstance(error, admin.AdminError) else CODE_TAKEN
        show_error(form, refusal)
        return render_template("staff/admin/department_new.html", form=form), error_status(refusal)
    flash(_("The department %(code)s has been created.", code=department.code), "success")
    return redirect(url_for("staff.admin_departments"))


def load_department(department_id: int) -> Department:
    department = admin_queries.department_by_id(db.session, department_id)
    if department is None:
        abort(404)
    return department


def department_form(department: Department) -> DepartmentForm:
    """Return the edit form: the request's values when posted, else the department's."""
    return DepartmentForm(
        name_zh=department.name_zh,
        name_en=department.name_en,
        name_ug=department.name_ug,
        email=department.email or "",
    )


def references(department: Department) -> list[dict[str, Any]]:
    """Return what refers to the department, with labels, for its page."""
    counts = admin.department_references(db.session, department)
    return [
        {"label": REFERENCE_LABELS.get(table, table), "count": count}
        for table, count in sorted(counts.items())
    ]


def render_department(
    department: Department, form: DepartmentForm, status: int = 200, problem: str | None = None
) -> tuple[str, int]:
    """Render a department's page: the edit form, what refers to it, and its actions."""
    return render_template(
        "staff/admin/department_edit.html",
        department=department,
        name=department.name_for(current_locale()),
        form=form,
        references=references(department),
        problem=problem,
    ), status


@bp.route("/admin/departments/<id:department_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_edit_department(department_id: int) -> tuple[str, int] | Response:
    """Change a department's names and e-mail address."""
    department = load_department(department_id)
    form = department_form(department)
    if not form.validate_on_submit():
        return render_department(department, form, 400 if request.method == "POST" else 200)
    try:
        changed = admin.update_department(
            db.session,
            department,
            department_fields(form),
            actor=actor_for(current_staff()),
            now=utcnow(),
        )
    except admin.AdminError as error:
        db.session.rollback()
        return render_department(department, form, error_status(error), show_error(form, error))
    db.session.commit()
    flash(_("The changes have been saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("staff.admin_edit_department", department_id=department.id))


def department_action(
    department_id: int, verb: Callable[..., Any], done: str, then: str | None = None
) -> tuple[str, int] | Response:
    """Apply an action to a department, then go on (or show its page with a 409 when refused)."""
    department = load_department(department_id)
    try:
        changed = verb(db.session, department, actor=actor_for(current_staff()), now=utcnow())
    except admin.AdminError as error:
        db.session.rollback()
        message = _(error.message, **error.params)
        status = error_status(error)
        return render_department(department, department_form(department), status, message)
    db.session.commit()
    flash(done if changed is not False else _("Nothing was changed."), "success")
    if then is not None:
        return redirect(url_for(then))
    return redirect(url_for("staff.admin_edit_department", department_id=department_id))


@bp.post("/admin/departments/<id:department_id>/deactivate")
@role_required(Role.ADMIN)
def admin_deactivate_department(department_id: int) -> tuple[str, int] | Response:
    """Deactivate a department: no new tickets, rules or users go to it."""
    verb = functools.partial(admin.set_department_active, is_active=False)
    return department_action(department_id, verb, _("The department has been deactivated."))


@bp.post("/admin/departments/<id:department_id>/reactivate")
@role_required(Role.ADMIN)
def admin_reactivate_department(department_id: int) -> tuple[str, int] | Response:
    """Reactivate a department."""
    verb = functools.partial(admin.set_department_active, is_active=True)
    return department_action(department_id, verb, _("The department has been reactivated."))


@bp.post("/admin/departments/<id:department_id>/make-default")
@role_required(Role.ADMIN)
def admin_make_default_department(department_id: int) -> tuple[str, int] | Response:
    """Make the department the one tickets go to when no rule matches."""
    done = _("Tickets that no rule matches now go to this department.")
    return department_action(department_id, admin.make_default, done)


@bp.post("/admin/departments/<id:department_id>/delete")
@role_required(Role.ADMIN)
def admin_delete_department(department_id: int) -> tuple[str, int] | Response:
    """Delete a department nothing refers to."""
    done = _("The department has been deleted.")
    return department_action(
        department_id, admin.delete_department, done, "staff.admin_departments"
    )
