"""What the retention pages show: holds with their tickets, personal data held by age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from enquiry.domain.retention.plan import purgeable_mail
from enquiry.models import (
    Attachment,
    InboundEmail,
    LegalHold,
    Message,
    SessionLike,
    Ticket,
    User,
)

YEAR = timedelta(days=365)
# (key, youngest, oldest): ages in years since receipt
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under_1", 0, 1),
    ("1_to_3", 1, 3),
    ("3_to_5", 3, 5),
    ("over_5", 5, None),
)


@dataclass(frozen=True)
class HoldRow:
    """A hold in force, with its ticket and who placed it."""

    hold: LegalHold
    reference: str
    placed_by: str | None


def hold_rows(session: SessionLike, today: date, ticket_id: int | None = None) -> list[HoldRow]:
    """Return the holds in force today (of one ticket, or all), newest first."""
    query = (
        sa.select(LegalHold, Ticket.reference, User.email)
        .join(Ticket, Ticket.id == LegalHold.ticket_id)
        .outerjoin(User, User.id == LegalHold.placed_by_id)
        .where(
            LegalHold.lifted_at.is_(None),
            sa.or_(LegalHold.until_on.is_(None), LegalHold.until_on >= today),
        )
        .order_by(LegalHold.id.desc())
    )
    if ticket_id is not None:
        query = query.where(LegalHold.ticket_id == ticket_id)
    return [HoldRow(hold, reference, email) for hold, reference, email in session.execute(query)]


def hold_by_id(session: SessionLike, hold_id: int) -> LegalHold | None:
    """Return a hold, or None."""
    return session.get(LegalHold, hold_id)


def ticket_by_id(session: SessionLike, ticket_id: int) -> Ticket | None:
    """Return a ticket, or None."""
    return session.get(Ticket, ticket_id)


@dataclass(frozen=True)
class AgeBand:
    """Personal data held, received within one band of ages."""

    key: str
    tickets: int
    attachments: int
    raw_mails: int


def _between(column: Any, now: datetime, young: int, old: int | None) -> sa.ColumnElement[bool]:
    condition = column <= now - young * YEAR
    return condition if old is None else sa.and_(condition, column > now - old * YEAR)


def _count(session: SessionLike, query: sa.Select[Any]) -> int:
    return int(session.scalar(query) or 0)


def held_by_age(session: SessionLike, now: datetime) -> list[AgeBand]:
    """Count tickets with personal data, their files and the raw mails, by age since receipt."""
    live = Ticket.anonymised_at.is_(None)
    bands = []
    for key, young, old in AGE_BANDS:
        in_band = _between(Ticket.created_at, now, young, old)
        tickets = sa.select(sa.func.count()).select_from(Ticket).where(live, in_band)
        files = (
            sa.select(sa.func.count())
            .select_from(Attachment)
            .join(Message, Message.id == Attachment.message_id)
            .join(Ticket, Ticket.id == Message.ticket_id)
            .where(live, in_band)
        )
        mails = (
            sa.select(sa.func.count())
            .select_from(InboundEmail)
            .where(InboundEmail.size > 0, _between(InboundEmail.received_at, now, young, old))
        )
        bands.append(
            AgeBand(key, _count(session, tickets), _count(session, files), _count(session, mails))
        )
    return bands


def unattached_mail_count(session: SessionLike) -> int:
    """Stored mails that never joined a ticket (purged after the mail period)."""
    return _count(
        session, sa.select(sa.func.count()).select_from(InboundEmail).where(purgeable_mail())
    )
