"""Administration: the landing page, and staff users (create, edit, deactivate, TOTP, unlock)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from enquiry.domain import admin
from enquiry.domain.accounts.passwords import generate_password
from enquiry.domain.queries.accounts import staff_users, user_by_id
from enquiry.extensions import db
from enquiry.models import Role, User, utcnow
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.forms import (
    NewUserForm,
    UserForm,
    department_choices,
    error_status,
    optional_id,
    show_error,
)
from enquiry.staff.blueprint import bp
from enquiry.staff.forms import ROLE_LABELS
from enquiry.templating import current_locale, format_time

logger = logging.getLogger(__name__)

ADMINS = frozenset({Role.ADMIN})
# (endpoint, label, who may open it, the word every endpoint of the section contains)
SECTIONS = [
    ("staff.admin_users", _l("Users"), ADMINS, "user"),
    ("staff.admin_departments", _l("Departments"), ADMINS, "department"),
    ("staff.admin_rules", _l("Routing rules"), ADMINS, "rule"),
    ("staff.admin_replies", _l("Canned replies"), ADMINS | {Role.SUPERVISOR}, "repl"),
    ("staff.admin_audit", _l("Audit record"), ADMINS, "audit"),
    ("staff.admin_webhooks", _l("Webhooks"), ADMINS, "webhook"),
    ("staff.security_settings", _l("Security"), ADMINS, "security"),
    ("staff.admin_tokens", _l("API tokens"), ADMINS, "token"),
    ("staff.calendar", _l("Working-day calendar"), ADMINS, "calendar"),
    ("staff.admin_retention", _l("Personal data retention"), ADMINS, "retention"),
    (
        "staff.admin_personal_data",
        _l("Personal data held"),
        ADMINS | {Role.SUPERVISOR},
        "personal_data",
    ),
    ("staff.admin_holds", _l("Legal holds"), ADMINS | {Role.SUPERVISOR}, "hold"),
]


@bp.context_processor
def admin_navigation() -> dict[str, Any]:
    """Return the administration sections the signed-in user may open (for the sub-menu)."""
    endpoint = request.endpoint or ""
    is_admin_page = endpoint.startswith("staff.admin") or "holiday_override" in endpoint
    if not (is_admin_page or endpoint == "staff.calendar") or not current_user.is_authenticated:
        return {}
    user = current_staff()
    sections = [
        {"url": url_for(name), "label": label, "is_current": word in endpoint}
        for name, label, roles, word in SECTIONS
        if user.role in roles
    ]
    return {"admin_sections": sections}


@bp.get("/admin", endpoint="admin")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def admin_home() -> str:
    """Show the administration sections the user may open."""
    return render_template("staff/admin/index.html")


def user_row(user: User, locale: str) -> dict[str, Any]:
    """Return what the users table shows of a user."""
    now = utcnow()
    locked = user.locked_until if user.locked_until and user.locked_until > now else None
    return {
        "url": url_for("staff.admin_edit_user", user_id=user.id),
        "name": user.display_name,
        "email": user.email,
        "role": ROLE_LABELS[user.role],
        "department": user.department.name_for(locale) if user.department else None,
        "is_active": user.is_active,
        "has_totp": user.has_totp,
        "locked_until": format_time(locked) if locked else None,
        "failed_logins": user.failed_logins,
    }


@bp.get("/admin/users")
@role_required(Role.ADMIN)
def admin_users() -> str:
    """List the staff users."""
    locale = current_locale()
    rows = [user_row(user, locale) for user in staff_users(db.session)]
    return render_template("staff/admin/users.html", rows=rows)


def user_fields(form: UserForm) -> admin.UserFields:
    return admin.UserFields(
        display_name=form.display_name.data or "",
        role=Role(form.role.data),
        department_id=optional_id(form.department),
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_create_user() -> tuple[str, int] | Response:
    """Create a user with a typed or generated initial password."""
    form = NewUserForm()
    form.department.choices = department_choices(blank=_("None"))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("staff/admin/user_new.html", form=form), status
    email, password = form.email.data or "", form.password.data or generate_password()
    actor = actor_for(current_staff())
    try:
        user = admin.create_account(
            db.session, email, user_fields(form), password, actor=actor, now=utcnow()
        )
    except admin.AdminError as error:
        db.session.rollback()
        show_error(form, error)
        return render_template("staff/admin/user_new.html", form=form), error_status(error)
    db.session.commit()
    flash(_("The user %(email)s has been created.", email=user.email), "success")
    if form.password.data:
        return redirect(url_for("staff.admin_edit_user", user_id=user.id))
    return show_generated_password(user, password)


def show_generated_password(user: User, password: str) -> Response:
    """Show a new user's page with the generated password, in this answer only."""
    # Kept nowhere, not even in the session cookie (signed, but readable by whoever holds it),
    # and never cached.
    page, _status = render_user(user, user_form(user), new_password=password)
    response = make_response(page, 201)
    response.headers["Cache-Control"] = "no-store"
    return response


def load_user(user_id: int) -> User:
    user = user_by_id(db.session, user_id)
    if user is None:
        abort(404)
    return user


def user_form(user: User) -> UserForm:
    """Return the edit form: the request's values when posted, else the user's."""
    form = UserForm(
        display_name=user.display_name,
        role=user.role.value,
        department=str(user.department_id or ""),
    )
    form.department.choices = department_choices(keep=user.department_id, blank=_("None"))
    return form


def render_user(
    user: User,
    form: UserForm,
    status: int = 200,
    problem: str | None = None,
    new_password: str | None = None,
) -> tuple[str, int]:
    """Render a user's page: details, the edit form and the account actions."""
    return render_template(
        "staff/admin/user_edit.html",
        user=user,
        row=user_row(user, current_locale()),
        form=form,
        problem=problem,
        is_self=user.id == current_staff().id,
        new_password=new_password,
        created=format_time(user.created_at),
        last_login=format_time(user.last_login_at),
    ), status


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_edit_user(user_id: int) -> tuple[str, int] | Response:
    """Change a user's name, role and department."""
    user = load_user(user_id)
    form = user_form(user)
    if not form.validate_on_submit():
        return render_user(user, form, 400 if request.method == "POST" else 200)
    try:
        changed = admin.update_account(
            db.session, user, user_fields(form), actor=actor_for(current_staff()), now=utcnow()
        )
    except admin.AdminError as error:
        db.session.rollback()
        return render_user(user, form, error_status(error), show_error(form, error))
    db.session.commit()
    flash(_("The changes have been saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("staff.admin_edit_user", user_id=user.id))


def user_action(user_id: int, verb: Callable[..., bool], done: str) -> tuple[str, int] | Response:
    """Apply an account action, then show the user's page again (409 when refused)."""
    user = load_user(user_id)
    try:
        changed = verb(db.session, user, actor=actor_for(current_staff()), now=utcnow())
    except admin.AdminError as error:
        db.session.rollback()
        message = _(error.message, **error.params)
        return render_user(user, user_form(user), error_status(error), message)
    db.session.commit()
    flash(done if changed else _("Nothing was changed."), "success")
    return redirect(url_for("staff.admin_edit_user", user_id=user.id))


@bp.post("/admin/users/<id:user_id>/deactivate")
@role_required(Role.ADMIN)
def admin_deactivate_user(user_id: int) -> tuple[str, int] | Response:
    """Deactivate a user: they can no longer sign in."""
    verb = functools.partial(admin.set_account_active, is_active=False)
    return user_action(user_id, verb, _("The user has been deactivated."))


@bp.post("/admin/users/<id:user_id>/reactivate")
@role_required(Role.ADMIN)
def admin_reactivate_user(user_id: int) -> tuple[str, int] | Response:
    """Let a deactivated user sign in again."""
    verb = functools.partial(admin.set_account_active, is_active=True)
    return user_action(user_id, verb, _("The user has been reactivated."))


@bp.post("/admin/users/<id:user_id>/reset-totp")
@role_required(Role.ADMIN)
def admin_reset_user_totp(user_id: int) -> tuple[str, int] | Response:
    """Remove a user's one-time password (a lost phone, say)."""
    message = _("The one-time password has been removed; the user can set up a new one.")
    return user_action(user_id, admin.reset_totp, message)


@bp.post("/admin/users/<id:user_id>/unlock")
@role_required(Role.ADMIN)
def admin_unlock_user(user_id: int) -> tuple[str, int] | Response:
    """Clear a user's failed sign-ins and lockout."""
    return user_action(user_id, admin.unlock_account, _("The account has been unlocked."))
