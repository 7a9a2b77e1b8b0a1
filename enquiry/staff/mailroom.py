"""The mailroom: every message received, by outcome; quarantined ones can be downloaded and
processed again.

Who sees which message is decided in enquiry.domain.queries.mailroom; anything else answers
404, as another department's ticket does.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.audit import record
from enquiry.bounded import parse_id
from enquiry.domain.queries import mailroom as mailroom_queries
from enquiry.extensions import db
from enquiry.intake.ingest import REPROCESSABLE, NotReprocessableError, reprocess
from enquiry.intake.settings import IntakeSettings
from enquiry.intake.tries import STOPPED_PREFIX, TWIN_PREFIX
from enquiry.mail.parse.inbound import parse
from enquiry.models import InboundEmail, InboundOutcome, Role, utcnow
from enquiry.staff import mailroom_details
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.blueprint import bp

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MAILROOM_ROLES = (Role.SUPERVISOR, Role.ADMIN)
OUTCOME_LABELS = {
    InboundOutcome.QUARANTINED: _l("Quarantined"),
    InboundOutcome.PENDING: _l("Pending"),
    InboundOutcome.CREATED: _l("New ticket"),
    InboundOutcome.APPENDED: _l("Added to a ticket"),
    InboundOutcome.DUPLICATE: _l("Duplicate"),
    InboundOutcome.AUTO_REPLY: _l("Automatic reply ignored"),
    InboundOutcome.BOUNCE: _l("Bounce recorded"),
}


def load_inbound(inbound_id: int) -> InboundEmail:
    """Return a received message the signed-in user may see, or abort 404."""
    inbound = mailroom_queries.visible_inbound(db.session, current_staff(), inbound_id)
    if inbound is None:
        abort(404)
    return inbound


def ticket_link(inbound: InboundEmail) -> dict[str, str] | None:
    """Return the reference and staff URL of the message's ticket, if there is one."""
    ticket = mailroom_queries.inbound_ticket(db.session, inbound)
    if ticket is None:
        return None
    if "staff.ticket" in current_app.view_functions:
        url = url_for("staff.ticket", ticket_id=ticket.id)
    else:
        url = f"{request.script_root}/staff/tickets/{ticket.id}"
    return {"reference": ticket.reference, "url": url}


def outcome_counts() -> list[dict[str, Any]]:
    """Return a link per outcome with its count, quarantined first."""
    counts = mailroom_queries.outcome_counts(db.session, current_staff())
    current = request.args.get("outcome")
    return [
        {
            "label": label,
            "count": counts.get(outcome, 0),
            "url": url_for("staff.mailroom", outcome=outcome.value),
            "is_current": current == outcome.value,
        }
        for outcome, label in OUTCOME_LABELS.items()
    ]


def row_view(inbound: InboundEmail) -> dict[str, Any]:
    """Return what the mailroom table shows of a message."""
    return {
        "id": inbound.id,
        "url": url_for("staff.mailroom_detail", inbound_id=inbound.id),
        "received": format_datetime(inbound.received_at, "short"),
        "source": inbound.source.value,
        "from_addr": inbound.from_addr,
        "subject": inbound.subject,
        "outcome": OUTCOME_LABELS[inbound.outcome],
        "outcome_value": inbound.outcome.value,
        "detail": _detail_line(inbound),
        "size": inbound.size,
    }


def _detail_line(inbound: InboundEmail) -> str:
    """The detail's first line for the table, in the reader's language."""
    lines = mailroom_details.explain(inbound.outcome, inbound.detail)
    return lines[0][:160] if lines else ""


@bp.get("/mailroom", endpoint="mailroom")
@role_required(*MAILROOM_ROLES)
def mailroom() -> str:
    """List received messages, newest first, optionally of one outcome."""
    outcome = request.args.get("outcome", "")
    wanted = InboundOutcome(outcome) if outcome in InboundOutcome._value2member_map_ else None
    before = parse_id(request.args.get("before"))
    rows = mailroom_queries.inbound_page(
        db.session, current_staff(), outcome=wanted, before=before, limit=PAGE_SIZE + 1
    )
    next_url = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "before"}
        next_url = url_for("staff.mailroom", **args, before=rows[-1].id)
    return render_template(
        "staff/mailroom.html",
        rows=[row_view(row) for row in rows],
        counts=outcome_counts(),
        next_url=next_url,
        is_filtered=bool(outcome or before),
    )


def parsed_view(inbound: InboundEmail) -> dict[str, Any]:
    """Return what the parser makes of the raw message, for staff to read.

    Not for a message set aside because taking it in stopped the worker, nor a copy of one:
    reading it here could stop this process the same way.
    """
    if (inbound.detail or "").startswith((STOPPED_PREFIX, TWIN_PREFIX)):
        return {"is_stopped": True}
    mail = parse(mailroom_queries.raw_bytes(db.session, inbound))
    return {
        "is_stopped": False,
        "is_failure": mail.is_parse_failure,
        "to": ", ".join(mail.to_addrs),
        "cc": ", ".join(mail.cc_addrs),
        "from_name": mail.from_name,
        "date": format_datetime(mail.date, "medium") if mail.date else None,
        "message_id": mail.message_id,
        "new_text": mail.new_text,
        "quoted_text": mail.quoted_text,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in mail.attachments
        ],
        "defects": list(mail.defects),
    }


@bp.get("/mailroom/<id:inbound_id>", endpoint="mailroom_detail")
@role_required(*MAILROOM_ROLES)
def mailroom_detail(inbound_id: int) -> str:
    """Show one received message: what it says and what became of it."""
    inbound = load_inbound(inbound_id)
    return render_template(
        "staff/mailroom_detail.html",
        message=row_view(inbound),
        explained=mailroom_details.explain(inbound.outcome, inbound.detail),
        full_detail=inbound.detail,
        processed=format_datetime(inbound.processed_at, "short") if inbound.processed_at else None,
        sha256=inbound.raw_sha256,
        message_id=inbound.message_id,
        ticket=ticket_link(inbound),
        parsed=parsed_view(inbound),
        can_reprocess=inbound.outcome in REPROCESSABLE,
    )


@bp.get("/mailroom/<id:inbound_id>/raw", endpoint="mailroom_download")
@role_required(*MAILROOM_ROLES)
def mailroom_download(inbound_id: int) -> Response:
    """Download the message exactly as received, as a .eml file."""
    inbound = load_inbound(inbound_id)
    actor = actor_for(current_staff())
    detail = {"inbound_email_id": inbound.id, "sha256": inbound.raw_sha256}
    record(db.session, action="mail.downloaded", actor=actor, now=utcnow(), detail=detail)
    db.session.commit()
    return send_file(
        io.BytesIO(mailroom_queries.raw_bytes(db.session, inbound)),
        mimetype="message/rfc822",
        as_attachment=True,
        download_name=f"inbound-{inbound.id}.eml",
    )


@bp.post("/mailroom/<id:inbound_id>/reprocess", endpoint="mailroom_reprocess")
@role_required(*MAILROOM_ROLES)
def mailroom_reprocess(inbound_id: int) -> Response:
    """Process a quarantined (or pending) message again."""
    load_inbound(inbound_id)
    settings = IntakeSettings.from_config(current_app.config, db.session)
    try:
        result = reprocess(db.session, inbound_id, now=utcnow(), settings=settings)
    except NotReprocessableError:
        flash(_("This message was already processed."), "warning")
        return redirect(mailroom_place(inbound_id))
    detail = {"inbound_email_id": inbound_id, "outcome": result.outcome.value}
    record(
        db.session,
        action="mail.reprocessed",
        actor=actor_for(current_staff()),
        now=utcnow(),
        detail=detail,
    )
    db.session.commit()
    label = OUTCOME_LABELS[result.outcome]
    category = "warning" if result.outcome is InboundOutcome.QUARANTINED else "success"
    flash(_("Processed again: %(outcome)s.", outcome=label), category)
    return redirect(mailroom_place(inbound_id))


def mailroom_place(inbound_id: int) -> str:
    """Return the message's page, or the mailroom once it belongs to another department."""
    if mailroom_queries.visible_inbound(db.session, current_staff(), inbound_id) is None:
        return url_for("staff.mailroom")
    return url_for("staff.mailroom_detail", inbound_id=inbound_id)
