"""Tracking: reference plus code (typed or from the link) shows the enquiry and its answers."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from enquiry import audit
from enquiry.domain import tickets, withdrawal
from enquiry.domain.admin import calendar as calendar_admin
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import citizen_files
from enquiry.domain.queries import public as visible
from enquiry.extensions import db, limiter
from enquiry.mail.parse.quotes import fold_for_display
from enquiry.models import Channel, Status, Ticket, utcnow
from enquiry.public import access
from enquiry.public.blueprint import bp
from enquiry.public.forms import FollowUpForm, TrackForm
from enquiry.public.labels import kind_label, status_label
from enquiry.public.rate import rating_offers
from enquiry.public.uploads import UploadProblem, read_uploads
from enquiry.rules import clock
from enquiry.templating import current_locale

NO_FOLLOW_UP = frozenset({Status.REFUSED, Status.SPAM, Status.MERGED})


def track_limit() -> str:
    return str(current_app.config["TRACK_RATE_LIMIT"])


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(track_limit, methods=["POST"])
def track() -> Any:
    """Ask for the reference and the retrieval code."""
    form = TrackForm()
    if request.method == "GET":
        form.reference.data = request.args.get("reference", "")[:40]
        return render_template("public/track.html", form=form)
    if not form.validate_on_submit():
        return render_template("public/track.html", form=form), 400
    ticket = visible.ticket_by_code(db.session, form.reference.data, form.code.data)
    if ticket is None:
        form.form_errors.append(_("No enquiry matches this reference number and code."))
        return render_template("public/track.html", form=form), 404
    access.grant(ticket.id)
    return redirect(url_for("public.tracked", reference=ticket.reference), code=303)


@bp.get("/track/<reference>/<code>")
@limiter.limit(track_limit)
def track_link(reference: str, code: str) -> Response:
    """The link from the confirmation page and e-mails: check, remember, then drop the code."""
    ticket = visible.ticket_by_code(db.session, reference, code)
    if ticket is None:
        abort(404)
    access.grant(ticket.id)
    return redirect(url_for("public.tracked", reference=ticket.reference), code=303)


@bp.route("/track/<reference>", methods=["GET", "POST"])
@limiter.limit(track_limit, methods=["POST"])
def tracked(reference: str) -> Any:
    """Show an enquiry this browser has the code for, and take a follow-up."""
    ticket = visible.granted_ticket(db.session, reference, access.granted())
    if ticket is None:
        return redirect(url_for("public.track", reference=reference[:40]))
    form = FollowUpForm()
    if request.method == "POST":
        if form.validate_on_submit():
            return follow_up(ticket, form)
        return render_ticket(ticket, form, 413 if form.attachments.errors else 400)
    return render_ticket(ticket, form, 200)


def follow_up(ticket: Ticket, form: FollowUpForm) -> Any:
    uploads = read_uploads(form.chosen_files(), int(current_app.config["MAX_ATTACHMENT_BYTES"]))
    if isinstance(uploads, UploadProblem):
        form.attachments.errors = [uploads.message]
        return render_ticket(ticket, form, uploads.status)
    try:
        tickets.add_citizen_follow_up(
            db.session,
            ticket,
            body=form.message.data,
            attachments=uploads,
            actor=audit.Actor.citizen(request.remote_addr),
            now=utcnow(),
            policy=policy_from_config(current_app.config, session=db.session),
        )
    except tickets.TicketClosedError:
        db.session.rollback()
        form.form_errors.append(_("This enquiry no longer accepts messages. Please ask anew."))
        return render_ticket(ticket, form, 409)
    db.session.commit()
    return redirect(url_for("public.tracked", reference=ticket.reference, _anchor="thread"), 303)


def render_ticket(ticket: Ticket, form: FollowUpForm, status: int) -> tuple[str, int]:
    messages = visible.citizen_messages(db.session, ticket)
    folded = {
        message.id: fold_for_display(message.body, is_email=message.channel is Channel.EMAIL)
        for message in messages
    }
    return render_template(
        "public/tracked.html",
        ticket=ticket,
        messages=messages,
        folded=folded,
        form=form,
        view=ticket_view(ticket),
        downloadable=citizen_files.downloadable_ids(messages),
        offers=rating_offers(ticket.id, messages),
    ), status


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    """Ready-to-show values for the tracking page."""
    return {
        "status": status_label(ticket.status),
        "kind": kind_label(ticket.kind),
        "department": ticket.department.name_for(current_locale()),
        "accepts_follow_up": ticket.status not in NO_FOLLOW_UP,
        "may_withdraw": withdrawal.may_withdraw(ticket),
        "remaining_days": remaining_days(ticket),
        "is_clock_paused": clock.pause_state(ticket) is not None,
        "correction_due_on": (
            ticket.correction_due_on if ticket.status is Status.AWAITING_CITIZEN else None
        ),
    }


def remaining_days(ticket: Ticket) -> int | None:
    """Working days left until the due date; None when no clock runs or the date has passed."""
    today = clock.beijing_today(utcnow())
    if ticket.due_on is None or ticket.due_on < today:
        return None
    calendar = calendar_admin.calendar_for(db.session, str(current_app.config["CALENDAR"]))
    return clock.remaining_working_days(ticket, today, calendar)
