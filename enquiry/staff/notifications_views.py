"""The bell: a colleague's notifications, their unread count, marking them read, and the
choice of notification mail on the account page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from enquiry.domain import notifications, read_state
from enquiry.domain.queries import notifications as queries
from enquiry.extensions import db
from enquiry.models import NotificationKind, NotifyMode, Ticket, User, utcnow
from enquiry.staff.access import current_staff
from enquiry.staff.blueprint import bp
from enquiry.staff.live_views import unread_notifications
from enquiry.staff.notify_forms import MarkReadForm, NotifyModeForm
from enquiry.templating import short_datetimes

logger = logging.getLogger(__name__)

BELL_ITEMS = 5
PAGE_ITEMS = 100
KIND_LABELS = {
    NotificationKind.NEW_TICKET: _l("New ticket"),
    NotificationKind.FOLLOW_UP: _l("Citizen follow-up"),
    NotificationKind.TRANSFER: _l("Transferred to your department"),
    NotificationKind.MENTION: _l("You were mentioned in a note"),
}


def item_view(
    notification: Any, moments: Callable[[datetime], str] | None = None
) -> dict[str, Any]:
    """Return what the bell shows of a notification (a row of queries.recent_notifications)."""
    moments = moments or short_datetimes()
    return {
        "id": notification.id,
        "label": str(KIND_LABELS[notification.kind]),
        "reference": notification.reference,
        "subject": notification.subject,
        "url": url_for("staff.ticket", ticket_id=notification.ticket_id),
        "when": moments(notification.created_at),
        "is_unread": notification.read_at is None,
    }


@bp.context_processor
def bell() -> dict[str, Any]:
    """Return the bell's count and latest items for the signed-in colleague."""
    if not current_user.is_authenticated:
        return {"bell": None}
    user = current_staff()
    items = queries.recent_notifications(db.session, user, BELL_ITEMS)
    count = unread_notifications(user)
    moments = short_datetimes()
    return {"bell": {"count": count, "entries": [item_view(item, moments) for item in items]}}


@bp.get("/notifications", endpoint="notifications")
def notifications_page() -> str:
    """List the colleague's notifications, newest first."""
    items = queries.recent_notifications(db.session, current_staff(), PAGE_ITEMS)
    moments = short_datetimes()
    views = [item_view(item, moments) for item in items]
    return render_template("staff/notifications.html", items=views, form=MarkReadForm())


@bp.post("/notifications/<id:notification_id>/read", endpoint="read_notification")
def read_notification(notification_id: int) -> Response:
    """Mark one notification read (someone else's looks like none at all)."""
    if not MarkReadForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
    elif read_state.mark_notification_read(
        db.session, current_staff(), notification_id, now=utcnow()
    ):
        db.session.commit()
    else:
        abort(404)
    return redirect(url_for("staff.notifications"))


@bp.post("/notifications/read-all", endpoint="read_all_notifications")
def read_all_notifications() -> Response:
    """Mark all the colleague's notifications read."""
    if MarkReadForm().validate_on_submit():
        read_state.mark_all_read(db.session, current_staff(), now=utcnow())
        db.session.commit()
        flash(_("All notifications are marked as read."), "success")
    else:
        flash(_("The form has expired. Please try again."), "error")
    return redirect(url_for("staff.notifications"))


def mode_form() -> NotifyModeForm:
    """Return the notification-mail form with the colleague's current choice."""
    form = NotifyModeForm()
    if not form.is_submitted():
        form.mode.data = notifications.mode_of(db.session, current_staff().id).value
    return form


@bp.post("/account/notifications", endpoint="notification_settings")
def notification_settings() -> Response | tuple[str, int]:
    """Save how the colleague wants notification mail; an unknown choice is refused (400)."""
    form = NotifyModeForm()
    if not form.validate_on_submit():
        return render_template("staff/notification_settings.html", notify_form=form), 400
    mode = NotifyMode(form.mode.data)
    notifications.set_mode(db.session, current_staff(), mode, now=utcnow())
    db.session.commit()
    flash(_("Your notification settings have been saved."), "success")
    return redirect(url_for("staff.account"))


def remember_read(user: User, ticket: Ticket) -> None:
    """Mark the ticket and its notifications read for the colleague who opens it.

    Committed at once (the write lock is not held while the page renders), without expiring
    the user and the ticket just read: the page goes on with them instead of loading them again.
    """
    read_state.mark_ticket_read(db.session, user, ticket, now=utcnow())
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
