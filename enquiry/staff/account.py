"""A user's own account (password, one-time password) and the admins' security settings."""

from __future__ import annotations

import logging

import pyotp
import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user
from werkzeug.wrappers import Response

from enquiry.audit import record
from enquiry.domain.accounts import end_sessions, hash_password, verify_password
from enquiry.extensions import db
from enquiry.models import Role, User, utcnow
from enquiry.models.settings import TOTP_REQUIRED_ROLES, put_setting
from enquiry.staff.access import actor_for, current_staff, role_required, totp_required_roles
from enquiry.staff.auth import account_rate_limit, matching_totp_step
from enquiry.staff.blueprint import bp
from enquiry.staff.forms import ROLE_LABELS, ChangePasswordForm, SecuritySettingsForm, TotpForm
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

DEFAULT_TOTP_ISSUER = "Enquiry"


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
        is_totp_required=user.role in totp_required_roles(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@account_rate_limit
def change_password() -> str | Response:
    """Change the password, given the current one; other sessions of the user end."""
    user = current_staff()
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("staff/change_password.html", form=form)
    now = utcnow()
    if not verify_password(user.password_hash, form.current_password.data or ""):
        record(db.session, action="auth.password_change_failed", actor=actor_for(user), now=now)
        db.session.commit()
        form.current_password.errors.append(_("The current password is not correct."))
        return render_template("staff/change_password.html", form=form)
    user.password_hash = hash_password(form.new_password.data or "")
    end_sessions(db.session, user)
    record(db.session, action="auth.password_changed", actor=actor_for(user), now=now)
    db.session.commit()
    login_user(user)  # the session follows the new password; older sessions are now invalid
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("staff.account"))


def enrolment_secret(user: User) -> str:
    """Return the secret being enrolled, creating one the first time."""
    # Kept on the user's row, never in the session cookie, which the browser can read. Set only
    # if still empty, so that two tabs opened at once show the same key.
    if user.totp_pending_secret is None:
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id, User.totp_pending_secret.is_(None))
            .values(totp_pending_secret=pyotp.random_base32())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        db.session.refresh(user, ["totp_pending_secret"])
    assert user.totp_pending_secret is not None
    return user.totp_pending_secret


def provisioning_uri(secret: str, email: str) -> str:
    """Return the otpauth:// URI an authenticator app reads."""
    issuer = str(current_app.config.get("TOTP_ISSUER", DEFAULT_TOTP_ISSUER))
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


@bp.route("/account/totp", methods=["GET", "POST"])
@account_rate_limit
def enrol_totp() -> str | Response:
    """Set up a one-time password: show a new secret, then confirm it with a code."""
    user = current_staff()
    if user.has_totp:
        return render_template("staff/enrol_totp.html", is_enrolled=True)
    secret = enrolment_secret(user)
    form = TotpForm()
    if form.validate_on_submit():
        now = utcnow()
        step = matching_totp_step(secret, form.code.data or "", now, None)
        if step is not None:
            user.totp_secret, user.totp_pending_secret = secret, None
            user.totp_last_step = step
            record(db.session, action="auth.totp_enrolled", actor=actor_for(user), now=now)
            db.session.commit()
            flash(_("One-time passwords are now required when you sign in."), "success")
            return redirect(url_for("staff.account"))
        form.code.errors.append(_("The code is not correct. Check the time on your device."))
    return render_template(
        "staff/enrol_totp.html",
        is_enrolled=False,
        form=form,
        secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
        uri=provisioning_uri(secret, user.email),
    )


@bp.post("/account/totp/cancel")
def cancel_totp() -> Response:
    """Drop the secret shown for enrolment; the next visit shows a new one."""
    user = current_staff()
    if user.totp_pending_secret is not None:
        user.totp_pending_secret = None
        db.session.commit()
    flash(_("The set-up of the one-time password was cancelled."), "info")
    return redirect(url_for("staff.account"))


@bp.route("/admin/security", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def security_settings() -> str | Response:
    """Let an admin choose the roles that must use one-time passwords."""
    form = SecuritySettingsForm()
    before = sorted(role.value for role in totp_required_roles())
    if request.method == "GET":
        for role, field in form.role_fields().items():
            field.data = role.value in before
    if not form.validate_on_submit():
        return render_template("staff/security_settings.html", form=form)
    after = sorted(role.value for role, field in form.role_fields().items() if field.data)
    now = utcnow()
    put_setting(db.session, TOTP_REQUIRED_ROLES, after, now=now)
    detail = {"key": TOTP_REQUIRED_ROLES, "before": before, "after": after}
    record(
        db.session,
        action="settings.changed",
        actor=actor_for(current_staff()),
        now=now,
        detail=detail,
    )
    db.session.commit()
    flash(_("The security settings have been saved."), "success")
    return redirect(url_for("staff.security_settings"))
