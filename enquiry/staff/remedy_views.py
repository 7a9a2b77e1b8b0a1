"""Record a ticket's 行政复议 / 行政诉讼 and how each ended (POST, then back to the ticket)."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.domain import remedies
from enquiry.domain.queries.remedies import remedy_of
from enquiry.extensions import db
from enquiry.models import RemedyKind, RemedyResult, Role, Ticket, utcnow
from enquiry.staff.access import actor_for, current_staff, load_ticket_for, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.inbox import ticket_url
from enquiry.staff.remedy_forms import AFTER_REVIEW, RESULT_PREFIX, RemedyForm, RemedyResultForm
from enquiry.staff.stale import versioned

logger = logging.getLogger(__name__)

ALL_STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
REFUSALS = {
    remedies.NOT_APPLICATION: _l("Only applications for government information have this."),
    remedies.NO_BODY: _l("Name the review body or court."),
    remedies.BODY_TOO_LONG: _l("The name of the review body or court is too long."),
    remedies.FILED_IN_FUTURE: _l("The filing date cannot be in the future."),
    remedies.FILED_BEFORE_RECEIPT: _l("The filing date is before the application was received."),
    remedies.NEEDS_CONCLUSION_DATE: _l("Give the date the case was concluded."),
    remedies.CONCLUDED_BEFORE_FILED: _l("The case cannot conclude before it was filed."),
    remedies.CONCLUDED_IN_FUTURE: _l("The conclusion date cannot be in the future."),
    remedies.NO_CONCLUSION_WHILE_PENDING: _l("A case not yet concluded has no conclusion date."),
    remedies.ROUTE_ONLY_FOR_LAWSUITS: _l("Only a lawsuit has a route."),
}


def _refused(ticket: Ticket, form: Any, message: str | None = None) -> tuple[str, int]:
    """Show the form again with what went wrong (nothing was changed)."""
    if message:
        form.form_errors.append(message)
    page = render_template(
        "staff/remedy_action.html",
        ticket=ticket,
        form=form,
        action=request.path,
        back=ticket_url(ticket.id),
    )
    return page, 400


@bp.post("/tickets/<id:ticket_id>/remedies", endpoint="add_remedy")
@role_required(*ALL_STAFF)
@versioned
def add_remedy(ticket_id: int) -> Response | tuple[str, int]:
    """Record a 行政复议 or 行政诉讼 brought over this application."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = RemedyForm(prefix="remedy")
    if not form.validate_on_submit():
        return _refused(ticket, form)
    kind = RemedyKind(form.kind.data)
    route = (form.route.data == AFTER_REVIEW) if kind is RemedyKind.LAWSUIT else None
    try:
        remedies.record_remedy(
            db.session, ticket, kind=kind, filed_on=form.filed_on.data, body=form.body.data,
            after_review=route, actor=actor_for(user), now=utcnow(),
        )  # fmt: skip
    except remedies.RemedyError as error:
        db.session.rollback()
        return _refused(ticket, form, str(REFUSALS[error.code]))
    db.session.commit()
    flash(_("The review or lawsuit is recorded."), "success")
    return redirect(ticket_url(ticket.id) + "#remedies", code=303)


@bp.post("/tickets/<id:ticket_id>/remedies/<id:remedy_id>", endpoint="set_remedy_result")
@role_required(*ALL_STAFF)
@versioned
def set_remedy_result(ticket_id: int, remedy_id: int) -> Response | tuple[str, int]:
    """Record (or correct) how a review or lawsuit ended."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    remedy = remedy_of(db.session, ticket, remedy_id) or abort(404)
    form = RemedyResultForm(prefix=RESULT_PREFIX)
    if not form.validate_on_submit():
        return _refused(ticket, form)
    try:
        remedies.set_result(
            db.session, ticket, remedy, result=RemedyResult(form.result.data),
            concluded_on=form.concluded_on.data, actor=actor_for(user), now=utcnow(),
        )  # fmt: skip
    except remedies.RemedyError as error:
        db.session.rollback()
        return _refused(ticket, form, str(REFUSALS[error.code]))
    db.session.commit()
    flash(_("The result is recorded."), "success")
    return redirect(ticket_url(ticket.id) + "#remedies", code=303)
