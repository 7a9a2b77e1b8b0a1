"""Which tickets a user may see, and loading one of them by id."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from enquiry.domain import reference_cache
from enquiry.models import (
    Department,
    Notification,
    NotificationKind,
    Role,
    SessionLike,
    Ticket,
    User,
)
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


def scope_key(user: User) -> tuple[str, int | None]:
    """What ticket_scope depends on: colleagues with the same key see the same tickets."""
    if user.role is Role.ADMIN:
        return ("all", None)
    return ("department", user.department_id)


# The query around may select notifications itself; built once (aliasing a mapped class is
# slow), it serves every statement: each EXISTS has its own FROM.
_MENTION = aliased(Notification)


def consulted(user: User) -> sa.ColumnElement[bool]:
    """Tickets on which a note named the user with @ (会商), in their department or not."""
    mention = _MENTION
    return (
        sa.select(mention.id)
        .where(
            mention.ticket_id == Ticket.id,
            mention.user_id == user.id,
            mention.kind == NotificationKind.MENTION,
        )
        .correlate(Ticket)
        .exists()
    )


def reading_scope(user: User) -> sa.ColumnElement[bool]:
    """The tickets the user may read and add internal notes to: their scope and their 会商.

    A colleague of another department named in a note may read that ticket and answer with a
    note; every other action stays with the ticket's department (load_ticket).
    """
    if user.role is Role.ADMIN:  # sees every ticket: the same as or_(true(), ...)
        return sa.true()
    return sa.or_(ticket_scope(user), consulted(user))


def load_ticket(session: SessionLike, user: User, ticket_id: int) -> Ticket:
    """Return a ticket the user may see; raise TicketNotFoundError otherwise."""
    ticket = session.scalar(sa.select(Ticket).where(Ticket.id == ticket_id, ticket_scope(user)))
    if ticket is None:
        raise TicketNotFoundError(ticket_id)
    return ticket


def load_ticket_to_read(session: SessionLike, user: User, ticket_id: int) -> Ticket:
    """Return a ticket the user may read (their scope, or named in a note on it); else raise."""
    query = sa.select(Ticket).where(Ticket.id == ticket_id, reading_scope(user))
    ticket = session.scalar(query)
    if ticket is None:
        raise TicketNotFoundError(ticket_id)
    return ticket


def is_in_scope(user: User, ticket: Ticket) -> bool:
    """True when the ticket is in the user's own scope (not only theirs to read as 会商)."""
    return user.role is Role.ADMIN or (
        user.department_id is not None and user.department_id == ticket.department_id
    )


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
    if user.department_id is None:
        return False
    return user.department_id == reference_cache.cached(session, "routing_office_id", _office_id)


def _office_id(session: SessionLike) -> int | None:
    return session.scalar(sa.select(Department.id).where(Department.is_default))


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
