"""The statutory clock on the ticket page: extend, pause for a consultation, resume, remind."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import current_app, flash, redirect, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from enquiry.domain import clock, supervision
from enquiry.domain.admin import calendar as calendar_admin
from enquiry.domain.policy import Policy, extension_rules_from_config, policy_from_config
from enquiry.domain.queries import consultations as consultation_queries
from enquiry.domain.queries.accounts import user_by_id
from enquiry.extensions import db
from enquiry.models import PauseKind, Role, Ticket, User, utcnow
from enquiry.redirects import safe_next
from enquiry.rules import clock as clock_rules
from enquiry.rules import deadlines
from enquiry.staff import clock_forms, consultation_views
from enquiry.staff.access import actor_for, current_staff, load_ticket_for, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.inbox import ticket_url
from enquiry.staff.stale import versioned
from enquiry.templating import format_day

logger = logging.getLogger(__name__)

ALL_STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
MANAGERS = (Role.SUPERVISOR, Role.ADMIN)


def office_calendar() -> deadlines.WorkCalendar:
    """Return the configured calendar with the administrators' overrides."""
    return calendar_admin.calendar_for(db.session, str(current_app.config["CALENDAR"]))


def office_policy() -> Policy:
    """Return the configured policy, its calendar with the administrators' overrides."""
    return policy_from_config(current_app.config, session=db.session)


def beijing_today() -> date:
    return clock_rules.beijing_today(utcnow())


def clock_panel(ticket: Ticket, user: User) -> dict[str, Any]:
    """Return what templates/staff/_clock.html shows of a ticket (its `clock` variable)."""
    calendar, today = office_calendar(), beijing_today()
    rules = extension_rules_from_config(current_app.config)
    approver_id = ticket.extension_approved_by_id if ticket.extended_at else None
    approver = user_by_id(db.session, approver_id)
    running = clock_rules.is_running(ticket)
    return {
        "ticket_id": ticket.id,
        "badge": clock_rules.badge(ticket, today, calendar),
        "received_on": ticket.received_on,
        "predicted": ticket.due_on is not None and not ticket.is_calendar_verified,
        "paused_on": ticket.paused_on,
        "escalated_at": ticket.escalated_at,
        "extension": {
            "days": ticket.extension_days,
            "reason": ticket.extension_reason,
            "approved_by": approver.display_name if approver else None,
            "at": ticket.extended_at,
        }
        if ticket.extended_at
        else None,
        "extension_max": rules.max_days(ticket),
        "can_extend": running
        and ticket.extended_at is None
        and not clock_rules.is_overdue(ticket, today)
        and clock_rules.may_approve_extension(user, ticket),
        "consultations": consultation_views.panel(ticket, user),
        # The old free-text pause, for tickets paused before consultations were recorded.
        "can_resume": ticket.pause_kind is PauseKind.CONSULTATION
        and ticket.status in clock_rules.RUNNING
        and not consultation_queries.open_consultations(db.session, ticket),
        "can_remind": ticket.status in clock_rules.OPEN and supervision.may_remind(user, ticket),
    }


def _back(ticket: Ticket, form_next: str | None) -> Response:
    return redirect(safe_next(form_next) or ticket_url(ticket.id), code=303)


def _refused(
    ticket: Ticket, action: str, form: FlaskForm, error: str | None = None
) -> tuple[str, int]:
    """Show the form again with what went wrong (nothing was changed)."""
    if error:
        form.form_errors.append(error)
    page = render_template(
        "staff/clock_action.html",
        ticket=ticket,
        action=action,
        form=form,
        back=ticket_url(ticket.id),
        max_days=extension_rules_from_config(current_app.config).max_days(ticket),
    )
    return page, 400


@bp.post("/tickets/<id:ticket_id>/extend", endpoint="extend")
@role_required(*MANAGERS)
@versioned
def extend(ticket_id: int) -> Response | tuple[str, int]:
    """延期: the signed-in supervisor or admin extends the time limit, once, with a reason."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = clock_forms.ExtendForm()
    if not form.validate_on_submit():
        return _refused(ticket, "extend", form)
    try:
        clock.extend(
            db.session,
            ticket,
            form.days.data,
            form.reason.data,
            user,
            policy=office_policy(),
            rules=extension_rules_from_config(current_app.config),
            actor=actor_for(user),
            now=utcnow(),
        )
    except clock.ClockError as error:
        db.session.rollback()
        return _refused(ticket, "extend", form, str(error))
    db.session.commit()
    flash(_("The time limit now ends on %(day)s.", day=format_day(ticket.due_on)), "success")
    return _back(ticket, form.next.data)


@bp.post("/tickets/<id:ticket_id>/consultation/pause", endpoint="pause_consultation")
@role_required(*ALL_STAFF)
@versioned
def pause_consultation(ticket_id: int) -> Response | tuple[str, int]:
    """Stop the clock while a third party is consulted."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = clock_forms.ConsultationForm()
    if not form.validate_on_submit():
        return _refused(ticket, "pause", form)
    try:
        clock.pause_for_consultation(
            db.session,
            ticket,
            form.note.data,
            actor=actor_for(user),
            now=utcnow(),
            policy=office_policy(),
        )
    except clock.ClockError as error:
        db.session.rollback()
        return _refused(ticket, "pause", form, str(error))
    db.session.commit()
    flash(_("The clock is paused for the consultation."), "success")
    return _back(ticket, form.next.data)


@bp.post("/tickets/<id:ticket_id>/consultation/resume", endpoint="resume_consultation")
@role_required(*ALL_STAFF)
@versioned
def resume_consultation(ticket_id: int) -> Response | tuple[str, int]:
    """Restart the clock; the consultation's working days are not counted."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = clock_forms.ResumeForm()
    if not form.validate_on_submit():
        return _refused(ticket, "resume", form)
    try:
        excluded = clock.resume_after_consultation(
            db.session, ticket, calendar=office_calendar(), actor=actor_for(user), now=utcnow()
        )
    except clock.ClockError as error:
        db.session.rollback()
        return _refused(ticket, "resume", form, str(error))
    db.session.commit()
    message = _(
        "The clock runs again: %(n)d working days not counted; the time limit ends on %(day)s.",
        n=excluded,
        day=format_day(ticket.due_on),
    )
    flash(message, "success")
    return _back(ticket, form.next.data)


@bp.post("/tickets/<id:ticket_id>/remind", endpoint="remind")
@role_required(*MANAGERS)
@versioned
def remind(ticket_id: int) -> Response | tuple[str, int]:
    """催办: a supervisor presses whoever handles the ticket, with a note."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = clock_forms.ReminderForm()
    if not form.validate_on_submit():
        return _refused(ticket, "remind", form)
    try:
        recipients = supervision.send_reminder(
            db.session,
            ticket,
            form.note.data,
            sender=user,
            identity=office_policy().mail,
            actor=actor_for(user),
            now=utcnow(),
        )
    except supervision.SupervisionError as error:
        db.session.rollback()
        return _refused(ticket, "remind", form, str(error))
    db.session.commit()
    names = ", ".join(recipient.display_name for recipient in recipients)
    flash(_("Reminder sent to %(names)s.", names=names), "success")
    return _back(ticket, form.next.data)
