"""Consultations on the staff side: ask a third party or another department, record opinions,
and the list of 会商 requests addressed to one's own department."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.bounded import parse_id
from enquiry.domain import consultation_close, consultations
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import choices
from enquiry.domain.queries import consultations as consultation_queries
from enquiry.domain.queries.admin import department_by_id
from enquiry.extensions import db
from enquiry.models import (
    Consultation,
    ConsultationKind,
    ConsultationState,
    Kind,
    Role,
    Ticket,
    User,
    utcnow,
)
from enquiry.redirects import safe_next
from enquiry.rules import clock as clock_rules
from enquiry.staff import consultation_forms as forms
from enquiry.staff.access import actor_for, current_staff, load_ticket_for, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.inbox import ticket_url
from enquiry.staff.stale import check_page_version, versioned

logger = logging.getLogger(__name__)

ALL_STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
STATE_LABELS = {
    ConsultationState.OPEN: _l("waiting for the opinion"),
    ConsultationState.ANSWERED: _l("opinion received"),
    ConsultationState.NO_ANSWER: _l("no opinion in time: the office decides"),
    ConsultationState.DEEMED_AGREED: _l("no opinion in time: deemed to agree (art. 34)"),
    ConsultationState.WITHDRAWN: _l("withdrawn"),
}
REFUSALS = {
    consultations.NOT_APPLICATION: _l("Only information applications are consulted on."),
    consultations.NOT_OPEN: _l("The application is not open (or waits for a correction)."),
    consultations.SAME_DEPARTMENT: _l("A 会商 goes to another department."),
    consultations.INACTIVE_DEPARTMENT: _l("That department is not active."),
    consultations.SENT_IN_FUTURE: _l("The date sent cannot be after today."),
    consultations.SENT_BEFORE_RECEIPT: _l(
        "The date sent cannot be before the application arrived."
    ),
    consultations.ALREADY_CLOSED: _l("This consultation is already closed."),
}


def _policy() -> Any:
    return policy_from_config(current_app.config, session=db.session)


def department_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """Return the departments a 会商 may go to: active ones other than the handling one."""
    return [
        (str(d.id), d.name_zh)
        for d in choices.active_department_choices(db.session)
        if d.id != ticket.department_id
    ]


def panel(ticket: Ticket, user: User) -> dict[str, Any]:
    """Return what templates/staff/_consultations.html shows of a ticket."""
    rows = consultation_queries.ticket_consultations(db.session, ticket)
    agency = forms.AgencyForm(formdata=None)
    agency.department.choices = department_choices(ticket)
    may_open = ticket.kind is Kind.INFO_APPLICATION and ticket.status in clock_rules.OPEN
    return {
        "ticket_id": ticket.id,
        "rows": [(row, str(STATE_LABELS[row.state])) for row in rows],
        "may_open": may_open,
        "third_party_form": forms.ThirdPartyForm(formdata=None),
        "agency_form": agency,
        "answer_form": forms.AnswerForm(formdata=None),
        "has_open": any(row.state is ConsultationState.OPEN for row in rows),
    }


def _refused(ticket: Ticket, form: Any, error: str | None = None) -> tuple[str, int]:
    if error:
        form.form_errors.append(str(REFUSALS.get(error, error)))
    page = render_template(
        "staff/consultation_refused.html", ticket=ticket, form=form, back=ticket_url(ticket.id)
    )
    return page, 400


def _done(ticket: Ticket, message: str) -> Response:
    db.session.commit()
    flash(message, "success")
    return redirect(ticket_url(ticket.id), code=303)


@bp.post("/tickets/<id:ticket_id>/consultations/third-party", endpoint="consult_third_party")
@role_required(*ALL_STAFF)
@versioned
def consult_third_party(ticket_id: int) -> Response | tuple[str, int]:
    """征求第三方意见: record the request; the clock stops; the applicant is told."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = forms.ThirdPartyForm()
    if not form.validate_on_submit():
        return _refused(ticket, form)
    try:
        consultations.consult_third_party(
            db.session,
            ticket,
            form.party.data,
            form.question.data,
            policy=_policy(),
            actor=actor_for(user),
            now=utcnow(),
            sent_on=form.sent_on.data,
        )
    except consultations.ConsultationError as error:
        db.session.rollback()
        return _refused(ticket, form, str(error))
    return _done(ticket, _("The third party is consulted; the time is not counted."))


@bp.post("/tickets/<id:ticket_id>/consultations/agency", endpoint="consult_agency")
@role_required(*ALL_STAFF)
@versioned
def consult_agency(ticket_id: int) -> Response | tuple[str, int]:
    """会商: ask another department for its opinion within 15 working days."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = forms.AgencyForm()
    form.department.choices = department_choices(ticket)
    if not form.validate_on_submit():
        return _refused(ticket, form)
    department = department_by_id(db.session, parse_id(form.department.data) or 0)
    if department is None:
        return _refused(ticket, form)
    try:
        consultations.consult_agency(
            db.session,
            ticket,
            department,
            form.question.data,
            policy=_policy(),
            actor=actor_for(user),
            now=utcnow(),
        )
    except consultations.ConsultationError as error:
        db.session.rollback()
        return _refused(ticket, form, str(error))
    return _done(ticket, _("The department is asked for its opinion (会商)."))


def _answerable(user: User, consultation_id: int) -> Consultation:
    """Return a consultation the user may record an opinion for, or abort 404."""
    found = consultation_queries.find(db.session, consultation_id)
    if found is None:
        abort(404)
    if consultation_queries.may_answer(user, found):
        return found
    load_ticket_for(user, found.ticket_id)  # 404 unless the user sees the ticket
    if found.kind is not ConsultationKind.THIRD_PARTY:
        abort(403)  # the handling department does not answer its own 会商
    return found


@bp.post("/consultations/<id:consultation_id>/answer", endpoint="answer_consultation")
@role_required(*ALL_STAFF)
def answer_consultation(consultation_id: int) -> Response | tuple[str, int]:
    """Record the opinion: the third party's (received) or one's department's (会商)."""
    user = current_staff()
    consultation = _answerable(user, consultation_id)
    check_page_version(consultation.ticket)
    form = forms.AnswerForm()
    if not form.validate_on_submit():
        return _refused(consultation.ticket, form)
    try:
        consultation_close.record_answer(
            db.session,
            consultation,
            form.answer.data,
            policy=_policy(),
            actor=actor_for(user),
            now=utcnow(),
        )
    except consultations.ConsultationError as error:
        db.session.rollback()
        return _refused(consultation.ticket, form, str(error))
    db.session.commit()
    flash(_("The opinion is recorded."), "success")
    target = safe_next(form.next.data) or url_for("staff.consultations")
    return redirect(target, code=303)


@bp.get("/consultations", endpoint="consultations")
@role_required(*ALL_STAFF)
def consultation_list() -> str:
    """The 会商 requests addressed to the user's department, with a form to answer each."""
    waiting, closed = consultation_queries.addressed_to(db.session, current_staff())
    return render_template(
        "staff/consultations.html",
        waiting=waiting,
        closed=[(row, str(STATE_LABELS[row.state])) for row in closed],
        answer_form=forms.AnswerForm(formdata=None),
        today=clock_rules.beijing_today(utcnow()),
    )
