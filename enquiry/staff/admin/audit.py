"""The audit record for admins: filters, keyset pagination (newest first), chain verification."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from enquiry.audit import record, verify_chain
from enquiry.extensions import db
from enquiry.models import AuditEvent, Role, Ticket, utcnow
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.forms import AuditFilterForm
from enquiry.staff.blueprint import bp
from enquiry.staff.inbox import ticket_url
from enquiry.templating import format_time

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50


def day_start(day: date) -> datetime:
    """Return the first moment of a day in the office's time zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def filter_conditions(form: AuditFilterForm) -> list[sa.ColumnElement[bool]]:
    """Return the WHERE conditions of the filled-in filters."""
    conditions: list[sa.ColumnElement[bool]] = []
    if form.action.data:
        conditions.append(AuditEvent.action.startswith(form.action.data, autoescape=True))
    if form.actor.data:
        wanted = form.actor.data.lower()
        conditions.append(sa.func.lower(AuditEvent.actor_label).contains(wanted, autoescape=True))
    if form.reference.data:
        conditions.append(Ticket.reference == form.reference.data.upper())
    if form.remote_addr.data:
        conditions.append(AuditEvent.remote_addr.startswith(form.remote_addr.data, autoescape=True))
    if form.date_from.data:
        conditions.append(AuditEvent.created_at >= day_start(form.date_from.data))
    if form.date_to.data:
        conditions.append(AuditEvent.created_at < day_start(form.date_to.data + timedelta(days=1)))
    if form.before.data:
        conditions.append(AuditEvent.id < form.before.data)
    return conditions


def fetch_page(
    conditions: list[sa.ColumnElement[bool]], size: int
) -> tuple[list[tuple[AuditEvent, str | None]], int | None]:
    """Return one page of events (newest first) with their ticket references, and the cursor
    of the next page."""
    query = (
        sa.select(AuditEvent, Ticket.reference)
        .outerjoin(Ticket, AuditEvent.ticket_id == Ticket.id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .limit(size + 1)
    )
    rows: list[tuple[AuditEvent, str | None]] = [(e, ref) for e, ref in db.session.execute(query)]
    if len(rows) <= size:
        return rows, None
    return rows[:size], rows[size - 1][0].id


def event_row(event: AuditEvent, reference: str | None) -> dict[str, Any]:
    """Return what the audit table shows of an event; the detail as JSON (escaped on output)."""
    return {
        "id": event.id,
        "time": format_time(event.created_at),
        "actor": event.actor_label,
        "action": event.action,
        "reference": reference,
        "ticket_url": ticket_url(event.ticket_id) if event.ticket_id else None,
        "remote_addr": event.remote_addr,
        "detail": json.dumps(event.detail, ensure_ascii=False, indent=2, sort_keys=True),
    }


def page_url(before: int | None) -> str:
    """Return the URL of the same filters from the given cursor (None: the first page)."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "before"}
    if before is not None:
        args["before"] = before
    return url_for("staff.admin_audit", **args)


@bp.get("/admin/audit")
@role_required(Role.ADMIN)
def admin_audit() -> tuple[str, int]:
    """Search the audit record, newest first."""
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("staff/admin/audit.html", form=form, rows=None), 400
    size = int(current_app.config.get("AUDIT_PAGE_SIZE", DEFAULT_PAGE_SIZE))
    events, next_before = fetch_page(filter_conditions(form), size)
    return render_template(
        "staff/admin/audit.html",
        form=form,
        rows=[event_row(event, reference) for event, reference in events],
        next_url=page_url(next_before) if next_before else None,
        first_url=page_url(None) if form.before.data else None,
    ), 200


@bp.post("/admin/audit/verify")
@role_required(Role.ADMIN)
def admin_verify_audit() -> Response:
    """Recompute the hash of every event; say whether the chain is intact, and record that."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    broken = verify_chain(db.session)
    detail: dict[str, Any] = {"events": count, "intact": broken is None}
    if broken is None:
        flash(_("The audit record is intact: %(n)d events verified.", n=count), "success")
    else:
        detail |= {"broken_at": broken.event_id, "reason": broken.reason}
        message = _(
            "The audit record is broken at event %(id)d: it was changed or removed after it was"
            " written.",
            id=broken.event_id,
        )
        flash(message, "error")
        logger.error("Audit chain broken at event %d: %s", broken.event_id, broken.reason)
    actor = actor_for(current_staff())
    record(db.session, action="audit.verified", actor=actor, now=utcnow(), detail=detail)
    db.session.commit()
    return redirect(url_for("staff.admin_audit"))
