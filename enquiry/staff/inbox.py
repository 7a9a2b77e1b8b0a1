"""The inbox: the tickets a user may see, filtered, counted per status, keyset-paginated."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import joinedload

from enquiry.bounded import parse_id
from enquiry.domain import outbox
from enquiry.domain.admin import calendar as calendar_admin
from enquiry.extensions import db
from enquiry.labels import CHANNEL_LABELS, KIND_LABELS
from enquiry.models import (
    FINAL_STATUSES,
    Channel,
    Department,
    Kind,
    OutboxStatus,
    Role,
    Status,
    Ticket,
    User,
    utcnow,
)
from enquiry.rules import clock, deadlines
from enquiry.staff import forms
from enquiry.staff.access import current_staff, ticket_scope
from enquiry.staff.blueprint import bp
from enquiry.staff.bulk import bulk_view
from enquiry.staff.ticket_forms import SearchForm
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 25
NO_DUE_DATE = date(9999, 12, 31)  # sorts tickets without a due date last
CURSOR_SALT = "staff.inbox.cursor"
MAIL_PROBLEM_LABELS = {
    OutboxStatus.FAILED: _l("Mail not delivered"),
    OutboxStatus.SUPPRESSED: _l("Mail suppressed"),
}


class InvalidCursorError(ValueError):
    """A page cursor that was not made by this site for this sort order."""


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: its sort key and id."""

    key: datetime | date
    ticket_id: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=CURSOR_SALT)


def encode_cursor(sort: str, cursor: Cursor) -> str:
    """Return an opaque, signed token for the row after which the next page starts."""
    return str(_serializer().dumps([sort, cursor.key.isoformat(), cursor.ticket_id]))


def decode_cursor(token: str, sort: str) -> Cursor:
    """Read a cursor token; raise InvalidCursorError unless it is ours and fits the sort."""
    try:
        token_sort, key, ticket_id = _serializer().loads(token)
        if token_sort != sort or not isinstance(ticket_id, int) or not isinstance(key, str):
            raise InvalidCursorError(token)
        parsed = date.fromisoformat(key) if sort == forms.SORT_DUE else datetime.fromisoformat(key)
    except (BadSignature, TypeError, ValueError) as error:
        raise InvalidCursorError(token) from error
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        raise InvalidCursorError(token)
    return Cursor(parsed, ticket_id)


def sort_key(sort: str) -> sa.ColumnElement[Any]:
    """Return the expression a sort order orders by (before the id tie-break)."""
    if sort == forms.SORT_DUE:
        return sa.func.coalesce(Ticket.due_on, sa.literal(NO_DUE_DATE, sa.Date))
    return Ticket.created_at.expression


def row_key(sort: str, ticket: Ticket) -> datetime | date:
    """Return a ticket's value of the sort key."""
    if sort == forms.SORT_DUE:
        return ticket.due_on or NO_DUE_DATE
    return ticket.created_at


def is_descending(sort: str) -> bool:
    return sort == forms.SORT_NEWEST


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


def filter_conditions(
    form: forms.InboxFilterForm, user: User, today: date
) -> list[sa.ColumnElement[bool]]:
    """Return the WHERE conditions of the form's filters, except status, within the scope."""
    conditions = [ticket_scope(user)]
    if form.kind.data:
        conditions.append(Ticket.kind == Kind(form.kind.data))
    if form.department.data:
        conditions.append(Ticket.department_id == parse_id(form.department.data))
    if form.channel.data:
        conditions.append(Ticket.channel == Channel(form.channel.data))
    if form.received_from.data:
        conditions.append(Ticket.received_on >= form.received_from.data)
    if form.received_to.data:
        conditions.append(Ticket.received_on <= form.received_to.data)
    conditions.extend(assignee_conditions(form.assignee.data, user))
    conditions.extend(due_conditions(form.due.data, today))
    return conditions


def assignee_conditions(value: str | None, user: User) -> list[sa.ColumnElement[bool]]:
    if value == forms.ASSIGNEE_MINE:
        return [Ticket.assignee_id == user.id]
    if value == forms.ASSIGNEE_NONE:
        return [Ticket.assignee_id.is_(None)]
    return [Ticket.assignee_id == parse_id(value)] if value else []


def due_conditions(value: str | None, today: date) -> list[sa.ColumnElement[bool]]:
    if not value:
        return []
    still_open = Ticket.status.not_in(FINAL_STATUSES)
    if value == forms.DUE_OVERDUE:
        return [still_open, Ticket.due_on < today]
    soon = today + timedelta(days=forms.DUE_SOON_DAYS)
    return [still_open, Ticket.due_on >= today, Ticket.due_on <= soon]


def status_counts(conditions: list[sa.ColumnElement[bool]]) -> dict[str, int]:
    """Count the tickets per status among those the other filters select."""
    query = sa.select(Ticket.status, sa.func.count()).where(*conditions).group_by(Ticket.status)
    return {status.value: count for status, count in db.session.execute(query)}


def fetch_page(
    conditions: list[sa.ColumnElement[bool]], sort: str, cursor: Cursor | None, size: int
) -> tuple[list[Ticket], Cursor | None]:
    """Return one page of tickets and the cursor of the next page, if there is one."""
    query = sa.select(Ticket).where(*conditions)
    if cursor is not None:
        query = query.where(after(sort, cursor))
    query = query.options(joinedload(Ticket.department), joinedload(Ticket.assignee))
    rows = list(db.session.scalars(query.order_by(*ordering(sort)).limit(size + 1)))
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], Cursor(row_key(sort, last), last.id)


def ticket_url(ticket_id: int) -> str:
    """Return the staff URL of a ticket (a plain path until the ticket view exists)."""
    if "staff.ticket" in current_app.view_functions:
        return url_for("staff.ticket", ticket_id=ticket_id)
    return f"{request.script_root}/staff/tickets/{ticket_id}"


def filter_choices(user: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the departments and assignees the user may filter on."""
    locale = current_locale()
    departments = sa.select(Department).order_by(Department.code)
    users = sa.select(User).where(User.is_active).order_by(User.display_name, User.id)
    if user.role is not Role.ADMIN:
        departments = departments.where(Department.id == user.department_id)
        users = users.where(User.department_id == user.department_id)
    return (
        [(str(d.id), d.name_for(locale)) for d in db.session.scalars(departments)],
        [(str(u.id), u.display_name) for u in db.session.scalars(users)],
    )


def row_view(
    ticket: Ticket,
    today: date,
    calendar: deadlines.WorkCalendar,
    locale: str,
    mail_problems: dict[int, OutboxStatus] | None = None,
) -> dict[str, Any]:
    """Return what the inbox table shows of a ticket, with its due-date and mail badges."""
    problem = (mail_problems or {}).get(ticket.id)
    return {
        "id": ticket.id,
        "url": ticket_url(ticket.id),
        "reference": ticket.reference,
        "subject": ticket.subject,
        "kind": KIND_LABELS[ticket.kind],
        "status": forms.STATUS_LABELS[ticket.status],
        "department": ticket.department.name_for(locale),
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "channel": CHANNEL_LABELS[ticket.channel],
        "created": format_datetime(ticket.created_at, "short"),
        "due": clock.badge(ticket, today, calendar),
        "is_overdue": clock.is_overdue(ticket, today),
        "mail_problem": MAIL_PROBLEM_LABELS[problem] if problem else None,
    }


def count_links(counts: dict[str, int], current: str | None) -> list[dict[str, Any]]:
    """Return the per-status counts as links that set the status filter."""
    args: dict[str, Any] = {
        key: value for key, value in request.args.items() if key not in {"status", "after"}
    }
    return [
        {
            "label": label,
            "count": counts.get(status.value, 0),
            "url": url_for("staff.inbox", **args, status=status.value),
            "is_current": current == status.value,
        }
        for status, label in forms.STATUS_LABELS.items()
    ]


def page_url(cursor: str | None) -> str:
    """Return the URL of the same list from the given cursor (None: the first page)."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "after"}
    if cursor:
        args["after"] = cursor
    return url_for("staff.inbox", **args)


@bp.get("/inbox", endpoint="inbox")
@bp.get("", endpoint="inbox")  # registered first, so url_for gives /staff
def inbox() -> tuple[str, int]:
    """List the tickets the user may see, with filters, counts and a next-page link."""
    user = current_staff()
    form = forms.InboxFilterForm(formdata=request.args)
    form.set_choices(*filter_choices(user))
    if not form.validate():
        return render_inbox(form, rows=None, counts=None, next_url=None), 400
    sort = form.sort.data or forms.SORT_NEWEST
    try:
        cursor = decode_cursor(form.after.data, sort) if form.after.data else None
    except InvalidCursorError:
        error = _("This page link is not valid (it may be out of date). Start from the first page.")
        return render_inbox(form, rows=None, counts=None, next_url=None, error=error), 400
    today = clock.beijing_today(utcnow())  # legal dates are Beijing dates
    calendar = calendar_admin.calendar_for(db.session, str(current_app.config["CALENDAR"]))
    conditions = filter_conditions(form, user, today)
    counts = status_counts(conditions)
    if form.status.data:
        conditions.append(Ticket.status == Status(form.status.data))
    size = int(current_app.config.get("INBOX_PAGE_SIZE", DEFAULT_PAGE_SIZE))
    tickets, next_cursor = fetch_page(conditions, sort, cursor, size)
    locale = current_locale()
    problems = outbox.undelivered_by_ticket(db.session, [ticket.id for ticket in tickets])
    rows = [row_view(ticket, today, calendar, locale, problems) for ticket in tickets]
    next_url = page_url(encode_cursor(sort, next_cursor)) if next_cursor else None
    return render_inbox(
        form, rows=rows, counts=count_links(counts, form.status.data), next_url=next_url
    ), 200


def render_inbox(
    form: forms.InboxFilterForm,
    *,
    rows: list[dict[str, Any]] | None,
    counts: list[dict[str, Any]] | None,
    next_url: str | None,
    error: str | None = None,
) -> str:
    """Render the inbox page."""
    return render_template(
        "staff/inbox.html",
        form=form,
        bulk=bulk_view(current_staff()),
        search_form=SearchForm(formdata=None),
        here=request.full_path.rstrip("?"),
        rows=rows,
        counts=counts,
        next_url=next_url,
        first_url=page_url(None) if form.after.data else None,
        cursor_error=error,
    )
