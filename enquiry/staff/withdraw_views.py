"""Withdrawals and letters by post on the staff side (POST, then back to the ticket).

- 申请人撤回: staff record that the applicant withdrew; the ticket is concluded.
- A consultation withdrawn (cancelled) by staff: the clock runs again.
- Letters by post: a ticket without an e-mail address lists its mail to print and post; staff
  record the date each was posted.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.domain import consultation_close, consultations, posting, withdrawal
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Consultation, OutboundEmail, Role, Ticket, User, utcnow
from enquiry.staff.access import actor_for, current_staff, load_ticket_for, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.inbox import ticket_url
from enquiry.staff.posting_forms import PostedForm, WithdrawForm
from enquiry.staff.stale import check_page_version, versioned

logger = logging.getLogger(__name__)

ALL_STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
REFUSALS = {
    posting.NOT_TO_POST: _l("This mail is not waiting to be posted."),
    posting.ALREADY_POSTED: _l("This mail was already recorded as posted."),
    posting.IN_FUTURE: _l("The date posted cannot be after today."),
    posting.BEFORE_WRITTEN: _l("The date posted cannot be before the mail was written."),
    withdrawal.NOT_OPEN: _l("Only an open enquiry can be withdrawn."),
    consultations.ALREADY_CLOSED: _l("This consultation is already closed."),
}


def _back(ticket_id: int, anchor: str = "") -> Response:
    return redirect(ticket_url(ticket_id) + anchor, code=303)


def _first_error(form: Any) -> str:
    """The first field error of a form that did not validate (what the refusal page says)."""
    return str(next(iter(form.errors.values()), [""])[0])


def _refused(ticket_id: int, code: str, status: int = 400) -> tuple[str, int]:
    """Say why nothing was done, on a page of its own: 400 for what was typed, 409 when the
    ticket's state does not allow it. The session is rolled back first."""
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket_id)
    page = render_template(
        "staff/action_refused.html",
        ticket=ticket,
        message=str(REFUSALS.get(code, code)),
        back=ticket_url(ticket_id),
    )
    return page, status


def posting_panel(ticket: Ticket) -> dict[str, Any] | None:
    """What templates/staff/_post_letters.html shows: None when mail to the ticket is e-mailed."""
    if not posting.by_post(ticket):
        return None
    return {
        "ticket_id": ticket.id,
        "address": ticket.citizen_address,
        "rows": posting.to_post(db.session, ticket),
        "form": PostedForm(formdata=None),
    }


def withdraw_panel(ticket: Ticket, user: User) -> dict[str, Any] | None:
    """The 申请人撤回 form, when the ticket may be withdrawn."""
    if not withdrawal.may_withdraw(ticket):
        return None
    return {"ticket_id": ticket.id, "form": WithdrawForm(formdata=None)}


@bp.post("/tickets/<id:ticket_id>/withdraw", endpoint="withdraw_ticket")
@role_required(*ALL_STAFF)
@versioned
def withdraw_ticket(ticket_id: int) -> Response | tuple[str, int]:
    """Record that the applicant withdrew: the ticket is concluded, the clock stops."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _refused(ticket.id, _first_error(form))
    policy = policy_from_config(current_app.config, session=db.session)
    try:
        withdrawal.withdraw(
            db.session, ticket, policy=policy, actor=actor_for(user), now=utcnow(),
            note=form.note.data,
        )  # fmt: skip
    except withdrawal.WithdrawalError as error:
        return _refused(ticket.id, str(error), 409)
    db.session.commit()
    flash(_("The withdrawal is recorded; the enquiry is concluded."), "success")
    return _back(ticket.id)


@bp.post("/consultations/<id:consultation_id>/withdraw", endpoint="withdraw_consultation")
@role_required(*ALL_STAFF)
def withdraw_consultation(consultation_id: int) -> Response | tuple[str, int]:
    """Withdraw (cancel) an open consultation; the applicant's clock runs again."""
    user = current_staff()
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        abort(404)
    ticket = load_ticket_for(user, consultation.ticket_id)
    check_page_version(ticket)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _refused(ticket.id, _first_error(form))
    policy = policy_from_config(current_app.config, session=db.session)
    try:
        consultation_close.withdraw(
            db.session, consultation, form.note.data, policy=policy, actor=actor_for(user),
            now=utcnow(),
        )  # fmt: skip
    except consultations.ConsultationError as error:
        return _refused(ticket.id, str(error), 409)
    db.session.commit()
    flash(_("The consultation is withdrawn."), "success")
    return _back(ticket.id)


@bp.post("/tickets/<id:ticket_id>/mail/<id:outbound_id>/posted", endpoint="record_posted")
@role_required(*ALL_STAFF)
@versioned
def record_posted(ticket_id: int, outbound_id: int) -> Response | tuple[str, int]:
    """Record the date a letter (a mail kept for post) was posted to the applicant."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    mail = db.session.get(OutboundEmail, outbound_id)
    if mail is None or mail.ticket_id != ticket.id:
        abort(404)
    form = PostedForm()
    if not form.validate_on_submit():
        return _refused(ticket.id, _first_error(form))
    try:
        posting.record_posted(
            db.session, ticket, mail, form.posted_on.data, actor=actor_for(user), now=utcnow()
        )
    except posting.PostingError as error:
        return _refused(ticket.id, str(error), 409)
    db.session.commit()
    flash(_("The date posted is recorded."), "success")
    return _back(ticket.id, "#post-letters")
