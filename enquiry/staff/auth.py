"""Staff sign-in: password, then a one-time password when enrolled; lockout; sign-out."""

from __future__ import annotations

import hmac
import logging
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pyotp
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_user
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from enquiry.audit import record
from enquiry.domain.accounts import end_sessions, verify_password
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
DEFAULT_LOCKOUT_THRESHOLD = 5
DEFAULT_LOCKOUT_MINUTES = 15
PENDING_KEY = "staff_pending"  # between the password and the one-time password
SECOND_STEP_SECONDS = 300


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the active user of a session id ("id:generation:fingerprint"), or None."""
    user_id = session_id.partition(":")[0]
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active:
        return None
    # A raised session generation or a changed password ends every older session.
    return user if hmac.compare_digest(user.get_id(), session_id) else None


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


@cache
def _dummy_hash() -> str:
    from enquiry.domain.accounts import hash_password

    return hash_password("a password no account has")


def lockout_policy() -> tuple[int, timedelta]:
    """Return how many failures lock an account, and for how long."""
    config = current_app.config
    threshold = int(config.get("LOGIN_LOCKOUT_THRESHOLD", DEFAULT_LOCKOUT_THRESHOLD))
    minutes = int(config.get("LOGIN_LOCKOUT_MINUTES", DEFAULT_LOCKOUT_MINUTES))
    return threshold, timedelta(minutes=minutes)


def invalid_login_message() -> str:
    """The one message for an unknown address, a wrong password and a locked account."""
    threshold, duration = lockout_policy()
    return _(
        "The e-mail address or password is not correct. After %(n)d failed attempts an account"
        " is locked for %(m)d minutes.",
        n=threshold,
        m=int(duration.total_seconds() // 60),
    )


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def register_failure(user: User, now: datetime, *, reason: str) -> bool:
    """Count a failed attempt, locking the account at the threshold; True when now locked."""
    # Counted in SQL, so that attempts running at the same time all count.
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["failed_logins"])
    failures = user.failed_logins
    detail: dict[str, Any] = {"reason": reason, "failures": failures}
    record(db.session, action="auth.login_failed", actor=actor_for(user), now=now, detail=detail)
    threshold, duration = lockout_policy()
    if failures < threshold:
        return False
    user.locked_until = now + duration
    user.failed_logins = 0  # a fresh allowance once the lock ends
    detail = {"failures": failures, "until": user.locked_until.isoformat()}
    record(db.session, action="auth.lockout", actor=actor_for(user), now=now, detail=detail)
    return True


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """Return the user when the password is right and the account usable; audit failures."""
    address = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None or not user.is_active:
        verify_password(_dummy_hash(), password)  # take as long as a real check
        reason = "unknown" if user is None else "inactive"
        detail: dict[str, Any] = {"email": address, "reason": reason}
        record(
            db.session, action="auth.login_failed", actor=actor_for(None), now=now, detail=detail
        )
        return None
    is_correct = verify_password(user.password_hash, password)
    if is_locked(user, now):
        detail = {"until": user.locked_until.isoformat() if user.locked_until else None}
        record(
            db.session, action="auth.login_locked", actor=actor_for(user), now=now, detail=detail
        )
        return None
    if not is_correct:
        register_failure(user, now, reason="password")
        return None
    user.failed_logins = 0
    user.locked_until = None
    return user


def matching_totp_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """Return the 30 s step a code belongs to (now or one step either side), unless used."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue  # that step, or an earlier one, was already used: a replay
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def complete_login(user: User, now: datetime) -> None:
    """Start the authenticated session and record it."""
    end_session()  # a fresh session: nothing from before the login survives but the language
    login_user(user)
    mark_seen(now)
    user.last_login_at = now
    record(db.session, action="auth.login", actor=actor_for(user), now=now)


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
    user = authenticate(form.email.data or "", form.password.data or "", now=now)
    if user is None:
        db.session.commit()
        form.form_errors.append(invalid_login_message())
        return render_template("staff/login.html", form=form)
    next_url = safe_next(form.next.data)
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
    assert user.totp_secret is not None  # pending_user only returns enrolled users
    step = matching_totp_step(user.totp_secret, form.code.data or "", now, user.totp_last_step)
    if step is None:
        is_now_locked = register_failure(user, now, reason="totp")
        db.session.commit()
        if is_now_locked:
            session.pop(PENDING_KEY, None)
            flash(invalid_login_message(), "error")
            return redirect(url_for("staff.login"))
        form.code.errors.append(_("The code is not correct, or it was already used."))
        return render_template("staff/login_totp.html", form=form)
    next_url = safe_next(session.get(PENDING_KEY, {}).get("next"))
    user.totp_last_step = step
    user.failed_logins = 0
    complete_login(user, now)
    db.session.commit()
    return redirect(landing(user, next_url))


@bp.post("/logout")
def logout() -> Response:
    """Sign out (POST only, so that no link or image can do it), on every device."""
    user = current_staff()
    record(db.session, action="auth.logout", actor=actor_for(user), now=utcnow())
    end_sessions(db.session, user)  # a copy of this session's cookie stops working too
    db.session.commit()
    end_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("staff.login"))
