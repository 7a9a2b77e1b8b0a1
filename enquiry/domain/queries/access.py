"""Which tickets a user may see, and loading one of them by id."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from enquiry.models import Department, Role, SessionLike, Ticket, User
from enquiry.rules.workflow import Action

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


# Who may do what to a ticket they can see (the staff ticket page follows the same rules).
TRIAGE = frozenset({Action.TRANSFER, Action.REFUSE, Action.MARK_SPAM, Action.MERGE})
HANDLING = frozenset(
    {
        Action.ACKNOWLEDGE,
        Action.START,
        Action.REQUEST_INFO,
        Action.ANSWER,
        Action.REOPEN,
        Action.WITHDRAW,
    }
)
LEADS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def is_routing_office(session: SessionLike, user: User) -> bool:
    """True when the user works in the default department (the routing office)."""
    office = session.scalar(sa.select(Department.id).where(Department.is_default))
    return user.department_id is not None and user.department_id == office


def may_act(session: SessionLike, user: User, ticket: Ticket, action: Action) -> bool:
    """True when the user's role and department allow the action on a ticket they can see."""
    if action in HANDLING:
        return True
    if action in TRIAGE:
        return user.role in LEADS or is_routing_office(session, user)
    if action is Action.CLOSE:
        return user.role in LEADS
    if action is Action.RETURN:
        office = session.scalar(sa.select(Department.id).where(Department.is_default))
        return user.department_id != office and ticket.department_id != office
    return False  # route is done by transferring


def require_action(session: SessionLike, user: User, ticket: Ticket, action: Action) -> None:
    """Raise ForbiddenError unless the user may take the action on the ticket."""
    if not may_act(session, user, ticket, action):
        raise ForbiddenError(action.value)


def figures_department(user: User, requested: int | None) -> int | None:
    """Return the department whose figures the user gets (None: the office); else Forbidden."""
    require_role(user, *LEADS)
    if user.role is Role.ADMIN:
        return requested
    if user.department_id is None or requested not in (None, user.department_id):
        raise ForbiddenError("department")
    return user.department_id
