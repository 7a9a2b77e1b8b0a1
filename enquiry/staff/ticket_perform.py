"""How the ticket page is drawn, and how an action on it is checked, run and answered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from enquiry import audit
from enquiry.domain import correction, handling
from enquiry.domain.answering import STALE_ACTION, StaleTicketError, check_action_version
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import tickets as loaded
from enquiry.domain.queries.access import TicketNotFoundError, is_in_scope, load_ticket_to_read
from enquiry.domain.queries.composer import ticket_version
from enquiry.extensions import db
from enquiry.models import FINAL_STATUSES, CannedReply, Kind, Ticket, User, utcnow
from enquiry.rules import outcomes_2008, workflow
from enquiry.staff import clock_views, composer_page, outbox_views, stale, withdraw_views
from enquiry.staff import ticket_forms as tf
from enquiry.staff import ticket_page as page
from enquiry.staff.access import (
    actor_for,
    current_staff,
    load_ticket_for,
    load_ticket_to_read_for,
)
from enquiry.staff.related_panel import related_panel
from enquiry.staff.remedy_panel import remedy_panel
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
THREAD_KINDS = frozenset({"citizen", "reply"})  # what the composer's version counts


def make_form(
    name: str,
    user: User,
    ticket: Ticket,
    *,
    submitted: bool = False,
    canned: list[CannedReply] | None = None,
) -> Any:
    """Return one of the page's forms, its choices set; read the request only when submitted.

    `canned`: the canned replies offered, when the caller has them already.
    """
    prefix = "" if name in UNPREFIXED else name
    form: Any = (
        FORMS[name](prefix=prefix) if submitted else FORMS[name](prefix=prefix, formdata=None)
    )
    if name == "reply":
        replies = page.canned_replies(user, ticket) if canned is None else canned
        form.set_canned_choices([(str(c.id), c.title) for c in replies])
        if not submitted:
            composer_page.start_from_draft(form, user, ticket)
        if not submitted and ticket.kind is Kind.INFO_APPLICATION:
            form.limit.data = page.correction_default_limit()
    elif name == "transfer":
        form.set_departments(page.transfer_choices(current_locale()))
    elif name == "assign":
        mine = [(str(user.id), user.display_name)]
        choices = page.colleague_choices(ticket) if page.may_assign_others(user) else mine
        form.set_assignees(choices, allow_nobody=page.may_assign_others(user))
    return form


def render_page(
    ticket: Ticket,
    status: int = 200,
    *,
    forms: dict[str, Any] | None = None,
    error: str = "",
    seen: Callable[[dict[str, Any]], bool] | None = None,
    kept: list[str] | None = None,
) -> tuple[str, int]:
    """Render the ticket page; forms given replace the blank ones (to show input and errors).

    `seen` tells the messages the sender's stale page showed; the others are marked as new.
    """
    forms_ = forms or {}
    user = current_staff()
    canned = page.canned_replies(user, ticket)
    built = {
        name: make_form(name, user, ticket, canned=canned) for name in FORMS if name not in forms_
    } | forms_
    in_scope = is_in_scope(user, ticket)  # else 会商: named in a note, may read and add notes
    offered = {action.value for action in page.offered_actions(user, ticket)} if in_scope else set()
    composer_page.stamp_version(built["reply"], ticket)
    stamp_versions(built.values(), ticket)
    is_application = ticket.kind is Kind.INFO_APPLICATION
    is_open = ticket.status not in FINAL_STATUSES
    return render_template(
        "staff/ticket.html",
        ticket=ticket,
        clock=clock_views.clock_panel(ticket, user),
        remedies=remedy_panel(ticket, user),
        post_letters=withdraw_views.posting_panel(ticket),
        withdrawal=withdraw_views.withdraw_panel(ticket, user),
        outcome_groups=outcomes_2008.choice_groups_for(ticket.received_on)
        if is_application
        else None,
        outcome_selected=built["close"].outcome.data,
        outcome_error=error if "close" in (forms or {}) and is_application else None,
        header=page.header_view(ticket),
        thread=mark_newer(page.thread_view(ticket), seen),
        mails=outbox_views.ticket_mail(ticket),
        related=related_panel(ticket, user),
        history=page.history_view(ticket),
        forms=built,
        offered=offered,
        composer=composer_page.composer_view(user, ticket, kept="reply" in forms_, canned=canned),
        may_assign=page.may_assign_others(user) and is_open and in_scope,
        may_take=page.may_take(user, ticket)
        and is_open
        and ticket.assignee_id != user.id
        and in_scope,
        consulted_only=not in_scope,
        error=error,
        kept_text=kept or [],
        problems=[
            (field.label.text, message)
            for form in (forms or {}).values()
            for field in form
            for message in field.errors
        ],
    ), status


def seen_on_page(form: Any) -> Callable[[dict[str, Any]], bool] | None:
    """What a stale form's page showed: messages up to its version (action forms: any kind;
    the composer: citizen messages and replies, the kinds its version counts)."""
    version = getattr(form, "version", None)
    if version is not None and version.data:
        return shown_up_to(int(str(version.data).partition(".")[0]))
    seen = getattr(form, "seen", None)
    if seen is not None and str(seen.data or "").isdigit():
        newest = int(seen.data)
        return lambda message: message["id"] <= newest or message["kind"] not in THREAD_KINDS
    return None


def shown_up_to(newest: int) -> Callable[[dict[str, Any]], bool]:
    """What a stale action form's page showed: the messages up to `newest`, of any kind."""
    return lambda message: message["id"] <= newest


def render_stale(error: stale.StalePageError) -> tuple[str, int]:
    """The 409 answer to any form sent from a stale page: the ticket, its newer messages marked,
    and the text the form carried shown back (its form is drawn afresh, empty)."""
    db.session.rollback()
    ticket = load_ticket_to_read_for(current_staff(), error.ticket_id)
    message = tf.handling_message(StaleTicketError(STALE_ACTION))
    seen = shown_up_to(error.newest_seen_message())
    return render_page(ticket, 409, error=message, seen=seen, kept=stale.typed_text())


def mark_newer(
    thread: list[dict[str, Any]], seen: Callable[[dict[str, Any]], bool] | None
) -> list[dict[str, Any]]:
    """Mark the messages a stale page did not show (none when the page is not stale)."""
    for message in thread:
        message["is_newer"] = seen is not None and not seen(message)
    return thread


def stamp_versions(forms: Iterable[Any], ticket: Ticket) -> None:
    """Stamp every action form with the ticket's version now (a form sent back gets it anew)."""
    version = ticket_version(db.session, ticket)
    stale.stamp_page_version(version)  # the forms drawn outside WTForms carry it too
    for form in forms:
        if isinstance(form, tf.VersionedForm):
            form.version.data = version


def perform(
    ticket_id: int,
    form_name: str,
    action: Action | None,
    run: Run,
    done: str,
    *,
    label: object = None,
    consulted_may: bool = False,
) -> Any:
    """Check scope, role and form; run one domain verb; commit and redirect, or explain why not.

    `consulted_may`: a colleague named in a note on the ticket (会商) may do this too.
    """
    user = current_staff()
    load = load_ticket_to_read_for if consulted_may else load_ticket_for
    ticket = load(user, ticket_id)
    if action is not None and not page.role_permits(user, ticket, action):
        abort(403)
    form = make_form(form_name, user, ticket, submitted=True)
    if not form.validate_on_submit():
        error = _("Please correct the following. Nothing was changed.")
        return render_page(ticket, 400, forms={form_name: form}, error=error)
    try:
        seen = getattr(form, "version", None)
        if seen is not None and seen.data:
            check_action_version(db.session, ticket, seen.data)
        run(ticket, form, actor_for(user), utcnow())
    except workflow.TransitionError as error:
        db.session.rollback()
        message = tf.transition_message(error, label)
        return render_page(load(user, ticket_id), 409, forms={form_name: form}, error=message)
    except handling.HandlingError as error:
        db.session.rollback()
        status = 409 if isinstance(error, (correction.CorrectionRefused, StaleTicketError)) else 400
        message = tf.handling_message(error)
        is_stale = isinstance(error, StaleTicketError)
        seen = seen_on_page(form) if is_stale else None
        kept = [text for text in stale.typed_text() if is_stale and text not in shown_in(form)]
        return render_page(
            load(user, ticket_id),
            status,
            forms={form_name: form},
            error=message,
            seen=seen,
            kept=kept,
        )
    db.session.commit()
    flash(done, "success")
    return redirect(after_action_url(user, ticket_id))


def shown_in(form: Any) -> set[str]:
    """The text a form sent back shows in its own fields (not to be shown twice)."""
    return {str(field.data).strip() for field in form if isinstance(field.data, str)}


def after_action_url(user: User, ticket_id: int) -> str:
    """The ticket's page, or the inbox when the action took the ticket out of the user's scope."""
    try:
        load_ticket_to_read(db.session, user, ticket_id)
    except TicketNotFoundError:
        return url_for("staff.inbox")
    return url_for("staff.ticket", ticket_id=ticket_id)


def mail_identity() -> Any:
    return policy_from_config(current_app.config).mail


def simple_run(verb: Callable[..., object]) -> Run:
    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        verb(db.session, ticket, actor=actor, now=now)

    return run


def find_in_scope(user: User, reference: str) -> Ticket | None:
    """Return the ticket with this reference if the user may see it (else None, alike)."""
    return loaded.visible_ticket_by_reference(db.session, user, reference)
