"""Bulk actions from the inbox: assign, transfer or close the selected tickets.

Each ticket is its own transaction: loaded through the user's scope, changed by the domain verb
(which audits it), committed, or rolled back alone when the state or the domain refuses. One
refusal therefore never undoes or blocks the others, the report says exactly what happened to
each ticket, and the audit chain's lock (a database-wide advisory lock on PostgreSQL) is held
for one ticket at a time instead of for the whole batch, so colleagues are not kept waiting.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from enquiry import audit
from enquiry.bounded import get_by_id
from enquiry.domain import handling
from enquiry.domain.answering import check_action_version
from enquiry.domain.error_messages import HANDLING_MESSAGES
from enquiry.domain.queries import choices
from enquiry.domain.queries import tickets as loaded
from enquiry.domain.queries.composer import ticket_versions
from enquiry.extensions import db
from enquiry.models import FINAL_STATUSES, Department, Ticket, User, utcnow
from enquiry.redirects import safe_next
from enquiry.rules import workflow
from enquiry.staff import ticket_page as page
from enquiry.staff.access import actor_for, current_staff
from enquiry.staff.blueprint import bp
from enquiry.staff.bulk_forms import BulkForm, Selected
from enquiry.staff.forms import STATUS_LABELS
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

Action = workflow.Action
Verb = Callable[[Ticket, audit.Actor], object]
ASSIGN, TRANSFER, CLOSE = "assign", "transfer", "close"
ACTIONS = (ASSIGN, TRANSFER, CLOSE)


@dataclass
class Report:
    """What became of each selected ticket: references done, and the others by reason."""

    done: list[str] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def allowed_bulk_actions(user: User) -> list[str]:
    """The bulk actions the user's role permits (every role may at least take tickets)."""
    actions = [ASSIGN]
    if user.role in page.LEADS or page.is_routing_office(user):
        actions.append(TRANSFER)
    if user.role in page.LEADS:
        actions.append(CLOSE)
    return actions


def assignee_choices(user: User) -> list[tuple[str, str]]:
    """Leads assign colleagues (admins anyone active); agents only themselves."""
    return [(str(u.id), u.display_name) for u in choices.bulk_assignees(db.session, user)]


def make_bulk_form(
    user: User, *, submitted: bool = False, colleagues: list[tuple[str, str]] | None = None
) -> BulkForm:
    """Return the bulk form with the assignees and departments the user may choose.

    `colleagues`: the inbox filter's assignees (the active users the user may filter on),
    which are a lead's bulk assignees too; an agent assigns only themselves.
    """
    form = BulkForm() if submitted else BulkForm(formdata=None)
    offered = colleagues if colleagues is not None and user.role in page.LEADS else None
    assignees = assignee_choices(user) if offered is None else offered
    form.set_choices(assignees, page.transfer_choices(current_locale()))
    return form


def bulk_view(user: User, colleagues: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """What the inbox needs to show the bulk controls (`colleagues`: see make_bulk_form)."""
    return {
        "form": make_bulk_form(user, colleagues=colleagues),
        "actions": allowed_bulk_actions(user),
    }


@bp.post("/bulk", endpoint="bulk")
def bulk() -> Response | tuple[str, int]:
    """Apply one action to the selected tickets, each on its own; report every outcome."""
    user = current_staff()
    form = make_bulk_form(user, submitted=True)
    back = safe_next(form.next.data) or url_for("staff.inbox")
    if form.action.data in ACTIONS and form.action.data not in allowed_bulk_actions(user):
        abort(403)
    verb = verb_for(form) if form.validate_on_submit() else None
    if verb is None:
        for message in form_problems(form):
            flash(message, "error")
        return redirect(back, code=303)
    selected = list({row.id: row for row in form.ticket_ids.data or []}.values())
    changed = changed_since_shown(user, selected)
    if changed:  # the inbox was stale for these: decide again on all of them, act on none
        page_html = render_template("staff/bulk_refused.html", changed=changed, back=back)
        return page_html, 409
    report = apply(user, selected, verb)
    flash_report(form.action.data, report)
    return redirect(back, code=303)


def changed_since_shown(user: User, selected: list[Selected]) -> list[Ticket]:
    """The selected tickets the user may see that changed since the inbox showed them."""
    shown = {row.id: row.version for row in selected if row.version}
    visible = [loaded.visible_ticket(db.session, user, ticket_id) for ticket_id in shown]
    tickets = [ticket for ticket in visible if ticket is not None]
    now = ticket_versions(db.session, [ticket.id for ticket in tickets])
    return [ticket for ticket in tickets if now[ticket.id] != shown[ticket.id]]


def form_problems(form: BulkForm) -> list[str]:
    """Messages for a bulk form that cannot be applied."""
    problems = [str(message) for errors in form.errors.values() for message in errors]
    if not problems and form.action.data == ASSIGN:
        problems.append(_("Choose whom to assign the tickets to."))
    if not problems and form.action.data == TRANSFER:
        problems.append(_("Choose a department and write a note for the transfer."))
    return problems or [_("The bulk action could not be understood. Nothing was changed.")]


def verb_for(form: BulkForm) -> Verb | None:
    """Return the domain call for the chosen action, or None when a needed field is missing."""
    now = utcnow()
    if form.action.data == CLOSE:
        return lambda ticket, actor: handling.close(db.session, ticket, actor=actor, now=now)
    if form.action.data == ASSIGN and form.assignee.data:
        assignee = get_by_id(db.session, User, form.assignee.data)
        return lambda ticket, actor: handling.assign(
            db.session, ticket, assignee, actor=actor, now=now
        )
    if form.action.data == TRANSFER and form.department.data and form.note.data:
        target = get_by_id(db.session, Department, form.department.data)
        note = form.note.data
        return lambda ticket, actor: handling.transfer(
            db.session, ticket, target, note, actor=actor, now=now
        )
    return None


def apply(user: User, selected: list[Selected], verb: Verb) -> Report:
    """Run the verb on each ticket the user may see, one transaction per ticket.

    A ticket that changed since the inbox showed it (a race with the check before) is left.
    """
    report = Report()
    actor = actor_for(user)
    for ticket_id, seen in selected:
        ticket = loaded.visible_ticket(db.session, user, ticket_id)
        if ticket is None:  # another department's ticket looks exactly like a missing one
            report.failed[_("not found")].append(f"#{ticket_id}")
            continue
        reference = ticket.reference
        try:
            if seen:
                check_action_version(db.session, ticket, seen)
            verb(ticket, actor)
        except workflow.TransitionError as error:
            db.session.rollback()
            report.failed[transition_reason(error)].append(reference)
            continue
        except handling.HandlingError as error:
            db.session.rollback()
            known = HANDLING_MESSAGES.get(str(error))
            report.failed[str(known) if known is not None else str(error)].append(reference)
            continue
        db.session.commit()
        report.done.append(reference)
    return report


def transition_reason(error: workflow.TransitionError) -> str:
    """Why the state refused, briefly."""
    if error.status in FINAL_STATUSES:
        return _("already concluded")
    if error.action is Action.CLOSE:
        return _("not answered yet")
    return _("not possible while “%(status)s”", status=STATUS_LABELS[error.status])


def flash_report(action: str, report: Report) -> None:
    """Flash how many tickets were changed, and each group that was not, with the reason."""
    done = len(report.done)
    if action == CLOSE:
        message = ngettext("%(num)d ticket closed.", "%(num)d tickets closed.", done)
    elif action == TRANSFER:
        message = ngettext("%(num)d ticket transferred.", "%(num)d tickets transferred.", done)
    else:
        message = ngettext("%(num)d ticket assigned.", "%(num)d tickets assigned.", done)
    flash(message, "success" if done else "info")
    for reason, refs in report.failed.items():
        flash(failure_message(action, reason, refs), "warning")


def failure_message(action: str, reason: str, refs: list[str]) -> str:
    count, listed = len(refs), ", ".join(refs)
    if action == CLOSE:
        return ngettext(
            "%(num)d could not be closed (%(refs)s): %(reason)s",
            "%(num)d could not be closed (%(refs)s): %(reason)s",
            count,
            refs=listed,
            reason=reason,
        )
    if action == TRANSFER:
        return ngettext(
            "%(num)d could not be transferred (%(refs)s): %(reason)s",
            "%(num)d could not be transferred (%(refs)s): %(reason)s",
            count,
            refs=listed,
            reason=reason,
        )
    return ngettext(
        "%(num)d could not be assigned (%(refs)s): %(reason)s",
        "%(num)d could not be assigned (%(refs)s): %(reason)s",
        count,
        refs=listed,
        reason=reason,
    )
