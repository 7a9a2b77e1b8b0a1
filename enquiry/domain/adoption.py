"""What became of a 建议 (suggestion): 采纳 / 部分采纳 / 未采纳, with a reason, set on closing."""

from __future__ import annotations

from datetime import datetime

from enquiry import audit
from enquiry.domain.handling import HandlingError
from enquiry.models import Adoption, Kind, SessionLike, SuggestionAdoption, Ticket
from enquiry.models.publication import ADOPTION_REASON_MAX


def record_adoption(
    session: SessionLike,
    ticket: Ticket,
    existing: SuggestionAdoption | None,
    adoption: Adoption,
    reason: str,
    *,
    actor: audit.Actor,
    now: datetime,
) -> SuggestionAdoption:
    """Record (or correct) the outcome of a suggestion."""
    if ticket.kind is not Kind.SUGGESTION:
        raise HandlingError("only suggestions have an adoption outcome")
    reason = reason.strip()
    if len(reason) > ADOPTION_REASON_MAX:
        raise HandlingError("the reason is too long")
    record = existing or SuggestionAdoption(ticket=ticket)
    record.adoption = adoption
    record.reason = reason or None
    record.recorded_by_id = actor.user.id if actor.user else None
    record.recorded_at = now
    session.add(record)
    session.flush()
    detail = {"adoption": adoption.value}
    audit.record(
        session, action="suggestion.adoption", actor=actor, now=now, ticket=ticket, detail=detail
    )
    return record
