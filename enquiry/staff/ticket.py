"""The ticket page and its actions: reply, note, transfer, acknowledge ... each a POST, then GET."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, current_app
from flask_babel import gettext as _

from enquiry import audit
from enquiry.bounded import get_by_id
from enquiry.domain import answering, correction, handling
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Department, Ticket, User
from enquiry.staff import adoption_views, notifications_views, stale
from enquiry.staff import ticket_forms as tf
from enquiry.staff import ticket_page as page
from enquiry.staff.access import current_staff, load_ticket_for, load_ticket_to_read_for
from enquiry.staff.blueprint import bp
from enquiry.staff.ticket_perform import (
    Action,
    find_in_scope,
    mail_identity,
    make_form,
    perform,
    render_page,
    render_stale,
    simple_run,
)


@bp.errorhandler(stale.StalePageError)
def stale_page(error: stale.StalePageError) -> tuple[str, int]:
    """A form from the ticket page sent after the ticket changed: 409, nothing done."""
    return render_stale(error)


@bp.get("/tickets/<id:ticket_id>", endpoint="ticket")
def show_ticket(ticket_id: int) -> tuple[str, int]:
    """Show a ticket: header, thread, history and the actions the user may take (none but a
    note for a colleague of another department named in a note: 会商)."""
    ticket = load_ticket_to_read_for(current_staff(), ticket_id)
    notifications_views.remember_read(current_staff(), ticket)  # before render: the bell too
    return render_page(ticket)


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
        if form.seen.data:  # the composer's thread version: no 补正 over a newer message
            answering.check_version(db.session, ticket, int(form.seen.data))
        policy = policy_from_config(current_app.config, session=db.session)
        correction.request_info(
            db.session,
            ticket,
            form.body.data,
            policy=policy,
            actor=actor,
            now=now,
            limit=form.limit.data,
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

    done = _("Your note has been added.")
    return perform(ticket_id, "note", None, run, done, consulted_may=True)


@bp.post("/tickets/<id:ticket_id>/transfer", endpoint="transfer")
def transfer(ticket_id: int) -> Any:
    """转办: send the ticket to a department with a note."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        target = get_by_id(db.session, Department, form.department.data)
        handling.transfer(db.session, ticket, target, form.note.data, actor=actor, now=now)

    return perform(
        ticket_id, "transfer", Action.TRANSFER, run, _("The ticket has been transferred.")
    )


@bp.post("/tickets/<id:ticket_id>/acknowledge", endpoint="acknowledge")
def acknowledge(ticket_id: int) -> Any:
    """签收: the department accepts the ticket."""
    done = _("The ticket has been acknowledged.")
    return perform(ticket_id, "action", Action.ACKNOWLEDGE, simple_run(handling.acknowledge), done)


@bp.post("/tickets/<id:ticket_id>/start", endpoint="start")
def start(ticket_id: int) -> Any:
    """办理: work on the ticket begins."""
    done = _("Work on the ticket has started.")
    return perform(ticket_id, "action", Action.START, simple_run(handling.start), done)


@bp.post("/tickets/<id:ticket_id>/close", endpoint="close")
def close(ticket_id: int) -> Any:
    """办结: conclude an answered ticket (an information application with its outcome)."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        outcome = form.outcome.data or None
        adoption_views.record_from_close_form(ticket, actor, now)  # 建议: 采纳 / 部分采纳 / 未采纳
        policy = policy_from_config(current_app.config, session=db.session)
        handling.close(db.session, ticket, actor=actor, now=now, outcome=outcome, policy=policy)

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
