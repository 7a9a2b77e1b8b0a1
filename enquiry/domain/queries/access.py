"""Which tickets a user may see, and loading one of them by id."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from enquiry.models import Role, SessionLike, Ticket, User

logger = logging.getLogger(__name__)


class TicketNotFoundError(LookupError):
    """No such ticket, or one the user may not see (the two look the same on purpose)."""


class ForbiddenError(PermissionError):
    """The user's role does not allow this."""


def ticket_scope(user: User) -> sa.ColumnElement[bool]:
    """Return the condition selecting the tickets the user may see."""
    if user.role is Role.ADMIN:
        return sa.true()
    if user.department_id is None:
        return sa.false()
    return Ticket.department_id == user.department_id


def load_ticket(session: SessionLike, user: User, ticket_id: int) -> Ticket:
    """Return a ticket the user may see; raise TicketNotFoundError otherwise."""
    ticket = session.scalar(sa.select(Ticket).where(Ticket.id == ticket_id, ticket_scope(user)))
    if ticket is None:
        raise TicketNotFoundError(ticket_id)
    return ticket


def require_role(user: User, *roles: Role) -> None:
    """Raise ForbiddenError unless the user has one of the roles."""
    if user.role not in roles:
        raise ForbiddenError(user.role.value)
