"""The outbox for supervisors (their department) and admins (all): undelivered mail, retry."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.bounded import parse_id
from enquiry.domain import outbox
from enquiry.extensions import db
from enquiry.models import OutboundEmail, OutboxStatus, Role, Ticket, utcnow
from enquiry.redirects import safe_next
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.blueprint import bp

PAGE_SIZE = 50
OUTBOX_ROLES = (Role.SUPERVISOR, Role.ADMIN)
STATUS_LABELS = {
    OutboxStatus.PENDING: _l("Waiting to be sent"),
    OutboxStatus.SENDING: _l("Being sent"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Not delivered"),
    OutboxStatus.SUPPRESSED: _l("Not sent (suppressed)"),
}
UNDELIVERED = "undelivered"


def mail_view(row: OutboundEmail, reference: str | None, *, may_retry: bool) -> dict[str, Any]:
    """What a list of outgoing mail shows of one message, with its status badge."""
    is_problem = row.status in outbox.UNDELIVERED
    return {
        "id": row.id,
        "status": row.status.value,
        "label": STATUS_LABELS[row.status],
        "is_problem": is_problem,
        "to": row.to_addr,
        "subject": row.subject,
        "error": row.last_error if is_problem else None,
        "created": format_datetime(row.created_at, "short"),
        "reference": reference,
        "ticket_url": url_for("staff.ticket", ticket_id=row.ticket_id) if row.ticket_id else None,
        "retry_url": url_for("staff.outbox_retry", outbound_id=row.id)
        if is_problem and may_retry
        else None,
    }


def may_retry(user: Any) -> bool:
    return user.role in OUTBOX_ROLES


def ticket_mail(ticket: Ticket) -> list[dict[str, Any]]:
    """The mail of one ticket, oldest first, for its page."""
    rows = outbox.ticket_mail(db.session, ticket.id)
    allowed = may_retry(current_staff())
    return [mail_view(row, ticket.reference, may_retry=allowed) for row in rows]


@bp.get("/outbox", endpoint="outbox")
@role_required(*OUTBOX_ROLES)
def show_outbox() -> str:
    """Undelivered mail (or mail of one status), newest first, within the user's scope."""
    user = current_staff()
    wanted = request.args.get("status", UNDELIVERED)
    if wanted in OutboxStatus._value2member_map_:
        statuses: tuple[OutboxStatus, ...] = (OutboxStatus(wanted),)
    else:
        wanted, statuses = UNDELIVERED, outbox.UNDELIVERED
    before = parse_id(request.args.get("before"))
    found = outbox.page(db.session, user, statuses, before=before, limit=PAGE_SIZE + 1)
    rows = [mail_view(row, reference, may_retry=True) for row, reference in found[:PAGE_SIZE]]
    next_url = None
    if len(found) > PAGE_SIZE:
        next_url = url_for("staff.outbox", status=wanted, before=rows[-1]["id"])
    return render_template(
        "staff/outbox.html", rows=rows, wanted=wanted, filters=filters(wanted), next_url=next_url
    )


def filters(wanted: str) -> list[dict[str, Any]]:
    choices = [(UNDELIVERED, _("Not delivered or suppressed"))]
    choices += [(status.value, STATUS_LABELS[status]) for status in OutboxStatus]
    return [
        {
            "url": url_for("staff.outbox", status=value),
            "label": label,
            "is_current": value == wanted,
        }
        for value, label in choices
    ]


@bp.post("/outbox/<id:outbound_id>/retry", endpoint="outbox_retry")
@role_required(*OUTBOX_ROLES)
def retry(outbound_id: int) -> Response:
    """Send an undelivered message again: back in the queue for the worker's next pass."""
    user = current_staff()
    row = outbox.visible_row(db.session, user, outbound_id)
    if row is None:
        abort(404)
    back = safe_next(request.form.get("next")) or url_for("staff.outbox")
    try:
        outbox.retry(db.session, row, actor=actor_for(user), now=utcnow())
    except outbox.NotRetryableError:
        db.session.rollback()
        flash(_("This message is not waiting for a retry; nothing was changed."), "warning")
        return redirect(back, code=303)
    db.session.commit()
    flash(_("The message to %(to)s will be sent again shortly.", to=row.to_addr), "success")
    return redirect(back, code=303)
