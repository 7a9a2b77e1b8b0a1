"""督办 at a glance: overdue and soon-due tickets per department, for supervisors and admins."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, render_template, url_for

from enquiry.domain import attention
from enquiry.domain.policy import due_soon_days
from enquiry.domain.queries.supervision import supervised_departments
from enquiry.extensions import db
from enquiry.models import Role
from enquiry.staff.access import current_staff, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.clock_views import beijing_today, office_calendar
from enquiry.staff.inbox import ticket_url
from enquiry.staff.ratings_board import rating_rows
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)


def row_view(row: attention.DueRow) -> dict[str, Any]:
    """Return what the page shows of a ticket."""
    return {
        "ticket_id": row.ticket_id,
        "url": ticket_url(row.ticket_id),
        "reference": row.reference,
        "subject": row.subject,
        "assignee": row.assignee,
        "is_escalated": row.is_escalated,
        "badge": {
            "due_on": row.due_on,
            "remaining": row.remaining,
            "is_verified": row.is_verified,
            "is_overdue": row.is_overdue,
        },
    }


@bp.get("/supervision", endpoint="supervision")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def supervision_page() -> str:
    """List each supervised department's overdue and soon-due tickets."""
    departments = supervised_departments(db.session, current_staff())
    soon = due_soon_days(current_app.config)
    boards = attention.department_boards(
        db.session, departments, beijing_today(), office_calendar(), soon
    )
    locale = current_locale()
    views = [
        {
            "name": board.department.name_for(locale),
            "overdue": [row_view(row) for row in board.overdue],
            "due_soon": [row_view(row) for row in board.due_soon],
        }
        for board in boards
    ]
    return render_template(
        "staff/supervision.html",
        boards=views,
        soon_days=soon,
        here=url_for("staff.supervision"),
        ratings=rating_rows(departments),
    )
