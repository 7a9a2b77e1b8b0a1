"""What a citizen may see: the published reports, and a ticket only with its code."""

from __future__ import annotations

from collections.abc import Container

import sqlalchemy as sa

from enquiry.models import (
    CITIZEN_VISIBLE_KINDS,
    Message,
    Report,
    ReportSection,
    SessionLike,
    Ticket,
)
from enquiry.rules import references

# Hashing a code for an unknown reference too keeps both failures equally slow.
_DUMMY_HASH = references.hash_code("0000-0000-0000-0000-0000")


def reports_newest_first(session: SessionLike) -> list[Report]:
    """Every report, the latest year first."""
    return list(session.scalars(sa.select(Report).order_by(Report.year.desc())))


def latest_report_year(session: SessionLike) -> int | None:
    """The year of the latest report, or None when there is none."""
    return session.scalar(sa.select(sa.func.max(Report.year)))


def report_for_year(session: SessionLike, year: int) -> Report | None:
    """The report of that year, or None."""
    return session.scalars(sa.select(Report).filter_by(year=year)).one_or_none()


def section_rows(session: SessionLike) -> list[tuple[int, int, str, str]]:
    """(year, section id, number, heading) of every section, latest report first, in order."""
    rows = session.execute(
        sa.select(Report.year, ReportSection.id, ReportSection.number, ReportSection.heading)
        .join(ReportSection.report)
        .order_by(Report.year.desc(), ReportSection.position)
    ).all()
    return [(year, section_id, number, heading) for year, section_id, number, heading in rows]


def section_id(session: SessionLike, year: int, anchor: str) -> int | None:
    """The id of the section with this anchor in that year's report, or None."""
    return session.scalar(
        sa.select(ReportSection.id)
        .join(ReportSection.report)
        .where(Report.year == year, ReportSection.anchor == anchor)
    )


def _by_reference(session: SessionLike, reference: str) -> Ticket | None:
    wanted = references.normalize_reference(reference)
    return session.scalar(sa.select(Ticket).where(Ticket.reference == wanted))


def ticket_by_code(session: SessionLike, reference: str, code: str) -> Ticket | None:
    """Return the ticket only when reference and code match; None otherwise, alike."""
    ticket = _by_reference(session, reference)
    stored = ticket.access_code_hash if ticket is not None else _DUMMY_HASH
    matches = references.code_matches(code, stored)
    return ticket if ticket is not None and matches else None


def granted_ticket(session: SessionLike, reference: str, granted: Container[int]) -> Ticket | None:
    """Return the ticket when its id is among those the citizen has shown the code for."""
    ticket = _by_reference(session, reference)
    return ticket if ticket is not None and ticket.id in granted else None


def citizen_messages(session: SessionLike, ticket: Ticket) -> list[Message]:
    """The messages the citizen may read (no internal notes), oldest first."""
    return list(
        session.scalars(
            sa.select(Message)
            .where(Message.ticket_id == ticket.id, Message.kind.in_(CITIZEN_VISIBLE_KINDS))
            .order_by(Message.created_at, Message.id)
        )
    )
