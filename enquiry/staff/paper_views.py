"""Staff record an application received by post or in person, with the date of receipt."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.domain import paper, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import ApplicantType, Channel, DeliveryForm, Kind, Role, Ticket, utcnow
from enquiry.rules.clock import beijing_today
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.inbox import ticket_url
from enquiry.staff.paper_forms import PaperApplicationForm
from enquiry.templating import format_day

logger = logging.getLogger(__name__)

REFUSALS = {
    paper.IN_FUTURE: _l("The date of receipt cannot be after today."),
    paper.TOO_EARLY: _l("The date of receipt cannot be before 1 May 2008."),
    paper.NOT_PAPER: _l("Choose how it was received."),
}


def render_paper(form: PaperApplicationForm, status: int = 200) -> tuple[str, int]:
    """Render the form to record a paper application."""
    return render_template("staff/paper_application.html", form=form), status


def enquiry_from(form: PaperApplicationForm) -> tickets.NewEnquiry:
    """Turn a valid form into the domain's NewEnquiry, with its date of receipt."""
    kind = Kind(form.kind.data)
    is_application = kind is Kind.INFO_APPLICATION
    return tickets.NewEnquiry(
        kind=kind,
        subject=form.subject.data,
        body=form.message.data,
        citizen_name=form.name.data,
        citizen_email=form.email.data or "",
        citizen_phone=form.phone.data or None,
        citizen_address=form.address.data or None,
        channel=Channel(form.channel.data),
        locale=str(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")),
        applicant_type=ApplicantType(form.applicant_type.data) if is_application else None,
        info_description=form.info_description.data if is_application else None,
        delivery_form=DeliveryForm(form.delivery_form.data) if is_application else None,
        received_on=form.received_on.data,
    )


@bp.get("/tickets/paper", endpoint="paper_application")
@role_required(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
def paper_application() -> tuple[str, int]:
    """Show the form to record an application received by post or in person."""
    form = PaperApplicationForm(formdata=None)
    form.received_on.data = beijing_today(utcnow())  # most letters are signed for today
    return render_paper(form)


@bp.post("/tickets/paper", endpoint="record_paper_application")
@role_required(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
def record_paper_application() -> Response | tuple[str, int]:
    """Open a ticket whose legal date of receipt is the date signed for or handed in."""
    form = PaperApplicationForm()
    if not form.validate_on_submit():
        return render_paper(form, 400)
    try:
        opened = paper.record(
            db.session,
            enquiry_from(form),
            policy=policy_from_config(current_app.config, session=db.session),
            actor=actor_for(current_staff()),
            now=utcnow(),
        )
    except paper.PaperApplicationError as error:
        db.session.rollback()
        form.received_on.errors = [str(REFUSALS.get(str(error), error))]
        return render_paper(form, 400)
    db.session.commit()
    ticket = opened.ticket
    flash(recorded_message(ticket), "success")
    return redirect(ticket_url(ticket.id), code=303)


def recorded_message(ticket: Ticket) -> str:
    """What the clerk is told: the reference, the legal date, and how the applicant is told."""
    if not ticket.citizen_email:
        return _(
            "Recorded as %(reference)s, received on %(day)s. There is no e-mail address:"
            " print the acknowledgement and post it (see Letters to print and post).",
            reference=ticket.reference,
            day=format_day(ticket.received_on),
        )
    return _(
        "Recorded as %(reference)s, received on %(day)s; the acknowledgement was sent.",
        reference=ticket.reference,
        day=format_day(ticket.received_on),
    )
