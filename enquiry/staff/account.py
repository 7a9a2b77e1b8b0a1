"""A user's own account (password, one-time password) and the admins' security settings."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user
from werkzeug.wrappers import Response

from enquiry.domain.accounts import passwords, totp
from enquiry.extensions import db
from enquiry.models import Role, utcnow
from enquiry.staff import notifications_views
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.auth import account_rate_limit
from enquiry.staff.blueprint import bp
from enquiry.staff.forms import ROLE_LABELS, ChangePasswordForm, SecuritySettingsForm, TotpForm
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)


@bp.get("/account")
def account() -> str:
    """Show the user's account and what they can change."""
    user = current_staff()
    department = user.department.name_for(current_locale()) if user.department else None
    return render_template(
        "staff/account.html",
        user=user,
        role=ROLE_LABELS[user.role],
        department=department,
        is_totp_required=user.role in totp.required_roles(db.session),
        notify_form=notifications_views.mode_form(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@account_rate_limit
def change_password() -> str | Response:
    """Change the password, given the current one; other sessions of the user end."""
    user = current_staff()
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("staff/change_password.html", form=form)
    current, new = form.current_password.data or "", form.new_password.data or ""
    try:
        passwords.change_password(
            db.session, user, current, new, actor=actor_for(user), now=utcnow()
        )
    except passwords.WrongPasswordError:
        db.session.commit()  # the refused attempt is recorded
        form.current_password.errors.append(_("The current password is not correct."))
        return render_template("staff/change_password.html", form=form)
    db.session.commit()
    login_user(user)  # the session follows the new password; older sessions are now invalid
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("staff.account"))


@bp.route("/account/totp", methods=["GET", "POST"])
@account_rate_limit
def enrol_totp() -> str | Response:
    """Set up a one-time password: show a new secret, then confirm it with a code."""
    user = current_staff()
    if user.has_totp:
        return render_template("staff/enrol_totp.html", is_enrolled=True)
    secret = totp.enrolment_secret(db.session, user)
    db.session.commit()  # two tabs opened at once show the same secret
    form = TotpForm()
    if form.validate_on_submit():
        try:
            totp.enrol(
                db.session, user, secret, form.code.data or "", actor=actor_for(user), now=utcnow()
            )
        except totp.WrongCodeError:
            form.code.errors.append(_("The code is not correct. Check the time on your device."))
        else:
            db.session.commit()
            flash(_("One-time passwords are now required when you sign in."), "success")
            return redirect(url_for("staff.account"))
    return render_enrolment(form, secret, user.email)


def render_enrolment(form: TotpForm, secret: str, email: str) -> str:
    """Show the secret to enrol, as groups of four and as a QR code's URI, with the form."""
    issuer = str(current_app.config.get("TOTP_ISSUER", totp.DEFAULT_ISSUER))
    return render_template(
        "staff/enrol_totp.html",
        is_enrolled=False,
        form=form,
        secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
        uri=totp.provisioning_uri(secret, email, issuer),
    )


@bp.post("/account/totp/cancel")
def cancel_totp() -> Response:
    """Drop the secret shown for enrolment; the next visit shows a new one."""
    if totp.cancel_enrolment(db.session, current_staff()):
        db.session.commit()
    flash(_("The set-up of the one-time password was cancelled."), "info")
    return redirect(url_for("staff.account"))


@bp.route("/admin/security", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def security_settings() -> str | Response:
    """Let an admin choose the roles that must use one-time passwords."""
    form = SecuritySettingsForm()
    if request.method == "GET":
        required = totp.required_roles(db.session)
        for role, field in form.role_fields().items():
            field.data = role in required
    if not form.validate_on_submit():
        return render_template("staff/security_settings.html", form=form)
    roles = [role for role, field in form.role_fields().items() if field.data]
    actor = actor_for(current_staff())
    totp.require_for_roles(db.session, roles, actor=actor, now=utcnow())
    db.session.commit()
    flash(_("The security settings have been saved."), "success")
    return redirect(url_for("staff.security_settings"))
