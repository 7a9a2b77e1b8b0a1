"""Legal holds: supervisors place them on a ticket, list them and lift them."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from enquiry.domain.queries import retention as queries
from enquiry.domain.retention import holds
from enquiry.extensions import db
from enquiry.models import Role, utcnow
from enquiry.redirects import safe_next
from enquiry.staff.access import actor_for, current_staff, load_ticket_for, role_required
from enquiry.staff.admin.retention_forms import HOLD_PREFIX, HoldForm
from enquiry.staff.blueprint import bp
from enquiry.staff.stale import check_page_version, versioned

logger = logging.getLogger(__name__)


@bp.context_processor
def hold_panel() -> dict[str, Any]:
    """On a ticket page, give supervisors the ticket's holds and the form to place one."""
    if request.endpoint != "staff.ticket" or not current_user.is_authenticated:
        return {}
    if current_staff().role not in holds.HOLD_ROLES:
        return {}
    ticket_id = (request.view_args or {}).get("ticket_id")
    if not isinstance(ticket_id, int):
        return {}
    rows = queries.hold_rows(db.session, utcnow().date(), ticket_id)
    return {
        "legal_holds": rows,
        "hold_form": HoldForm(prefix=HOLD_PREFIX),
        "hold_ticket_id": ticket_id,
    }


@bp.get("/admin/holds")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def admin_holds() -> str:
    """List the holds in force."""
    return render_template(
        "staff/admin/holds.html", rows=queries.hold_rows(db.session, utcnow().date())
    )


def _refused(form: HoldForm, ticket_id: int, status: int = 400) -> tuple[str, int]:
    if not form.errors:
        form.form_errors.append(_("A hold needs a reason, and an end date that is not past."))
    return render_template("staff/place_hold.html", form=form, ticket_id=ticket_id), status


@bp.post("/tickets/<id:ticket_id>/hold")
@role_required(Role.ADMIN, Role.SUPERVISOR)
@versioned
def place_hold(ticket_id: int) -> Response | tuple[str, int]:
    """Place a legal hold on a ticket: its personal data is kept until the hold ends."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    form = HoldForm(prefix=HOLD_PREFIX)
    if not form.validate():
        return _refused(form, ticket.id)
    try:
        holds.place_hold(
            db.session,
            ticket,
            reason=form.reason.data,
            until_on=form.until_on.data,
            actor=actor_for(user),
            now=utcnow(),
        )
    except holds.HoldError:
        db.session.rollback()
        return _refused(form, ticket.id)
    db.session.commit()
    flash(_("Legal hold placed: the personal data of this enquiry is kept."), "success")
    return redirect(url_for("staff.ticket", ticket_id=ticket.id), 303)


@bp.post("/admin/holds/<id:hold_id>/lift")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def lift_hold(hold_id: int) -> Response | tuple[str, int]:
    """Lift a hold; the retention periods apply again from the next run."""
    hold = queries.hold_by_id(db.session, hold_id)
    if hold is None:
        abort(404)
    check_page_version(load_ticket_for(current_staff(), hold.ticket_id))  # 404 outside scope
    try:
        holds.lift_hold(db.session, hold, actor=actor_for(current_staff()), now=utcnow())
    except holds.HoldError:
        db.session.rollback()
        rows = queries.hold_rows(db.session, utcnow().date())
        problem = _("That hold was already lifted.")
        return render_template("staff/admin/holds.html", rows=rows, problem=problem), 409
    db.session.commit()
    flash(_("Legal hold lifted."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("staff.admin_holds"), 303)
