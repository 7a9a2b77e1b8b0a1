"""The inbox: the tickets a user may see, filtered, counted per status, keyset-paginated."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from enquiry.bounded import parse_id
from enquiry.domain import outbox
from enquiry.domain.admin import calendar as calendar_admin
from enquiry.domain.queries import inbox as queries
from enquiry.domain.queries import notifications as notes
from enquiry.domain.queries.composer import ticket_versions
from enquiry.domain.queries.inbox_views import MENTIONED
from enquiry.extensions import db
from enquiry.labels import CHANNEL_LABELS, KIND_LABELS, plain
from enquiry.models import (
    Channel,
    Kind,
    OutboxStatus,
    Status,
    Ticket,
    User,
    utcnow,
)
from enquiry.rules import clock, deadlines
from enquiry.staff import forms
from enquiry.staff import inbox_views as saved
from enquiry.staff.access import current_staff
from enquiry.staff.blueprint import bp
from enquiry.staff.bulk import bulk_view
from enquiry.staff.live_views import unread_tickets
from enquiry.staff.ticket_forms import SearchForm
from enquiry.templating import current_locale, short_datetimes

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 25
MAIL_PROBLEM_LABELS = {
    OutboxStatus.FAILED: _l("Mail not delivered"),
    OutboxStatus.SUPPRESSED: _l("Mail suppressed"),
}


def secret() -> str:
    """Return the key that signs page cursors."""
    return str(current_app.config["SECRET_KEY"])


def read_cursor(token: str | None, sort: str) -> queries.Cursor | None:
    """Return the page cursor of the query string (None: the first page)."""
    return queries.decode_cursor(secret(), token, sort) if token else None


def inbox_filter(form: forms.InboxFilterForm) -> queries.InboxFilter:
    """Return what a validated filter form asks for."""
    return queries.InboxFilter(
        status=Status(form.status.data) if form.status.data else None,
        kind=Kind(form.kind.data) if form.kind.data else None,
        department_id=parse_id(form.department.data) if form.department.data else None,
        channel=Channel(form.channel.data) if form.channel.data else None,
        received_from=form.received_from.data,
        received_to=form.received_to.data,
        assignee=form.assignee.data or None,
        due=form.due.data or None,
        sort=form.sort.data or queries.SORT_NEWEST,
        with_consulted=form.view.data == MENTIONED,
    )


def ticket_url(ticket_id: int) -> str:
    """Return the staff URL of a ticket (a plain path until the ticket view exists)."""
    if "staff.ticket" in current_app.view_functions:
        return url_for("staff.ticket", ticket_id=ticket_id)
    return f"{request.script_root}/staff/tickets/{ticket_id}"


def filter_choices(user: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the departments and assignees the user may filter on."""
    locale = current_locale()
    return (
        [(str(d.id), d.name_for(locale)) for d in queries.visible_departments(db.session, user)],
        [(str(row.id), row.display_name) for row in queries.assignee_names(db.session, user)],
    )


def row_view(
    ticket: Ticket,
    today: date,
    calendar: deadlines.WorkCalendar,
    locale: str,
    mail_problems: dict[int, OutboxStatus] | None = None,
    labels: dict[str, dict[Any, str]] | None = None,
    moments: Callable[[datetime], str] | None = None,
) -> dict[str, Any]:
    """Return what the inbox table shows of a ticket, with its due-date and mail badges.

    `labels` (row_labels()) and `moments` (short_datetimes()): when the caller shows many rows.
    """
    problem = (mail_problems or {}).get(ticket.id)
    labels = labels or row_labels()
    moments = moments or short_datetimes()
    return {
        "id": ticket.id,
        "url": ticket_url(ticket.id),
        "reference": ticket.reference,
        "subject": ticket.subject,
        "kind": labels["kind"][ticket.kind],
        "status": labels["status"][ticket.status],
        "department": ticket.department.name_for(locale),
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "channel": labels["channel"][ticket.channel],
        "created": moments(ticket.created_at),
        "due": clock.badge(ticket, today, calendar),
        "is_overdue": clock.is_overdue(ticket, today),
        "mail_problem": labels["mail_problem"][problem] if problem else None,
    }


def row_labels() -> dict[str, dict[Any, str]]:
    """The labels of the inbox's columns, as text in the request's language."""
    return {
        "kind": plain(KIND_LABELS),
        "status": plain(forms.STATUS_LABELS),
        "channel": plain(CHANNEL_LABELS),
        "mail_problem": plain(MAIL_PROBLEM_LABELS),
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
    """List the tickets the user may see, with filters, saved views, counts and paging."""
    context, code = inbox_listing()
    return render_inbox("staff/inbox.html", **context), code


@bp.get("/inbox/list", endpoint="inbox_list")
def inbox_list() -> tuple[str, int]:
    """The list part of the inbox alone, which the page polls to stay current."""
    context, code = inbox_listing()
    return render_inbox("staff/_inbox_list.html", **context), code


def inbox_listing() -> tuple[dict[str, Any], int]:
    """Return what the inbox shows for the query string, and the status code."""
    user = current_staff()
    form = forms.InboxFilterForm(formdata=request.args)
    departments, assignees = filter_choices(user)
    form.set_choices(departments, assignees)
    nothing: dict[str, Any] = {
        "form": form,
        "rows": None,
        "counts": None,
        "next_url": None,
        "assignees": assignees,
    }
    if not form.validate():
        return nothing, 400
    wanted = inbox_filter(form)
    try:
        cursor = read_cursor(form.after.data, wanted.sort)
    except queries.InvalidCursorError:
        error = _("This page link is not valid (it may be out of date). Start from the first page.")
        return {**nothing, "error": error}, 400
    today = clock.beijing_today(utcnow())  # legal dates are Beijing dates
    calendar = calendar_admin.calendar_for(db.session, str(current_app.config["CALENDAR"]))
    size = int(current_app.config.get("INBOX_PAGE_SIZE", DEFAULT_PAGE_SIZE))
    extra = saved.conditions(form.view.data or None, user, today, calendar)
    page = queries.inbox_page(
        db.session, user, wanted, today=today, cursor=cursor, size=size, extra=extra
    )
    next_url = None
    if page.next_cursor:
        next_url = page_url(queries.encode_cursor(secret(), wanted.sort, page.next_cursor))
    rows = inbox_rows(page.tickets, today, calendar)
    counts = count_links(page.counts, form.status.data)
    return {**nothing, "rows": rows, "counts": counts, "next_url": next_url}, 200


def inbox_rows(
    tickets: list[Ticket], today: date, calendar: deadlines.WorkCalendar
) -> list[SimpleNamespace]:
    """Return the table rows of a page of tickets, with the user's read state and previews.

    Objects, not dicts: Jinja reads `row.subject` as an attribute first, and on a dict every
    such lookup fails with an exception before it tries the key (25 rows of 17 values).
    """
    locale = current_locale()
    ids = [ticket.id for ticket in tickets]
    problems = outbox.undelivered_by_ticket(db.session, ids)
    states = notes.row_states(db.session, current_staff(), ids)
    versions = ticket_versions(db.session, ids)
    labels, moments = row_labels(), short_datetimes()
    rows = []
    for ticket in tickets:
        row = row_view(ticket, today, calendar, locale, problems, labels, moments)
        row["selected"] = f"{ticket.id}:{versions[ticket.id]}"  # bulk: refused if it changes
        extras = saved.row_extras(ticket, states.get(ticket.id), row["due"])
        rows.append(SimpleNamespace(**row, **extras))
    return rows


def render_inbox(
    template: str,
    form: forms.InboxFilterForm,
    *,
    rows: list[SimpleNamespace] | None,
    counts: list[dict[str, Any]] | None,
    next_url: str | None,
    error: str | None = None,
    assignees: list[tuple[str, str]] | None = None,
) -> str:
    """Render the inbox page, or its list alone; `assignees`: the filter's assignee choices
    (a lead's bulk form offers the same people)."""
    user = current_staff()
    return render_template(
        template,
        form=form,
        bulk=bulk_view(user, assignees),
        search_form=SearchForm(formdata=None),
        here=page_url(request.args.get("after")),  # the page, also from the list fragment
        rows=rows,
        counts=counts,
        next_url=next_url,
        first_url=page_url(None) if form.after.data else None,
        cursor_error=error,
        view_tabs=saved.view_tabs(form.view.data or None),
        list_url=saved.list_url(),
        unread_count=unread_tickets(user),
        poll_seconds=int(current_app.config.get("INBOX_POLL_SECONDS", 30)),
        is_fragment=template != "staff/inbox.html",
    )
