"""Who may see what in /staff: login, idle expiry, enrolment, roles, departments."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from enquiry.audit import Actor, record
from enquiry.domain.accounts import totp
from enquiry.domain.queries.access import TicketNotFoundError, load_ticket, load_ticket_to_read
from enquiry.extensions import db
from enquiry.models import Role, Ticket, User, utcnow
from enquiry.staff.blueprint import bp

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

LAST_SEEN_KEY = "staff_seen"  # POSIX time of the last staff request in this session
DEFAULT_IDLE_MINUTES = 30
# Reachable without a signed-in user: the two steps of signing in.
OPEN_ENDPOINTS = frozenset({"staff.login", "staff.login_totp"})
# Asked for by the page itself (htmx polling), not by the user: no sign of activity, and
# answered 401 (when htmx asks) rather than with the login page, which htmx would swap in.
POLLED_ENDPOINTS = frozenset({"staff.live_counts", "staff.inbox_list", "staff.presence"})
# Activity is written to the session at most this often. Each write re-sends the session cookie,
# and a cookie sent by one request overwrites what another set meanwhile (a flashed confirmation).
SEEN_GRANULARITY_SECONDS = 60
# All a user may reach while the role requires a one-time password they have not set up.
ENROLMENT_ENDPOINTS = frozenset({"staff.enrol_totp", "staff.cancel_totp", "staff.logout"})


def current_staff() -> User:
    """Return the signed-in user (only call behind the login guard)."""
    return cast(User, current_user._get_current_object())


def actor_for(user: User | None) -> Actor:
    """Return the audit actor for a user, or an anonymous one, with the remote address."""
    if user is None:
        return Actor(label="anonymous", remote_addr=request.remote_addr)
    return Actor.staff(user, remote_addr=request.remote_addr)


def login_redirect() -> Response:
    """Send the browser to the login page, remembering a GET request's page."""
    if request.method == "GET":
        here = request.full_path.rstrip("?")
        return redirect(url_for("staff.login", next=here))
    return redirect(url_for("staff.login"))


def needs_totp_enrolment(user: User) -> bool:
    """True when the user's role requires a one-time password the user has not set up."""
    return not user.has_totp and user.role in totp.required_roles(db.session)


def idle_limit() -> timedelta:
    """Return how long a staff session may stay unused."""
    return timedelta(minutes=current_app.config.get("STAFF_IDLE_MINUTES", DEFAULT_IDLE_MINUTES))


def mark_seen(now: datetime) -> None:
    """Record activity in the session, for idle expiry, to the minute: a request within a minute
    of the last record leaves the session (and so its cookie) alone."""
    seen = session.get(LAST_SEEN_KEY)
    fresh = isinstance(seen, int | float) and 0 <= now.timestamp() - seen < SEEN_GRANULARITY_SECONDS
    if not fresh:
        session[LAST_SEEN_KEY] = now.timestamp()


def is_idle_expired(now: datetime) -> bool:
    """True when the session has been unused for longer than the idle limit."""
    seen = session.get(LAST_SEEN_KEY)
    if not isinstance(seen, int | float):
        return False  # no record yet: the guard starts one
    return now.timestamp() - seen > idle_limit().total_seconds()


def end_session() -> None:
    """Log the user out and forget everything in the session except the language."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


def expire_idle_session(user: User, now: datetime) -> Response:
    """End an idle session, record it, and send the user to log in again."""
    record(db.session, action="auth.session_expired", actor=actor_for(user), now=now)
    db.session.commit()
    end_session()
    minutes = int(idle_limit().total_seconds() // 60)
    flash(_("You were signed out after %(n)d minutes without activity.", n=minutes), "warning")
    return login_redirect()


@bp.before_request
def guard_staff_area() -> Response | None:
    """Send anonymous users to login; expire idle sessions; hold back unenrolled users."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    polled = request.endpoint in POLLED_ENDPOINTS
    quietly = polled and request.headers.get("HX-Request") == "true"  # the page polls, not a tab
    if not current_user.is_authenticated:
        return Response(status=401) if quietly else login_redirect()
    user = current_staff()
    now = utcnow()
    if is_idle_expired(now):
        expired = expire_idle_session(user, now)
        return Response(status=401) if quietly else expired
    if not polled:
        mark_seen(now)  # a page that polls must not keep an idle session alive
    if request.endpoint not in ENROLMENT_ENDPOINTS and needs_totp_enrolment(user):
        flash(_("Your role requires a one-time password. Please set it up first."), "warning")
        return redirect(url_for("staff.enrol_totp"))
    return None


def staff_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Require a signed-in staff user (the blueprint guard does too; this is belt and braces)."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not current_user.is_authenticated:
            return login_redirect()
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Require a signed-in user with one of the roles; others get 403."""
    allowed = frozenset(roles)

    def decorator(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if not current_user.is_authenticated:
                return login_redirect()
            if current_staff().role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        # Read by the test that walks the URL map, so new routes are checked automatically.
        cast(Any, wrapped).required_roles = allowed
        return wrapped

    return decorator


def load_ticket_for(user: User, ticket_id: int) -> Ticket:
    """Return a ticket the user may see, or abort 404 (another department's ticket too)."""
    try:
        return load_ticket(db.session, user, ticket_id)
    except TicketNotFoundError:
        abort(404)


def load_ticket_to_read_for(user: User, ticket_id: int) -> Ticket:
    """Return a ticket the user may read (in scope, or named in a note: 会商), or abort 404."""
    try:
        return load_ticket_to_read(db.session, user, ticket_id)
    except TicketNotFoundError:
        abort(404)


def may_open(endpoint: str, user: User) -> bool:
    """True when the endpoint exists and its `role_required` roles (if any) include the user's."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    roles = getattr(view, "required_roles", None)
    return roles is None or user.role in roles


@bp.context_processor
def staff_navigation() -> dict[str, Any]:
    """Return the staff menu for the signed-in user (empty for anonymous pages)."""
    if not current_user.is_authenticated:
        return {"staff_nav": [], "staff_user": None}
    user = current_staff()
    items = [
        ("staff.inbox", _("Inbox")),
        ("staff.search", _("Search")),
        ("staff.supervision", _("Supervision")),
        ("staff.publications", _("Publication approvals")),
        ("staff.dashboard", _("Figures")),
        ("staff.mailroom", _("Mailroom")),
        ("staff.outbox", _("Outbox")),
        ("staff.admin", _("Administration")),
        ("staff.account", _("My account")),
    ]
    items = [(endpoint, label) for endpoint, label in items if may_open(endpoint, user)]
    nav = [
        {
            "url": url_for(endpoint),
            "label": label,
            "is_current": request.endpoint == endpoint,
            "is_inbox": endpoint == "staff.inbox",
        }
        for endpoint, label in items
    ]
    return {"staff_nav": nav, "staff_user": user}
