"""The mailroom: every message received, by outcome; quarantined ones can be downloaded and
processed again.

A message is seen by the department of the ticket it belongs to; a message with no ticket
(quarantined, ignored, not yet processed) by the routing office, whose work it is to sort
mail; admins see everything. Anything else answers 404, as another department's ticket does.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.audit import record
from enquiry.bounded import parse_id
from enquiry.extensions import db
from enquiry.intake.ingest import REPROCESSABLE, NotReprocessableError, reprocess
from enquiry.intake.settings import IntakeSettings
from enquiry.mail.parse.inbound import parse
from enquiry.models import (
    Blob,
    Department,
    InboundEmail,
    InboundOutcome,
    Role,
    Ticket,
    User,
    utcnow,
)
from enquiry.staff.access import actor_for, current_staff, role_required, ticket_scope
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


def inbound_scope(user: User) -> sa.ColumnElement[bool]:
    """Return the condition selecting the received messages the user may see."""
    if user.role is Role.ADMIN:
        return sa.true()
    own_tickets = InboundEmail.ticket_id.in_(sa.select(Ticket.id).where(ticket_scope(user)))
    office = db.session.scalar(sa.select(Department.id).where(Department.is_default))
    if office is None or user.department_id != office:
        return own_tickets
    return sa.or_(own_tickets, InboundEmail.ticket_id.is_(None))


def visible_inbound(user: User, inbound_id: int) -> InboundEmail | None:
    """Return a received message the user may see, or None."""
    query = sa.select(InboundEmail).where(InboundEmail.id == inbound_id, inbound_scope(user))
    return db.session.scalar(query)


def load_inbound(inbound_id: int) -> InboundEmail:
    """Return a received message the signed-in user may see, or abort 404."""
    inbound = visible_inbound(current_staff(), inbound_id)
    if inbound is None:
        abort(404)
    return inbound


def ticket_link(ticket_id: int | None) -> dict[str, str] | None:
    """Return the reference and staff URL of a ticket, if there is one."""
    ticket = db.session.get(Ticket, ticket_id) if ticket_id is not None else None
    if ticket is None:
        return None
    if "staff.ticket" in current_app.view_functions:
        url = url_for("staff.ticket", ticket_id=ticket.id)
    else:
        url = f"{request.script_root}/staff/tickets/{ticket.id}"
    return {"reference": ticket.reference, "url": url}


def outcome_counts() -> list[dict[str, Any]]:
    """Return a link per outcome with its count, quarantined first."""
    counts = dict(
        db.session.execute(
            sa.select(InboundEmail.outcome, sa.func.count())
            .where(inbound_scope(current_staff()))
            .group_by(InboundEmail.outcome)
        ).all()
    )
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
        "detail": (inbound.detail or "").splitlines()[0][:160] if inbound.detail else "",
        "size": inbound.size,
    }


@bp.get("/mailroom", endpoint="mailroom")
@role_required(*MAILROOM_ROLES)
def mailroom() -> str:
    """List received messages, newest first, optionally of one outcome."""
    query = (
        sa.select(InboundEmail)
        .where(inbound_scope(current_staff()))
        .order_by(InboundEmail.id.desc())
    )
    outcome = request.args.get("outcome", "")
    if outcome in InboundOutcome._value2member_map_:
        query = query.where(InboundEmail.outcome == InboundOutcome(outcome))
    before = parse_id(request.args.get("before"))
    if before:
        query = query.where(InboundEmail.id < before)
    rows = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_url = None
    if more:
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "before"}
        next_url = url_for("staff.mailroom", **args, before=rows[-1].id)
    return render_template(
        "staff/mailroom.html",
        rows=[row_view(row) for row in rows],
        counts=outcome_counts(),
        next_url=next_url,
        is_filtered=bool(outcome or before),
    )


def raw_bytes(inbound: InboundEmail) -> bytes:
    """Return the message exactly as received."""
    data = db.session.scalar(sa.select(Blob.data).where(Blob.sha256 == inbound.raw_sha256))
    return data or b""


def parsed_view(raw: bytes) -> dict[str, Any]:
    """Return what the parser makes of the raw message, for staff to read."""
    mail = parse(raw)
    return {
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
        full_detail=inbound.detail,
        processed=format_datetime(inbound.processed_at, "short") if inbound.processed_at else None,
        sha256=inbound.raw_sha256,
        message_id=inbound.message_id,
        ticket=ticket_link(inbound.ticket_id),
        parsed=parsed_view(raw_bytes(inbound)),
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
        io.BytesIO(raw_bytes(inbound)),
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
    if visible_inbound(current_staff(), inbound_id) is None:
        return url_for("staff.mailroom")
    return url_for("staff.mailroom_detail", inbound_id=inbound_id)
