"""Staff sign-in: password, then a one-time password when enrolled; lockout; sign-out."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from enquiry.audit import record
from enquiry.domain.accounts import sessions
from enquiry.domain.accounts.login import (
    LockoutPolicy,
    LoginRefusedError,
    authenticate,
    is_locked,
    verify_second_step,
)
from enquiry.domain.accounts.totp import WrongCodeError
from enquiry.extensions import db, limiter, login_manager
from enquiry.models import User, utcnow
from enquiry.redirects import safe_next
from enquiry.staff.access import (
    actor_for,
    current_staff,
    end_session,
    mark_seen,
    needs_totp_enrolment,
)
from enquiry.staff.blueprint import bp
from enquiry.staff.forms import LoginForm, TotpForm

logger = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT = "10 per minute"
PENDING_KEY = "staff_pending"  # between the password and the one-time password
SECOND_STEP_SECONDS = 300


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the active user of a session id, or None (Flask-Login's user loader)."""
    return sessions.user_for_session_id(db.session, session_id)


def login_rate_limit_value() -> str:
    return str(current_app.config.get("LOGIN_RATE_LIMIT", DEFAULT_RATE_LIMIT))


def record_rate_limited(limit: RequestLimit) -> None:
    """Audit a sign-in request refused by the rate limit."""
    detail = {"limit": str(limit.limit), "endpoint": request.endpoint}
    record(
        db.session, action="auth.rate_limited", actor=actor_for(None), now=utcnow(), detail=detail
    )
    db.session.commit()


# Per address: a whole office behind one NAT address shares it, so keep LOGIN_RATE_LIMIT generous
# enough for the morning rush; the per-account lockout is what stops guessing one password.
login_rate_limit = limiter.shared_limit(
    login_rate_limit_value, scope="staff-login", methods=["POST"], on_breach=record_rate_limited
)


def signed_in_key() -> str:
    """Rate-limit key for signed-in actions: the user, not the (maybe shared) address."""
    user_id = current_user.get_id() if current_user.is_authenticated else None
    return f"user:{user_id}" if user_id else f"addr:{request.remote_addr}"


# Password checks made from inside a session (password change, enrolment), counted per user.
account_rate_limit = limiter.shared_limit(
    login_rate_limit_value,
    scope="staff-account",
    key_func=signed_in_key,
    methods=["POST"],
    on_breach=record_rate_limited,
)


def lockout_policy() -> LockoutPolicy:
    """Return how many failures lock an account, and for how long, as configured."""
    return LockoutPolicy.from_config(current_app.config)


def invalid_login_message() -> str:
    """The one message for an unknown address, a wrong password and a locked account."""
    policy = lockout_policy()
    return _(
        "The e-mail address or password is not correct. After %(n)d failed attempts an account"
        " is locked for %(m)d minutes.",
        n=policy.threshold,
        m=policy.minutes,
    )


def complete_login(user: User, now: datetime) -> None:
    """Start the authenticated session and record it."""
    end_session()  # a fresh session: nothing from before the login survives but the language
    login_user(user)
    mark_seen(now)
    sessions.sign_in(db.session, user, actor=actor_for(user), now=now)


def landing(user: User, next_url: str | None) -> str:
    """Return where to go after signing in."""
    if needs_totp_enrolment(user):
        flash(_("Your role requires a one-time password. Please set it up now."), "warning")
        return url_for("staff.enrol_totp")
    return next_url or url_for("staff.inbox")


def pending_user(now: datetime) -> User | None:
    """Return the user who gave the right password moments ago, if any."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    since = pending.get("since")
    if not isinstance(since, int | float) or now.timestamp() - since > SECOND_STEP_SECONDS:
        return None
    user = load_user(str(pending.get("user", "")))
    if user is None or not user.has_totp or is_locked(user, now):
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@login_rate_limit
def login() -> str | Response:
    """Check e-mail and password; then ask for the one-time password, or sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.inbox"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if not form.validate_on_submit():
        return render_template("staff/login.html", form=form)
    now = utcnow()
    try:
        user = authenticate(
            db.session,
            form.email.data or "",
            form.password.data or "",
            policy=lockout_policy(),
            remote_addr=request.remote_addr,
            now=now,
        )
    except LoginRefusedError:
        db.session.commit()  # the failure is recorded and counted
        form.form_errors.append(invalid_login_message())
        return render_template("staff/login.html", form=form)
    return after_password(user, safe_next(form.next.data), now)


def after_password(user: User, next_url: str | None, now: datetime) -> Response:
    """Ask an enrolled user for the one-time password; sign anyone else in."""
    if user.has_totp:
        db.session.commit()
        pending: dict[str, Any] = {"user": user.get_id(), "since": now.timestamp()}
        pending["next"] = next_url
        session[PENDING_KEY] = pending
        return redirect(url_for("staff.login_totp"))
    complete_login(user, now)
    db.session.commit()
    return redirect(landing(user, next_url))


@bp.route("/login/totp", methods=["GET", "POST"])
@login_rate_limit
def login_totp() -> str | Response:
    """Ask for the one-time password of a user who has just given the right password."""
    now = utcnow()
    user = pending_user(now)
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("staff.login"))
    form = TotpForm()
    if not form.validate_on_submit():
        return render_template("staff/login_totp.html", form=form)
    code, actor = form.code.data or "", actor_for(user)
    try:
        verify_second_step(db.session, user, code, policy=lockout_policy(), actor=actor, now=now)
    except WrongCodeError as error:
        db.session.commit()  # the failure is recorded and counted
        return refused_code(form, is_locked=error.is_locked)
    next_url = safe_next(session.get(PENDING_KEY, {}).get("next"))
    complete_login(user, now)
    db.session.commit()
    return redirect(landing(user, next_url))


def refused_code(form: TotpForm, *, is_locked: bool) -> str | Response:
    """Ask again for the code; once the account is locked, start again from the password."""
    if is_locked:
        session.pop(PENDING_KEY, None)
        flash(invalid_login_message(), "error")
        return redirect(url_for("staff.login"))
    form.code.errors.append(_("The code is not correct, or it was already used."))
    return render_template("staff/login_totp.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Sign out (POST only, so that no link or image can do it), on every device."""
    user = current_staff()
    # Every session of the user ends: a copy of this session's cookie stops working too.
    sessions.sign_out(db.session, user, actor=actor_for(user), now=utcnow())
    db.session.commit()
    end_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("staff.login"))
