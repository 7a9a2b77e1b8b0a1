"""What every staff page keeps current by itself: the bell and the count of unread tickets.

The page polls a small fragment (htmx); without script the counts are those of the page load.
The title starts with the count of unread tickets, like the inbox's.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, render_template, request
from flask_login import current_user

from enquiry.domain.queries import notifications as queries
from enquiry.extensions import db
from enquiry.models import User
from enquiry.staff.access import current_staff
from enquiry.staff.blueprint import bp

logger = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 30


def poll_seconds() -> int:
    """How often a staff page asks for fresh counts (the inbox list's interval)."""
    return int(current_app.config.get("INBOX_POLL_SECONDS", DEFAULT_POLL_SECONDS))


@bp.context_processor
def live_counts() -> dict[str, Any]:
    """Return the unread-ticket count the title and the menu show, and the polling interval."""
    if not current_user.is_authenticated:
        return {"live": None}
    unread = unread_tickets(current_staff())
    return {"live": {"unread": unread, "poll_seconds": poll_seconds()}}


def unread_tickets(user: User) -> int:
    """The user's count of unread tickets, counted once per request (the inbox shows it twice)."""
    return unread_counts(user)[1]


def unread_notifications(user: User) -> int:
    """The user's count of unread notifications (the bell), counted with the tickets."""
    return unread_counts(user)[0]


def unread_counts(user: User) -> tuple[int, int]:
    """(unread notifications, unread tickets), counted once per request in one statement."""
    counted: dict[int, tuple[int, int]] = request.__dict__.setdefault("enquiry_unread", {})
    if user.id not in counted:
        counted[user.id] = queries.unread_counts(db.session, user)
    return counted[user.id]


@bp.get("/live", endpoint="live_counts")
def live_fragment() -> tuple[str, int, dict[str, str]]:
    """The bell and the unread count alone (polled; not a sign of activity for idle expiry)."""
    headers = {"Cache-Control": "no-store"}
    return render_template("staff/_live.html", oob=True), 200, headers
