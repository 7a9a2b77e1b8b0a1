"""Carry out a retention plan, item by item; the caller commits (in batches, for progress)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from enquiry import audit
from enquiry.domain.retention import holds
from enquiry.domain.retention.anonymise import anonymise_ticket, purge_mail
from enquiry.domain.retention.plan import Plan, PlanItem
from enquiry.models import InboundEmail, SessionLike, Ticket


def apply_item(session: SessionLike, item: PlanItem, *, actor: audit.Actor, now: datetime) -> bool:
    """Remove what one plan item names; False when it changed since the plan (skipped)."""
    if item.target == "mail":
        row = session.get(InboundEmail, item.id, with_for_update=True, populate_existing=True)
        if row is None or row.ticket_id is not None:
            return False
        purge_mail(session, [row])
        return True
    # Locked (PostgreSQL): two workers running the daily job never anonymise a ticket twice.
    ticket = session.get(Ticket, item.id, with_for_update=True, populate_existing=True)
    if ticket is None or ticket.anonymised_at is not None:
        return False
    if holds.is_held(session, ticket, now.date()):
        return False  # a hold placed since the plan was made
    anonymise_ticket(session, ticket, rule=item.rule, actor=actor, now=now)
    return True


def record_run(
    session: SessionLike, plan: Plan, done: list[PlanItem], *, actor: audit.Actor, now: datetime
) -> None:
    """Audit a finished run: counts per rule, the purged mails' ids and the holds respected."""
    counts = Counter(f"{item.rule}:{item.action}" for item in done)
    detail = {
        "counts": dict(sorted(counts.items())),
        "planned": len(plan.items),
        "held": [held.id for held in plan.held],
        "mail_purged": [item.id for item in done if item.target == "mail"],
    }
    audit.record(session, action="retention.run", actor=actor, now=now, detail=detail)
