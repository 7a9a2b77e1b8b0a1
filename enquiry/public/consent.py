"""The citizen withdraws consent to publication from the tracking page: offline at once."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from enquiry import audit
from enquiry.domain import publishing
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import public as visible
from enquiry.domain.queries import publications as published
from enquiry.extensions import db
from enquiry.models import utcnow
from enquiry.public import access
from enquiry.public.blueprint import bp


class WithdrawConsentForm(FlaskForm):
    """One button: the CSRF token is the only field."""


@bp.post("/track/<reference>/withdraw-consent")
def withdraw_consent(reference: str) -> Response:
    """Withdraw consent to publication; a published answer is taken offline immediately."""
    ticket = visible.granted_ticket(db.session, reference, access.granted())
    if ticket is None:
        return redirect(url_for("public.track", reference=reference[:40]))
    if not WithdrawConsentForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
        return redirect(url_for("public.tracked", reference=ticket.reference), code=303)
    identity = policy_from_config(current_app.config).mail
    publishing.withdraw_consent(
        db.session,
        ticket,
        published.publication_of(db.session, ticket),
        identity=identity,
        actor=audit.Actor.citizen(request.remote_addr),
        now=utcnow(),
    )
    db.session.commit()
    flash(_("You have withdrawn your consent. Your enquiry will not be published."), "success")
    return redirect(url_for("public.tracked", reference=ticket.reference), code=303)
