"""What templates/staff/_remedies.html shows of a ticket's reviews and lawsuits."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from enquiry.domain.queries.remedies import remedies_of
from enquiry.extensions import db
from enquiry.models import Kind, Remedy, RemedyKind, Role, Ticket, User
from enquiry.staff.remedy_forms import (
    RESULT_PREFIX,
    RemedyForm,
    RemedyResultForm,
    result_choices,
)

EVIDENCE_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _route(remedy: Remedy) -> str:
    if remedy.kind is RemedyKind.REVIEW:
        return ""
    if remedy.after_review:
        return _("Sued after a review (复议后起诉)")
    return _("Sued directly, without review (未经复议直接起诉)")


def _row(remedy: Remedy) -> dict[str, Any]:
    form = RemedyResultForm(prefix=RESULT_PREFIX, formdata=None)
    form.result.data = remedy.result.value
    form.concluded_on.data = remedy.concluded_on
    for item in (form.result, form.concluded_on):  # one form per case: ids unique on the page
        item.id = item.label.field_id = f"remedy-{remedy.id}-{item.short_name}"
    labels = dict(result_choices())
    return {
        "id": remedy.id,
        "kind": _("Administrative review (行政复议)")
        if remedy.kind is RemedyKind.REVIEW
        else _("Lawsuit (行政诉讼)"),
        "route": _route(remedy),
        "filed_on": remedy.filed_on,
        "body": remedy.body,
        "result": labels[remedy.result.value],
        "concluded_on": remedy.concluded_on,
        "form": form,
    }


def remedy_panel(ticket: Ticket, user: User, form: RemedyForm | None = None) -> dict[str, Any]:
    """Return the panel's values (`remedies` in the ticket page); shown for applications only."""
    if ticket.kind is not Kind.INFO_APPLICATION:
        return {"shown": False, "may_export": user.role in EVIDENCE_ROLES, "ticket_id": ticket.id}
    return {
        "shown": True,
        "ticket_id": ticket.id,
        "rows": [_row(remedy) for remedy in remedies_of(db.session, ticket)],
        "form": form or RemedyForm(prefix="remedy"),
        "may_export": user.role in EVIDENCE_ROLES,
    }
