"""The ticket page and its actions: reply, note, transfer, acknowledge ... each a POST, then GET."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from enquiry import audit
from enquiry.bounded import get_by_id
from enquiry.domain import handling
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import FINAL_STATUSES, Department, Kind, Ticket, User, utcnow
from enquiry.rules import outcomes, references, workflow
from enquiry.staff import clock_views, outbox_views
from enquiry.staff import ticket_forms as tf
from enquiry.staff import ticket_page as page
from enquiry.staff.access import actor_for, current_staff, load_ticket_for, ticket_scope
from enquiry.staff.blueprint import bp
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

Action = workflow.Action
Run = Callable[[Ticket, Any, audit.Actor, datetime], None]
FORMS: dict[str, type[FlaskForm]] = {
    "reply": tf.ReplyForm,
    "note": tf.NoteForm,
    "transfer": tf.TransferForm,
    "return": tf.ReturnForm,
    "refuse": tf.RefuseForm,
    "spam": tf.SpamForm,
    "merge": tf.MergeForm,
    "assign": tf.AssignForm,
    "action": tf.ActionForm,
    "close": tf.CloseForm,
}
UNPREFIXED = frozenset({"action", "close"})  # no fields of their own, or shared partials


def make_form(name: str, user: User, ticket: Ticket, *, submitted: bool = False) -> Any:
    """Return one of the page's forms, its choices set; read the request only when submitted."""
    prefix = "" if name in UNPREFIXED else name
    form: Any = (
        FORMS[name](prefix=prefix) if submitted else FORMS[name](prefix=prefix, formdata=None)
    )
    if name == "reply":
        form.set_canned_choices([(str(c.id), c.title) for c in page.canned_replies(user, ticket)])
    elif name == "transfer":
        form.set_departments(page.transfer_choices(current_locale()))
    elif name == "assign":
        mine = [(str(user.id), user.display_name)]
        choices = page.colleague_choices(ticket) if page.may_assign_others(user) else mine
        form.set_assignees(choices, allow_nobody=page.may_assign_others(user))
    return form


def render_page(
    ticket: Ticket, status: int = 200, *, forms: dict[str, Any] | None = None, error: str = ""
) -> tuple[str, int]:
    """Render the ticket page; forms given replace the blank ones (to show input and errors)."""
    user = current_staff()
    built = {name: make_form(name, user, ticket) for name in FORMS} | (forms or {})
    offered = {action.value for action in page.offered_actions(user, ticket)}
    is_application = ticket.kind is Kind.INFO_APPLICATION
    is_open = ticket.status not in FINAL_STATUSES
    return render_template(
        "staff/ticket.html",
        ticket=ticket,
        clock=clock_views.clock_panel(ticket, user),
        outcome_groups=outcomes.choice_groups() if is_application else None,
        outcome_selected=built["close"].outcome.data,
        outcome_error=error if "close" in (forms or {}) and is_application else None,
        header=page.header_view(ticket),
        thread=page.thread_view(ticket),
        mails=outbox_views.ticket_mail(ticket),
        history=page.history_view(ticket),
        forms=built,
        offered=offered,
        may_assign=page.may_assign_others(user) and is_open,
        may_take=page.may_take(user, ticket) and is_open and ticket.assignee_id != user.id,
        error=error,
        problems=[
            (field.label.text, message)
            for form in (forms or {}).values()
            for field in form
            for message in field.errors
        ],
    ), status


@bp.get("/tickets/<id:ticket_id>", endpoint="ticket")
def show_ticket(ticket_id: int) -> tuple[str, int]:
    """Show a ticket: header, thread, history and the actions the user may take."""
    return render_page(load_ticket_for(current_staff(), ticket_id))


def perform(
    ticket_id: int,
    form_name: str,
    action: Action | None,
    run: Run,
    done: str,
    *,
    label: object = None,
) -> Any:
    """Check scope, role and form; run one domain verb; commit and redirect, or explain why not."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    if action is not None and not page.role_permits(user, ticket, action):
        abort(403)
    form = make_form(form_name, user, ticket, submitted=True)
    if not form.validate_on_submit():
        error = _("Please correct the following. Nothing was changed.")
        return render_page(ticket, 400, forms={form_name: form}, error=error)
    try:
        run(ticket, form, actor_for(user), utcnow())
    except workflow.TransitionError as error:
        db.session.rollback()
        message = tf.transition_message(error, label)
        return render_page(
            load_ticket_for(user, ticket_id), 409, forms={form_name: form}, error=message
        )
    except handling.HandlingError as error:
        db.session.rollback()
        message = tf.handling_message(error)
        return render_page(
            load_ticket_for(user, ticket_id), 400, forms={form_name: form}, error=message
        )
    db.session.commit()
    flash(done, "success")
    return redirect(after_action_url(user, ticket_id))


def after_action_url(user: User, ticket_id: int) -> str:
    """The ticket's page, or the inbox when the action took the ticket out of the user's scope."""
    query = sa.select(Ticket.id).where(Ticket.id == ticket_id, ticket_scope(user))
    if db.session.scalar(query) is None:
        return url_for("staff.inbox")
    return url_for("staff.ticket", ticket_id=ticket_id)


def mail_identity() -> Any:
    return policy_from_config(current_app.config).mail


@bp.post("/tickets/<id:ticket_id>/reply", endpoint="reply")
def reply(ticket_id: int) -> Any:
    """答复: answer the citizen (tracking page at once, e-mail through the outbox)."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        body = form.body.data
        handling.reply(db.session, ticket, body, identity=mail_identity(), actor=actor, now=now)

    return perform(ticket_id, "reply", Action.ANSWER, run, _("Your reply has been sent."))


@bp.post("/tickets/<id:ticket_id>/request-info", endpoint="request_info")
def request_info(ticket_id: int) -> Any:
    """补正: ask the citizen for what is missing."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        body = form.body.data
        handling.request_info(
            db.session, ticket, body, identity=mail_identity(), actor=actor, now=now
        )

    done = _("Your request for information has been sent.")
    return perform(ticket_id, "reply", Action.REQUEST_INFO, run, done)


@bp.post("/tickets/<id:ticket_id>/canned", endpoint="use_canned")
def use_canned(ticket_id: int) -> tuple[str, int]:
    """Fill the composer with a canned reply (changes nothing: the page comes back filled)."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    replies = {str(reply.id): reply for reply in page.canned_replies(user, ticket)}
    choice = tf.CannedChoiceForm(prefix="reply")
    choice.set_canned_choices([(key, reply.title) for key, reply in replies.items()])
    if not choice.validate_on_submit():
        composer = make_form("reply", user, ticket, submitted=True)
        composer.canned.errors = [_("Choose a canned reply first.")]
        error = _("Please correct the following. Nothing was changed.")
        return render_page(ticket, 400, forms={"reply": composer}, error=error)
    text = page.canned_text(replies[choice.canned.data], ticket)
    typed = (choice.body.data or "").rstrip()
    composer = make_form("reply", user, ticket)
    composer.body.data = f"{typed}\n\n{text}" if typed else text
    composer.canned.data = choice.canned.data
    return render_page(ticket, forms={"reply": composer})


@bp.post("/tickets/<id:ticket_id>/note", endpoint="add_note")
def add_note(ticket_id: int) -> Any:
    """Add an internal note (never shown to the citizen)."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        handling.add_note(db.session, ticket, form.body.data, actor=actor, now=now)

    return perform(ticket_id, "note", None, run, _("Your note has been added."))


@bp.post("/tickets/<id:ticket_id>/transfer", endpoint="transfer")
def transfer(ticket_id: int) -> Any:
    """转办: send the ticket to a department with a note."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        target = get_by_id(db.session, Department, form.department.data)
        handling.transfer(db.session, ticket, target, form.note.data, actor=actor, now=now)

    return perform(
        ticket_id, "transfer", Action.TRANSFER, run, _("The ticket has been transferred.")
    )


def _simple(verb: Callable[..., object]) -> Run:
    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        verb(db.session, ticket, actor=actor, now=now)

    return run


@bp.post("/tickets/<id:ticket_id>/acknowledge", endpoint="acknowledge")
def acknowledge(ticket_id: int) -> Any:
    """签收: the department accepts the ticket."""
    done = _("The ticket has been acknowledged.")
    return perform(ticket_id, "action", Action.ACKNOWLEDGE, _simple(handling.acknowledge), done)


@bp.post("/tickets/<id:ticket_id>/start", endpoint="start")
def start(ticket_id: int) -> Any:
    """办理: work on the ticket begins."""
    done = _("Work on the ticket has started.")
    return perform(ticket_id, "action", Action.START, _simple(handling.start), done)


@bp.post("/tickets/<id:ticket_id>/close", endpoint="close")
def close(ticket_id: int) -> Any:
    """办结: conclude an answered ticket (an information application with its outcome)."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        outcome = form.outcome.data or None
        handling.close(db.session, ticket, actor=actor, now=now, outcome=outcome)

    return perform(ticket_id, "close", Action.CLOSE, run, _("The ticket has been closed."))


@bp.post("/tickets/<id:ticket_id>/return", endpoint="return_ticket")
def return_ticket(ticket_id: int) -> Any:
    """退单: give the ticket back to the routing office, saying why."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        office = page.default_department()
        reason = form.reason.data
        handling.return_to_office(db.session, ticket, reason, office, actor=actor, now=now)

    done = _("The ticket has been returned to the routing office.")
    return perform(ticket_id, "return", Action.RETURN, run, done)


@bp.post("/tickets/<id:ticket_id>/refuse", endpoint="refuse")
def refuse(ticket_id: int) -> Any:
    """不予受理: refuse the enquiry and tell the citizen why."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        reason = form.reason.data
        handling.refuse(db.session, ticket, reason, identity=mail_identity(), actor=actor, now=now)

    return perform(ticket_id, "refuse", Action.REFUSE, run, _("The enquiry has been refused."))


@bp.post("/tickets/<id:ticket_id>/spam", endpoint="mark_spam")
def mark_spam(ticket_id: int) -> Any:
    """Mark the ticket as spam, with a reason (no mail)."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        handling.mark_spam(db.session, ticket, form.reason.data, actor=actor, now=now)

    done = _("The ticket has been marked as spam.")
    return perform(ticket_id, "spam", Action.MARK_SPAM, run, done)


@bp.post("/tickets/<id:ticket_id>/merge", endpoint="merge")
def merge(ticket_id: int) -> Any:
    """Merge a duplicate into another ticket the user can see."""
    user = current_staff()

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        into = find_in_scope(user, form.target.data)
        if into is None:
            raise handling.HandlingError("no ticket with that reference")
        handling.merge(db.session, ticket, into, identity=mail_identity(), actor=actor, now=now)

    return perform(ticket_id, "merge", Action.MERGE, run, _("The ticket has been merged."))


def find_in_scope(user: User, reference: str) -> Ticket | None:
    """Return the ticket with this reference if the user may see it (else None, alike)."""
    wanted = references.normalize_reference(reference)
    query = sa.select(Ticket).where(Ticket.reference == wanted, ticket_scope(user))
    return db.session.scalar(query)


@bp.post("/tickets/<id:ticket_id>/assign", endpoint="assign")
def assign(ticket_id: int) -> Any:
    """Give the ticket to a colleague (leads), or take it yourself (everyone in the department)."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    if not (page.may_assign_others(user) or page.may_take(user, ticket)):
        abort(403)

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        chosen = get_by_id(db.session, User, form.assignee.data)
        if form.assignee.data and chosen is None:
            raise handling.HandlingError("the assignee does not work in the ticket's department")
        handling.assign(db.session, ticket, chosen, actor=actor, now=now)

    done = _("The assignment has been saved.")
    return perform(ticket_id, "assign", None, run, done, label=_("Assign"))
