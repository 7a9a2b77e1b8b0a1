"""The answer loop: reply (and close) in one step, the draft saved as the clerk types, who else
has the ticket open, and reopening a closed ticket after a follow-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _

from enquiry import audit
from enquiry.domain import answering, composer
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Ticket, utcnow
from enquiry.staff import composer_page
from enquiry.staff import ticket_forms as tf
from enquiry.staff import ticket_page as page
from enquiry.staff.access import current_staff, load_ticket_for
from enquiry.staff.blueprint import bp
from enquiry.staff.ticket_perform import Action, mail_identity, perform


@bp.post("/tickets/<id:ticket_id>/answer", endpoint="answer")
def answer(ticket_id: int) -> Any:
    """答复, or 发送并办结 (send and close) when the form says so; 签收 and 办理 come implicitly."""
    close = request.form.get("close") == "1"
    user = current_staff()
    if close and not page.role_permits(user, load_ticket_for(user, ticket_id), Action.CLOSE):
        abort(403)

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        seen = int(form.seen.data or 0)
        answering.answer(
            db.session,
            ticket,
            form.body.data,
            seen_version=seen,
            close=close,
            identity=mail_identity(),
            actor=actor,
            now=now,
        )

    done = _("Your reply has been sent and the ticket closed.") if close else None
    return perform(ticket_id, "reply", Action.ANSWER, run, done or _("Your reply has been sent."))


@bp.post("/tickets/<id:ticket_id>/draft", endpoint="save_draft")
def save_draft(ticket_id: int) -> tuple[str, int]:
    """Keep the composer's text on the server as it is typed (htmx; answers a status line)."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = tf.DraftForm(prefix="reply")
    if not form.validate_on_submit():
        # Say why in the status line (htmx swaps a 400 in): the text is too long, or the
        # page is too old for its token and must be reloaded.
        reason = form.body.errors[0] if form.body.errors else _("Reload the page to save it.")
        return render_template("staff/_draft_status.html", failed=True, reason=reason), 400
    seen = int(form.seen.data) if form.seen.data else None
    try:
        composer.save_draft(
            db.session, ticket, user, form.body.data or "", now=utcnow(), seen_version=seen
        )
    except composer.DraftOutdatedError:
        reason = _("Your reply from this page has been sent; reload the page to write another.")
        return render_template("staff/_draft_status.html", failed=True, reason=reason), 409
    db.session.commit()
    return render_template("staff/_draft_status.html", saved_at=composer_page.saved_at()), 200


@bp.post("/tickets/<id:ticket_id>/presence", endpoint="presence")
def presence(ticket_id: int) -> tuple[str, int]:
    """Heartbeat: the user has the ticket open; answer who else has (htmx, every 10 s)."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    composer.heartbeat(db.session, ticket, user, now=utcnow())
    db.session.commit()
    others = composer_page.presence_view(user, ticket)
    return render_template("staff/_presence.html", colleagues=others), 200


@bp.post("/tickets/<id:ticket_id>/reopen", endpoint="reopen")
def reopen(ticket_id: int) -> Any:
    """重办: reopen a closed ticket with one click (a follow-up needs an answer after all)."""

    def run(ticket: Ticket, form: Any, actor: audit.Actor, now: datetime) -> None:
        policy = policy_from_config(current_app.config, session=db.session)
        answering.reopen(db.session, ticket, policy=policy, actor=actor, now=now)

    return perform(ticket_id, "action", Action.REOPEN, run, _("The ticket has been reopened."))
