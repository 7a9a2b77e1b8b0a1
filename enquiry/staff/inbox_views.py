"""The inbox's saved views as tabs, and what a row shows of its thread for the user."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from enquiry.domain.policy import due_soon_days
from enquiry.domain.queries import inbox_views
from enquiry.domain.queries import notifications as notes
from enquiry.models import FINAL_STATUSES, Ticket, User
from enquiry.rules import deadlines

logger = logging.getLogger(__name__)

PREVIEW_CHARS = 90
VIEW_LABELS = {
    inbox_views.MINE: _l("My work"),
    inbox_views.DUE_SOON: _l("Due soon"),
    inbox_views.OVERDUE: _l("Overdue"),
    inbox_views.NEW_REPLIES: _l("New replies"),
    inbox_views.UNASSIGNED: _l("Unassigned"),
    inbox_views.MENTIONED: _l("Mentioning me"),
}
_SPACE = re.compile(r"\s+")


def soon_days() -> int:
    """Return the office's N: a ticket due within N working days is due soon."""
    return due_soon_days(current_app.config)


def conditions(view: str | None, user: User, today: date, calendar: deadlines.WorkCalendar) -> Any:
    """Return the WHERE conditions of the saved view."""
    soon_until = deadlines.add_working_days(today, soon_days(), calendar)
    return inbox_views.view_conditions(view, user, today=today, soon_until=soon_until)


def view_tabs(current: str | None) -> list[dict[str, Any]]:
    """Return the saved views as links (the whole inbox first), the current one marked."""
    tabs = [{"label": _l("All"), "url": url_for("staff.inbox"), "is_current": not current}]
    for view, label in VIEW_LABELS.items():
        url = url_for("staff.inbox", view=view)
        tabs.append({"label": label, "url": url, "is_current": current == view})
    return tabs


def preview(text: str) -> str:
    """Return the first words of a message on one line (the template escapes it)."""
    line = _SPACE.sub(" ", text).strip()
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1].rstrip() + "…"


def row_extras(ticket: Ticket, state: notes.RowState | None, due: dict[str, Any]) -> dict[str, Any]:
    """Return the preview, the unread marker and the due-soon flag of an inbox row."""
    is_open = ticket.status not in FINAL_STATUSES
    remaining = due.get("remaining")
    is_due_soon = (
        is_open
        and not due.get("is_overdue")
        and remaining is not None
        and 0 <= remaining <= soon_days()
    )
    marker = None
    if state is not None and state.is_unread and is_open:
        marker = str(_l("New reply") if state.is_new_reply else _l("New"))
    return {
        "preview": preview(state.preview) if state else "",
        "unread": marker,
        "is_due_soon": is_due_soon,
    }


def list_url() -> str:
    """Return the URL of the list fragment for the same query (polled by the page)."""
    args: dict[str, Any] = dict(request.args.items())
    return url_for("staff.inbox_list", **args)
