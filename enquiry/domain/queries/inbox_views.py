"""The inbox's saved views: my work, due soon, overdue, new replies, unassigned, mentioning me."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from enquiry.domain.queries.notifications import mentioned_condition, new_reply_condition
from enquiry.models import FINAL_STATUSES, Ticket, User

MINE = "mine"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
NEW_REPLIES = "new_replies"
UNASSIGNED = "unassigned"
MENTIONED = "mentioned"
VIEWS = (MINE, DUE_SOON, OVERDUE, NEW_REPLIES, UNASSIGNED, MENTIONED)


def view_conditions(
    view: str | None, user: User, *, today: date, soon_until: date
) -> list[sa.ColumnElement[bool]]:
    """Return the WHERE conditions of a saved view (none for the whole inbox).

    `soon_until` is the last day that counts as due soon: today plus the office's N working days.
    """
    still_open = Ticket.status.not_in(FINAL_STATUSES)
    if view == MINE:
        return [still_open, Ticket.assignee_id == user.id]
    if view == DUE_SOON:
        return [still_open, Ticket.due_on >= today, Ticket.due_on <= soon_until]
    if view == OVERDUE:
        return [still_open, Ticket.due_on < today]
    if view == NEW_REPLIES:
        return [still_open, new_reply_condition(user)]
    if view == UNASSIGNED:
        return [still_open, Ticket.assignee_id.is_(None)]
    if view == MENTIONED:
        return [mentioned_condition(user)]
    return []
