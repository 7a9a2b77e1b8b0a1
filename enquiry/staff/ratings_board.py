"""The ratings (好差评) section of the supervision page, for templates/staff/_ratings.html."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g

from enquiry.domain import satisfaction
from enquiry.domain.queries.ratings import recent_ratings
from enquiry.extensions import db
from enquiry.models import Department, SatisfactionRating
from enquiry.models.tickets import POOR_RATINGS
from enquiry.staff.clock_views import beijing_today
from enquiry.staff.inbox import ticket_url

PROBLEM = "rating_problem"  # g: (rating id, message) for the page re-shown with 400


def rating_rows(departments: list[Department]) -> list[dict[str, Any]]:
    """Return what templates/staff/_ratings.html shows of the supervised departments' ratings."""
    today = beijing_today()
    problem = g.get(PROBLEM)
    return [row(record, today, problem) for record in recent_ratings(db.session, departments)]


def row(record: SatisfactionRating, today: date, problem: tuple[int, str] | None) -> dict[str, Any]:
    due = record.rectification_due_on
    return {
        "id": record.id,
        "reference": record.ticket.reference,
        "url": ticket_url(record.ticket_id),
        "grade": satisfaction.RATING_LABELS[record.rating],
        "is_poor": record.rating in POOR_RATINGS,
        "rated_at": record.created_at,
        "comment": record.comment,
        "rectification_due_on": due,
        "is_overdue": due is not None and due < today and record.follow_up_on is None,
        "follow_up": (
            {
                "on": record.follow_up_on,
                "by": record.follow_up_by,
                "result": record.follow_up_result,
            }
            if record.follow_up_on is not None
            else None
        ),
        "misrated": (
            {"at": record.misrated_at, "reason": record.misrated_reason}
            if record.misrated_at is not None
            else None
        ),
        "problem": problem[1] if problem and problem[0] == record.id else None,
        "today": today,
    }
