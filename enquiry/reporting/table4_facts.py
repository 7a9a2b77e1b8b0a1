"""The facts behind table 四: every review and lawsuit recorded on an application."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from enquiry.models import Remedy, SessionLike, Ticket
from enquiry.reporting import table4


def remedy_facts(
    session: SessionLike, year: int, department_id: int | None = None
) -> list[table4.RemedyFact]:
    """Return the reviews and lawsuits that can appear in the year's table 四."""
    query = (
        sa.select(
            Ticket.reference,
            Remedy.kind,
            Remedy.after_review,
            Remedy.filed_on,
            Remedy.result,
            Remedy.concluded_on,
        )
        .join(Ticket, Ticket.id == Remedy.ticket_id)
        .where(Remedy.filed_on <= date(year, 12, 31))
    )
    if department_id is not None:
        query = query.where(Ticket.department_id == department_id)
    return [
        table4.RemedyFact(
            kind=kind,
            after_review=after_review,
            filed_on=filed_on,
            result=result,
            concluded_on=concluded_on,
            reference=reference,
        )
        for reference, kind, after_review, filed_on, result, concluded_on in session.execute(
            query.order_by(Remedy.id)
        )
    ]


def table_four(session: SessionLike, year: int, department_id: int | None = None) -> table4.Table4:
    """Return table 四 for the year (for one department, or for the whole office)."""
    return table4.build_table4(remedy_facts(session, year, department_id), year)
