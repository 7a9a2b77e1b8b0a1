"""The citizen withdraws an enquiry from the tracking page (申请人撤回): concluded at once."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from enquiry import audit
from enquiry.domain import withdrawal
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import public as visible
from enquiry.extensions import db
from enquiry.models import utcnow
from enquiry.public import access
from enquiry.public.blueprint import bp


class WithdrawForm(FlaskForm):
    """One button: the CSRF token is the only field."""


@bp.post("/track/<reference>/withdraw")
def withdraw(reference: str) -> Response:
    """Withdraw the enquiry: it is concluded, its clock stops, a confirmation is mailed."""
    ticket = visible.granted_ticket(db.session, reference, access.granted())
    if ticket is None:
        return redirect(url_for("public.track", reference=reference[:40]))
    back = redirect(url_for("public.tracked", reference=ticket.reference), code=303)
    if not WithdrawForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
        return back
    try:
        withdrawal.withdraw(
            db.session,
            ticket,
            policy=policy_from_config(current_app.config, session=db.session),
            actor=audit.Actor.citizen(request.remote_addr),
            now=utcnow(),
            by_citizen=True,
        )
    except withdrawal.WithdrawalError:
        db.session.rollback()
        flash(_("This enquiry can no longer be withdrawn."), "warning")
        return back
    db.session.commit()
    flash(_("You have withdrawn your enquiry. It is concluded."), "success")
    return back
