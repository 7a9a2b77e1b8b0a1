"""The audit record for admins: filters, keyset pagination (newest first), chain verification."""

from __future__ import annotations

import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from enquiry.domain.admin.audit import check_chain
from enquiry.domain.queries.audit import AuditFilter, audit_page
from enquiry.extensions import db
from enquiry.models import AuditEvent, Role, utcnow
from enquiry.staff import event_labels
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.forms import AuditFilterForm
from enquiry.staff.blueprint import bp
from enquiry.staff.inbox import ticket_url
from enquiry.templating import format_time

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50


def audit_filter(form: AuditFilterForm) -> AuditFilter:
    """Return what the filled-in filters look for."""
    return AuditFilter(
        timezone=ZoneInfo(current_app.config["TIMEZONE"]),
        action=form.action.data,
        actor=form.actor.data,
        reference=form.reference.data,
        remote_addr=form.remote_addr.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        before=form.before.data,
    )


def event_row(event: AuditEvent, reference: str | None) -> dict[str, Any]:
    """Return what the audit table shows of an event; the detail as JSON (escaped on output)."""
    return {
        "id": event.id,
        "time": format_time(event.created_at),
        "actor": event_labels.actor_label(event.actor_label),
        "action": event_labels.event_label(event.action),
        "changes": event_labels.detail_rows(event.detail),
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
    events, next_before = audit_page(db.session, audit_filter(form), size)
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
    check = check_chain(db.session, actor=actor_for(current_staff()), now=utcnow())
    db.session.commit()
    if check.broken is None:
        flash(_("The audit record is intact: %(n)d events verified.", n=check.events), "success")
    else:
        message = _(
            "The audit record is broken at event %(id)d: it was changed or removed after it was"
            " written.",
            id=check.broken.event_id,
        )
        flash(message, "error")
    return redirect(url_for("staff.admin_audit"))
