"""From the tracking page: ask for one's contact details to be corrected, or one's data deleted."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from enquiry import audit
from enquiry.domain import personal_data
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import public as visible
from enquiry.extensions import db, limiter
from enquiry.models import Channel, Ticket, utcnow
from enquiry.public import access
from enquiry.public.blueprint import bp
from enquiry.public.data_forms import PersonalDataRequestForm
from enquiry.public.track import track_limit


def _page(ticket: Ticket, form: PersonalDataRequestForm, status: int = 200) -> tuple[str, int]:
    return render_template("public/personal_data_request.html", ticket=ticket, form=form), status


@bp.route("/track/<reference>/personal-data", methods=["GET", "POST"])
@limiter.limit(track_limit, methods=["POST"])
def personal_data_request(reference: str) -> Any:
    """Ask to correct or delete the personal data of an enquiry this browser has the code for."""
    ticket = visible.granted_ticket(db.session, reference, access.granted())
    if ticket is None:
        return redirect(url_for("public.track", reference=reference[:40]))
    form = PersonalDataRequestForm()
    if request.method == "GET":
        return _page(ticket, form)
    if not form.validate_on_submit():
        return _page(ticket, form, 400)
    return _submit(ticket, form)


def _submit(ticket: Ticket, form: PersonalDataRequestForm) -> Any:
    try:
        opened, _row = personal_data.request_change(
            db.session,
            ticket,
            action=form.action.data,
            correction=form.correction(),
            note=form.note.data or "",
            channel=Channel.WEB,
            policy=policy_from_config(current_app.config, session=db.session),
            actor=audit.Actor.citizen(request.remote_addr),
            now=utcnow(),
        )
    except personal_data.PersonalDataRequestError:
        db.session.rollback()
        form.form_errors.append(_("This enquiry no longer holds personal data to change."))
        return _page(ticket, form, 409)
    db.session.commit()
    access.grant(opened.ticket.id)
    message = _("Your request was received as %(reference)s.", reference=opened.ticket.reference)
    flash(message, "success")
    return redirect(url_for("public.tracked", reference=opened.ticket.reference), 303)
