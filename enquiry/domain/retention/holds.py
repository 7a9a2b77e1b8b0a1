"""Legal holds: a ticket under hold keeps its personal data whatever the retention period.

`is_held(session, ticket, today)` is the one question anonymisation asks. A supervisor's hold
(`place_hold`) counts until its date or until lifted. Other reasons to hold come from
AUTOMATIC_HOLDS: each is a function `(session, ticket, today) -> str | None` returning why the
ticket is held (or None). An open administrative review or lawsuit (复议/诉讼) must hold its
ticket: the module that records those adds its check to this tuple (see docs/retention.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.models import LegalHold, Role, SessionLike, Ticket, User
from enquiry.models.privacy import HOLD_REASON_MAX

HoldCheck = Callable[[SessionLike, Ticket, date], str | None]
# Extend with the 复议/诉讼 check, e.g. `AUTOMATIC_HOLDS = (open_review_or_lawsuit,)`.
AUTOMATIC_HOLDS: tuple[HoldCheck, ...] = ()
HOLD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class HoldError(ValueError):
    """A hold that cannot be placed or lifted (no permission, no reason, already lifted)."""


def _active(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        LegalHold.lifted_at.is_(None),
        sa.or_(LegalHold.until_on.is_(None), LegalHold.until_on >= today),
    )


def active_holds(session: SessionLike, today: date) -> list[LegalHold]:
    """Return every hold in force today, newest first."""
    query = sa.select(LegalHold).where(_active(today)).order_by(LegalHold.id.desc())
    return list(session.scalars(query))


def held_ticket_ids(session: SessionLike, today: date) -> set[int]:
    """Return the ids of the tickets a supervisor's hold protects today."""
    return set(session.scalars(sa.select(LegalHold.ticket_id).where(_active(today))))


def hold_reason(session: SessionLike, ticket: Ticket, today: date) -> str | None:
    """Return why the ticket is held today, or None when it is not."""
    reason = session.scalar(
        sa.select(LegalHold.reason)
        .where(LegalHold.ticket_id == ticket.id, _active(today))
        .order_by(LegalHold.id.desc())
        .limit(1)
    )
    if reason is not None:
        return reason
    for check in AUTOMATIC_HOLDS:
        automatic = check(session, ticket, today)
        if automatic:
            return automatic
    return None


def is_held(session: SessionLike, ticket: Ticket, today: date) -> bool:
    """True when nothing may be removed from this ticket today."""
    return hold_reason(session, ticket, today) is not None


def place_hold(
    session: SessionLike,
    ticket: Ticket,
    *,
    reason: str,
    until_on: date | None,
    actor: audit.Actor,
    now: datetime,
) -> LegalHold:
    """Place a supervisor's hold on a ticket (audited)."""
    _check_role(actor.user)
    reason = reason.strip()
    if not reason or len(reason) > HOLD_REASON_MAX:
        raise HoldError("a hold needs a reason")
    if until_on is not None and until_on < now.date():
        raise HoldError("the hold would end in the past")
    assert actor.user is not None
    hold = LegalHold(
        ticket_id=ticket.id,
        reason=reason,
        until_on=until_on,
        placed_by_id=actor.user.id,
        placed_at=now,
    )
    session.add(hold)
    session.flush()
    detail = {"hold": hold.id, "until_on": until_on.isoformat() if until_on else None}
    audit.record(
        session,
        action="ticket.hold_placed",
        actor=actor,
        now=now,
        ticket=ticket,
        detail=detail | {"reason": reason},
    )
    return hold


def lift_hold(session: SessionLike, hold: LegalHold, *, actor: audit.Actor, now: datetime) -> None:
    """Lift a hold (audited); the retention policy applies again from the next run."""
    _check_role(actor.user)
    if hold.lifted_at is not None:
        raise HoldError("the hold was already lifted")
    assert actor.user is not None
    hold.lifted_at, hold.lifted_by_id = now, actor.user.id
    ticket = session.get(Ticket, hold.ticket_id)
    audit.record(
        session,
        action="ticket.hold_lifted",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={"hold": hold.id},
    )
    session.flush()


def _check_role(user: User | None) -> None:
    if user is None or user.role not in HOLD_ROLES:
        raise HoldError("only a supervisor or an administrator may place or lift a hold")
