"""Staff decide a citizen's personal data request (correct or delete) on its ticket page."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from enquiry.domain import personal_data
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import retention as queries
from enquiry.extensions import db
from enquiry.models import Channel, Kind, PersonalDataRequest, utcnow
from enquiry.models import tickets as limits
from enquiry.models.privacy import REQUEST_NOTE_MAX
from enquiry.staff.access import (
    actor_for,
    current_staff,
    load_ticket_for,
    role_required,
    staff_required,
)
from enquiry.staff.admin.forms import strip_text
from enquiry.staff.blueprint import bp
from enquiry.staff.stale import versioned

logger = logging.getLogger(__name__)
APPROVE, REJECT = "approve", "reject"


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice(APPROVE, _l("Approve")), SelectChoice(REJECT, _l("Reject"))],
        validators=[InputRequired()],
    )
    note = TextAreaField(
        _l("Reason (kept with the decision)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=REQUEST_NOTE_MAX)],
    )


class RecordRequestForm(FlaskForm):
    """A request the citizen made by e-mail from the enquiry's address, recorded by staff."""

    action = RadioField(
        _l("The citizen asks us to"),
        choices=[
            SelectChoice(personal_data.CORRECT, _l("Correct my contact details")),
            SelectChoice(personal_data.DELETE, _l("Delete my personal data from this enquiry")),
        ],
        validators=[InputRequired()],
    )
    name = StringField(
        _l("Correct name"),
        filters=[strip_text],
        validators=[Optional(), Length(max=limits.NAME_MAX)],
    )
    email = StringField(
        _l("Correct e-mail"),
        filters=[strip_text],
        validators=[Optional(), Length(max=limits.EMAIL_MAX), Email(check_deliverability=False)],
    )
    phone = StringField(
        _l("Correct phone"),
        filters=[strip_text],
        validators=[Optional(), Length(max=limits.PHONE_MAX)],
    )

    def correction(self) -> personal_data.Correction:
        """The corrected details as entered."""
        return personal_data.Correction(
            self.name.data or None, self.email.data or None, self.phone.data or None
        )


def request_view(row: PersonalDataRequest) -> dict[str, Any]:
    """What the panel shows of a request."""
    return {
        "action": row.action,
        "corrections": [
            (label, value)
            for label, value in (
                (_("Name"), row.new_name),
                (_("E-mail"), row.new_email),
                (_("Phone"), row.new_phone),
            )
            if value
        ],
        "decision": row.decision,
        "note": row.decision_note,
    }


@bp.context_processor
def personal_data_panel() -> dict[str, Any]:
    """On a personal data request's page, the request and the decision form."""
    if request.endpoint != "staff.ticket" or not current_user.is_authenticated:
        return {}
    ticket_id = (request.view_args or {}).get("ticket_id")
    ticket = queries.ticket_by_id(db.session, ticket_id) if isinstance(ticket_id, int) else None
    if ticket is None:
        return {}
    if ticket.kind is not Kind.PERSONAL_DATA:
        if ticket.anonymised_at is not None:
            return {}
        return {
            "record_request_form": RecordRequestForm(prefix="pdr"),
            "record_ticket_id": ticket.id,
        }
    row = personal_data.request_for(db.session, ticket)
    if row is None:
        return {}
    subject = queries.ticket_by_id(db.session, row.subject_ticket_id)
    return {
        "data_request": request_view(row),
        "data_request_about": subject,
        "decision_form": DecisionForm(),
        "data_request_ticket_id": ticket.id,
        "may_decide_data_request": personal_data.may_decide(current_staff()),
    }


@bp.post("/tickets/<id:ticket_id>/personal-data/decide")
@role_required(*personal_data.DECIDE_ROLES)
@versioned
def decide_personal_data(ticket_id: int) -> Response | tuple[str, int]:
    """Approve or reject a personal data request; approval corrects or deletes."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    row = personal_data.request_for(db.session, ticket)
    form = DecisionForm()
    if row is None or not form.validate():
        form.form_errors.append(_("Choose to approve or reject the request."))
        return render_template("staff/decide_personal_data.html", form=form, ticket=ticket), 400
    try:
        personal_data.decide(
            db.session,
            row,
            approve=form.decision.data == APPROVE,
            note=form.note.data or "",
            actor=actor_for(user),
            now=utcnow(),
        )
    except personal_data.PersonalDataRequestError as error:
        db.session.rollback()
        form.form_errors.append(_("The request cannot be decided: %(why)s", why=str(error)))
        return render_template("staff/decide_personal_data.html", form=form, ticket=ticket), 409
    db.session.commit()
    flash(_("Decision recorded. Answer the citizen on this request."), "success")
    return redirect(url_for("staff.ticket", ticket_id=ticket.id), 303)


@bp.post("/tickets/<id:ticket_id>/personal-data/record")
@staff_required
def record_personal_data_request(ticket_id: int) -> Response | tuple[str, int]:
    """Record a request the citizen sent by e-mail from the enquiry's own address."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = RecordRequestForm(prefix="pdr")
    if not form.validate():
        return render_template("staff/decide_personal_data.html", form=form, ticket=ticket), 400
    try:
        opened, _row = personal_data.request_change(
            db.session,
            ticket,
            action=form.action.data,
            correction=form.correction(),
            note="",
            channel=Channel.EMAIL,
            actor=actor_for(user),
            now=utcnow(),
            policy=policy_from_config(current_app.config, session=db.session),
        )
    except personal_data.PersonalDataRequestError as error:
        db.session.rollback()
        form.form_errors.append(_("The request cannot be recorded: %(why)s", why=str(error)))
        return render_template("staff/decide_personal_data.html", form=form, ticket=ticket), 409
    db.session.commit()
    return redirect(url_for("staff.ticket", ticket_id=opened.ticket.id), 303)
