"""Gather what the annual report draft needs from the database."""

from __future__ import annotations

from datetime import date

from enquiry.models import SessionLike
from enquiry.reporting import figures
from enquiry.reporting.draft import Draft, build_draft
from enquiry.reporting.table4_facts import table_four


def draft_for(
    session: SessionLike, year: int, *, office: str, today: date, department_id: int | None = None
) -> Draft:
    """Return the draft of the year's report (for one department, or the whole office)."""
    return build_draft(
        year=year,
        office=office,
        table3=figures.annual_table(session, year, department_id),
        table_four=table_four(session, year, department_id),
        tickets=figures.ticket_times(session, year, department_id),
        ratings=figures.satisfaction_counts(session, year, department_id),
        today=today,
    )
