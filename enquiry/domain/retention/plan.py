"""What a retention run would do at a given moment: the same list the run then works through."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from enquiry.domain.retention import holds
from enquiry.domain.retention.settings import MAIL, SPAM, Periods
from enquiry.models import (
    FINAL_STATUSES,
    InboundEmail,
    InboundOutcome,
    Kind,
    Message,
    SessionLike,
    Status,
    Ticket,
)

ANONYMISE = "anonymise"
PURGE = "purge"


@dataclass(frozen=True)
class PlanItem:
    """One ticket to anonymise or purge, or one stored mail to purge."""

    rule: str
    action: str
    target: str  # "ticket" or "mail"
    id: int
    reference: str | None
    since: datetime  # closed (ticket) or received (mail)
    due_on: date  # the first day the rule allowed removal


@dataclass(frozen=True)
class HeldItem:
    """A ticket past its period that a hold protects."""

    id: int
    reference: str
    reason: str


@dataclass
class Plan:
    """Everything a run at `as_of` removes, and what holds keep."""

    as_of: datetime
    items: list[PlanItem] = field(default_factory=list)
    held: list[HeldItem] = field(default_factory=list)

    def counts(self) -> dict[tuple[str, str], int]:
        """Return how many items each (rule, action) has, in a stable order."""
        return dict(sorted(Counter((item.rule, item.action) for item in self.items).items()))


def ended_at() -> sa.ColumnElement[datetime]:
    """When a finished ticket ended: closed, else answered, else received (spam, refused).

    Not updated_at: anything touching the row (a reindex, a migration) would restart the period.
    """
    return sa.func.coalesce(Ticket.closed_at, Ticket.answered_at, Ticket.created_at)


def _ticket_rule(
    periods: Periods, status: Status, kind: Kind, outcome: str | None
) -> tuple[str, int, str]:
    if status is Status.SPAM:
        return SPAM, periods.days[SPAM], PURGE
    rule, days = periods.for_ticket(kind, outcome)
    return rule, days, ANONYMISE


def _tickets(session: SessionLike, periods: Periods, now: datetime, plan: Plan) -> None:
    shortest = min(periods.days.values())
    query = (
        sa.select(
            Ticket.id, Ticket.reference, Ticket.kind, Ticket.outcome, Ticket.status, ended_at()
        )
        .where(
            Ticket.anonymised_at.is_(None),
            Ticket.status.in_(FINAL_STATUSES),
            ended_at() <= now - timedelta(days=shortest),
        )
        .order_by(Ticket.id)
    )
    held = holds.held_ticket_ids(session, now.date())
    for ticket_id, reference, kind, outcome, status, since in session.execute(query):
        rule, days, action = _ticket_rule(periods, status, kind, outcome)
        if since + timedelta(days=days) > now:
            continue
        reason = _held(session, ticket_id, held, now.date())
        if reason is not None:
            plan.held.append(HeldItem(ticket_id, reference, reason))
            continue
        due = (since + timedelta(days=days)).date()
        plan.items.append(PlanItem(rule, action, "ticket", ticket_id, reference, since, due))


def _held(session: SessionLike, ticket_id: int, held: set[int], today: date) -> str | None:
    if ticket_id not in held and not holds.AUTOMATIC_HOLDS:
        return None
    ticket = session.get(Ticket, ticket_id)
    return holds.hold_reason(session, ticket, today) if ticket is not None else None


def purgeable_mail() -> sa.ColumnElement[bool]:
    """Stored mail that never joined a ticket and is done with (quarantined, ignored, bounced)."""
    return sa.and_(
        InboundEmail.ticket_id.is_(None),
        InboundEmail.outcome != InboundOutcome.PENDING,
        ~sa.exists().where(Message.inbound_email_id == InboundEmail.id),
    )


def _mail(session: SessionLike, periods: Periods, now: datetime, plan: Plan) -> None:
    days = periods.days[MAIL]
    query = (
        sa.select(InboundEmail.id, InboundEmail.received_at)
        .where(purgeable_mail(), InboundEmail.received_at <= now - timedelta(days=days))
        .order_by(InboundEmail.id)
    )
    for mail_id, received_at in session.execute(query):
        due = (received_at + timedelta(days=days)).date()
        plan.items.append(PlanItem(MAIL, PURGE, "mail", mail_id, None, received_at, due))


def build_plan(session: SessionLike, periods: Periods, now: datetime) -> Plan:
    """Return what a retention run at `now` will remove, and the held tickets it will skip."""
    plan = Plan(as_of=now)
    _tickets(session, periods, now, plan)
    _mail(session, periods, now, plan)
    return plan
