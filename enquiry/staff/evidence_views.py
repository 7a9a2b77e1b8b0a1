"""The evidence bundle of a ticket (for 行政复议 / 行政诉讼): supervisors and admins, audited."""

from __future__ import annotations

import logging

from flask import Response, abort, current_app
from flask_wtf import FlaskForm

from enquiry.extensions import db
from enquiry.models import Role, utcnow
from enquiry.reporting import evidence
from enquiry.staff.access import actor_for, current_staff, load_ticket_for, role_required
from enquiry.staff.blueprint import bp

logger = logging.getLogger(__name__)


@bp.post("/tickets/<id:ticket_id>/evidence.zip", endpoint="evidence_bundle")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def evidence_bundle(ticket_id: int) -> Response:
    """Build the ticket's evidence ZIP; the export is an audit event the bundle's proof ends on."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    sender = str(current_app.config["MAIL_DEFAULT_SENDER"])
    bundle = evidence.build_bundle(
        db.session, ticket, sender=sender, actor=actor_for(user), now=utcnow()
    )
    db.session.commit()
    logger.info("Evidence bundle of %s exported by %s", ticket.reference, user.email)
    response = Response(bundle.data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{bundle.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
