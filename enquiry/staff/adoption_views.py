"""建议: the adoption outcome posted with the close form (templates/staff/_adoption.html)."""

from __future__ import annotations

from datetime import datetime

from flask import request

from enquiry import audit
from enquiry.domain import adoption
from enquiry.domain.handling import HandlingError
from enquiry.domain.queries import publications as published
from enquiry.extensions import db
from enquiry.models import Adoption, Kind, Ticket

REASON_FIELD_MAX = 2000


def record_from_close_form(ticket: Ticket, actor: audit.Actor, now: datetime) -> None:
    """Record a suggestion's adoption outcome when the close form carries one."""
    if ticket.kind is not Kind.SUGGESTION:
        return
    value = request.form.get("adoption", "")
    if not value:
        return
    chosen = next((a for a in Adoption if a.value == value), None)
    if chosen is None:
        raise HandlingError("choose whether the suggestion was adopted")
    reason = request.form.get("adoption_reason", "")[: REASON_FIELD_MAX + 1]
    existing = published.adoption_of(db.session, ticket)
    adoption.record_adoption(db.session, ticket, existing, chosen, reason, actor=actor, now=now)
