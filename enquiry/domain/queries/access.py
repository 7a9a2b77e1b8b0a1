"""Which tickets a staff user may see."""

from __future__ import annotations

import sqlalchemy as sa

from enquiry.models import Role, Ticket, User


def ticket_scope(user: User) -> sa.ColumnElement[bool]:
    """Return the condition selecting the tickets the user may see."""
    if user.role is Role.ADMIN:
        return sa.true()
    if user.department_id is None:
        return sa.false()
    return Ticket.department_id == user.department_id
