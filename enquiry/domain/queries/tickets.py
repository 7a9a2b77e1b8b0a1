"""What the API and other readers list beside tickets: threads, departments, report sections."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from enquiry.models import Department, Message, Report, ReportSection, SessionLike, Ticket

logger = logging.getLogger(__name__)


def thread(session: SessionLike, ticket: Ticket) -> list[Message]:
    """Return every message of a ticket (notes and events too), oldest first."""
    query = (
        sa.select(Message)
        .where(Message.ticket_id == ticket.id)
        .options(joinedload(Message.author))
        .order_by(Message.created_at, Message.id)
    )
    return list(session.scalars(query))


def departments(session: SessionLike) -> list[Department]:
    """Return every department, by code (inactive ones too: old tickets name them)."""
    return list(session.scalars(sa.select(Department).order_by(Department.code)))


def report_sections(session: SessionLike) -> list[ReportSection]:
    """Return the sections of the annual reports, newest report first, in printed order."""
    query = (
        sa.select(ReportSection)
        .join(ReportSection.report)
        .options(joinedload(ReportSection.report))
        .order_by(Report.year.desc(), ReportSection.position)
    )
    return list(session.scalars(query))


def default_department(session: SessionLike) -> Department | None:
    """Return the routing office (the default department), if there is one."""
    return session.scalar(sa.select(Department).where(Department.is_default))
