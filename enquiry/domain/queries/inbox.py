"""The inbox: the tickets a user may see, filtered, counted per status, keyset-paginated."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import joinedload

from enquiry.bounded import parse_id
from enquiry.domain.queries import kept
from enquiry.domain.queries.access import reading_scope, scope_key, ticket_scope
from enquiry.models import (
    FINAL_STATUSES,
    Channel,
    Department,
    Kind,
    Role,
    SessionLike,
    Status,
    Ticket,
    User,
)

logger = logging.getLogger(__name__)

ASSIGNEE_MINE = "mine"
ASSIGNEE_NONE = "unassigned"
DUE_SOON = "soon"
DUE_OVERDUE = "overdue"
SORT_NEWEST = "newest"
SORT_OLDEST = "oldest"
SORT_DUE = "due"
SORTS = (SORT_NEWEST, SORT_OLDEST, SORT_DUE)
DUE_SOON_DAYS = 3
NO_DUE_DATE = date(9999, 12, 31)  # sorts tickets without a due date last
CURSOR_SALT = "staff.inbox.cursor"  # kept: cursors already handed out stay valid


class InvalidCursorError(ValueError):
    """A page cursor that was not made by this site for this sort order."""


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: its sort key and id."""

    key: datetime | date
    ticket_id: int


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox is asked to show; None means any."""

    status: Status | None = None
    kind: Kind | None = None
    department_id: int | None = None
    channel: Channel | None = None
    received_from: date | None = None
    received_to: date | None = None
    assignee: str | None = None  # ASSIGNEE_MINE, ASSIGNEE_NONE or a user id
    due: str | None = None  # DUE_SOON or DUE_OVERDUE
    sort: str = SORT_NEWEST
    with_consulted: bool = False  # also tickets of other departments a note named the user on


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox, the counts per status and where the next page starts."""

    tickets: list[Ticket]
    counts: dict[str, int] = field(default_factory=dict)
    next_cursor: Cursor | None = None


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=CURSOR_SALT)


def encode_cursor(secret: str, sort: str, cursor: Cursor) -> str:
    """Return an opaque, signed token for the row after which the next page starts."""
    return str(_serializer(secret).dumps([sort, cursor.key.isoformat(), cursor.ticket_id]))


def decode_cursor(secret: str, token: str, sort: str) -> Cursor:
    """Read a cursor token; raise InvalidCursorError unless it is ours and fits the sort."""
    try:
        token_sort, key, ticket_id = _serializer(secret).loads(token)
        if token_sort != sort or not isinstance(ticket_id, int) or not isinstance(key, str):
            raise InvalidCursorError(token)
        parsed = date.fromisoformat(key) if sort == SORT_DUE else datetime.fromisoformat(key)
    except (BadSignature, TypeError, ValueError) as error:
        raise InvalidCursorError(token) from error
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        raise InvalidCursorError(token)
    return Cursor(parsed, ticket_id)


def sort_key(sort: str) -> sa.ColumnElement[Any]:
    """Return the expression a sort order orders by (before the id tie-break)."""
    if sort == SORT_DUE:
        return sa.func.coalesce(Ticket.due_on, sa.literal(NO_DUE_DATE, sa.Date))
    return Ticket.created_at.expression


def row_key(sort: str, ticket: Ticket) -> datetime | date:
    """Return a ticket's value of the sort key."""
    if sort == SORT_DUE:
        return ticket.due_on or NO_DUE_DATE
    return ticket.created_at


def is_descending(sort: str) -> bool:
    return sort == SORT_NEWEST


def ordering(sort: str) -> list[sa.ColumnElement[Any]]:
    """Return the ORDER BY of a sort order; the id makes it total, so keysets never skip."""
    key = sort_key(sort)
    if is_descending(sort):
        return [key.desc(), Ticket.id.desc()]
    return [key.asc(), Ticket.id.asc()]


def after(sort: str, cursor: Cursor) -> sa.ColumnElement[bool]:
    """Return the condition for rows after the cursor (a row-value comparison, index-friendly)."""
    key = sort_key(sort)
    here = sa.tuple_(key, Ticket.id)
    there = sa.tuple_(sa.literal(cursor.key, key.type), sa.literal(cursor.ticket_id))
    return here < there if is_descending(sort) else here > there


def filter_conditions(wanted: InboxFilter, user: User, today: date) -> list[sa.ColumnElement[bool]]:
    """Return the WHERE conditions of the filters, except status, within the user's scope."""
    conditions = [reading_scope(user) if wanted.with_consulted else ticket_scope(user)]
    if wanted.kind:
        conditions.append(Ticket.kind == wanted.kind)
    if wanted.department_id is not None:
        conditions.append(Ticket.department_id == wanted.department_id)
    if wanted.channel:
        conditions.append(Ticket.channel == wanted.channel)
    if wanted.received_from:
        conditions.append(Ticket.received_on >= wanted.received_from)
    if wanted.received_to:
        conditions.append(Ticket.received_on <= wanted.received_to)
    conditions.extend(assignee_conditions(wanted.assignee, user))
    conditions.extend(due_conditions(wanted.due, today))
    return conditions


def assignee_conditions(value: str | None, user: User) -> list[sa.ColumnElement[bool]]:
    if value == ASSIGNEE_MINE:
        return [Ticket.assignee_id == user.id]
    if value == ASSIGNEE_NONE:
        return [Ticket.assignee_id.is_(None)]
    return [Ticket.assignee_id == parse_id(value)] if value else []


def due_conditions(value: str | None, today: date) -> list[sa.ColumnElement[bool]]:
    if not value:
        return []
    still_open = Ticket.status.not_in(FINAL_STATUSES)
    if value == DUE_OVERDUE:
        return [still_open, Ticket.due_on < today]
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return [still_open, Ticket.due_on >= today, Ticket.due_on <= soon]


def status_counts(session: SessionLike, conditions: list[sa.ColumnElement[bool]]) -> dict[str, int]:
    """Count the tickets per status among those the other filters select."""
    query = sa.select(Ticket.status, sa.func.count()).where(*conditions).group_by(Ticket.status)
    return {status.value: count for status, count in session.execute(query)}


def counts_key(wanted: InboxFilter, user: User, today: date) -> tuple[Any, ...]:
    """What the counts per status of `filter_conditions` depend on, besides the tickets."""
    personal = wanted.with_consulted or wanted.assignee == ASSIGNEE_MINE
    return (
        scope_key(user),
        user.id if personal else None,  # named on a ticket, or assigned to it
        replace(wanted, status=None, sort=SORT_NEWEST),  # neither changes the counts
        today if wanted.due else None,
    )


def fetch_page(
    session: SessionLike,
    conditions: list[sa.ColumnElement[bool]],
    sort: str,
    cursor: Cursor | None,
    size: int,
) -> tuple[list[Ticket], Cursor | None]:
    """Return one page of tickets and the cursor of the next page, if there is one."""
    query = sa.select(Ticket).where(*conditions)
    if cursor is not None:
        query = query.where(after(sort, cursor))
    query = query.options(joinedload(Ticket.department), joinedload(Ticket.assignee))
    rows = list(session.scalars(query.order_by(*ordering(sort)).limit(size + 1)))
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], Cursor(row_key(sort, last), last.id)


def inbox_page(
    session: SessionLike,
    user: User,
    wanted: InboxFilter,
    *,
    today: date,
    cursor: Cursor | None,
    size: int,
    with_counts: bool = True,
    extra: Sequence[sa.ColumnElement[bool]] = (),
) -> InboxPage:
    """Return the page of the user's inbox after the cursor, with the counts per status.

    `extra` narrows it further (a saved view, enquiry.domain.queries.inbox_views).
    """
    conditions = [*filter_conditions(wanted, user, today), *extra]
    counts = {}
    if with_counts and extra:
        counts = status_counts(session, conditions)
    elif with_counts:  # every change they count is audited: kept under the audit head
        key = ("inbox status counts", *counts_key(wanted, user, today))
        counts = dict(kept.under_head(session, key, lambda: status_counts(session, conditions)))
    if wanted.status:
        conditions.append(Ticket.status == wanted.status)
    tickets, next_cursor = fetch_page(session, conditions, wanted.sort, cursor, size)
    return InboxPage(tickets, counts, next_cursor)


def visible_departments(session: SessionLike, user: User) -> list[Department]:
    """Return the departments the user may filter on (all for admins), by code."""
    query = sa.select(Department).order_by(Department.code)
    if user.role is not Role.ADMIN:
        query = query.where(Department.id == user.department_id)
    return list(session.scalars(query))


def visible_assignees(session: SessionLike, user: User) -> list[User]:
    """Return the active users the user may filter on as assignees."""
    query = sa.select(User).where(User.is_active).order_by(User.display_name, User.id)
    if user.role is not Role.ADMIN:
        query = query.where(User.department_id == user.department_id)
    return list(session.scalars(query))


def assignee_names(session: SessionLike, user: User) -> list[sa.Row[tuple[int, str]]]:
    """The (id, display_name) of `visible_assignees`, as plain rows: the same people in the
    same order (which choices.bulk_assignees also gives a lead)."""
    query = (
        sa.select(User.id, User.display_name)
        .where(User.is_active)
        .order_by(User.display_name, User.id)
    )
    if user.role is not Role.ADMIN:
        query = query.where(User.department_id == user.department_id)
    return list(session.execute(query))
