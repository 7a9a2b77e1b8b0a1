"""Legal holds: a ticket under hold keeps its personal data whatever the retention period.

`is_held(session, ticket, today)` is the one question anonymisation asks. A supervisor's hold
(`place_hold`) counts until its date or until lifted. An administrative review or lawsuit
(复议/诉讼, enquiry.domain.remedies) not yet concluded holds its ticket automatically, for as
long as it is pending. Further reasons to hold plug in through AUTOMATIC_HOLDS: each is a
function `(session, ticket, today) -> str | None` returning why the ticket is held (or None).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.models import (
    LegalHold,
    Remedy,
    RemedyKind,
    RemedyResult,
    Role,
    SessionLike,
    Ticket,
    User,
)
from enquiry.models.privacy import HOLD_REASON_MAX

HoldCheck = Callable[[SessionLike, Ticket, date], str | None]
# Further automatic holds, e.g. `AUTOMATIC_HOLDS = (open_complaint_to_the_ombudsman,)`.
AUTOMATIC_HOLDS: tuple[HoldCheck, ...] = ()
# The reason shown (CLI, plan page and CSV) for a ticket an open review or lawsuit holds.
REMEDY_REASONS = {
    RemedyKind.REVIEW: "行政复议尚未审结（自动保留）",
    RemedyKind.LAWSUIT: "行政诉讼尚未审结（自动保留）",
}
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
    """Return the ids of the tickets a supervisor's hold or an open review or lawsuit protects."""
    manual = set(session.scalars(sa.select(LegalHold.ticket_id).where(_active(today))))
    pending = sa.select(Remedy.ticket_id).where(Remedy.result == RemedyResult.PENDING)
    return manual | set(session.scalars(pending))


def open_remedy_reason(session: SessionLike, ticket: Ticket, today: date) -> str | None:
    """Why an administrative review or lawsuit not yet concluded holds the ticket, or None."""
    kind = session.scalar(
        sa.select(Remedy.kind)
        .where(Remedy.ticket_id == ticket.id, Remedy.result == RemedyResult.PENDING)
        .order_by(Remedy.id)
        .limit(1)
    )
    return REMEDY_REASONS[kind] if kind is not None else None


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
    for check in (open_remedy_reason, *AUTOMATIC_HOLDS):
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
