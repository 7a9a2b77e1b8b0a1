"""Annual reports: split by their own numbering and store them."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from enquiry.models import Report, ReportSection, Ticket
from enquiry.models.base import SessionLike, utcnow
from enquiry.rules.report_split import SplitSection, split_report

logger = logging.getLogger(__name__)


def _max_length(column: sa.ColumnElement[Any]) -> int:
    """Return the length of a String column, so long text is cut to what it can hold."""
    if not isinstance(column.type, sa.String) or column.type.length is None:
        raise TypeError(f"{column} is not a String column with a length")
    return column.type.length


TITLE_MAX = _max_length(Report.__table__.c.title)
HEADING_MAX = _max_length(ReportSection.__table__.c.heading)


class ReportExistsError(Exception):
    """A report for that year is already stored."""


def import_report(
    session: SessionLike,
    text: str,
    *,
    year: int,
    source_url: str | None,
    published_on: date | None,
    replace: bool = False,
) -> Report:
    """Split a report and store it, or replace the sections of that year's report."""
    split = split_report(text)
    report = session.scalar(select(Report).filter_by(year=year))
    if report is not None and not replace:
        raise ReportExistsError(
            f"The {year} report is already imported; use --replace to replace it."
        )
    if report is None:
        report = Report(year=year)
        session.add(report)
    else:
        report.imported_at = utcnow()
    report.title = split.title[:TITLE_MAX]
    # Replacing the text without repeating the source keeps what was stored before.
    report.source_url = source_url or report.source_url
    report.published_on = published_on or split.published_on or report.published_on
    _store_sections(session, report, split.sections)
    session.flush()
    logger.info("Imported the %s report: %d sections", year, len(report.sections))
    return report


def _store_sections(
    session: SessionLike, report: Report, sections: tuple[SplitSection, ...]
) -> None:
    """Update sections in place by anchor, so tickets keep pointing at the same rows."""
    existing = {section.anchor: section for section in report.sections}
    kept = []
    for position, split in enumerate(sections):
        section = existing.pop(split.anchor, None) or ReportSection(anchor=split.anchor)
        section.number = split.number
        section.level = split.level
        section.position = position
        section.heading = split.heading[:HEADING_MAX]
        section.body = split.body
        kept.append(section)
    stale = _referenced(session, list(existing.values()))
    for offset, section in enumerate(stale, start=len(kept)):
        # Tickets still point here: keep the old text rather than break their link.
        logger.warning("Keeping section %s of %s: tickets refer to it", section.anchor, report)
        section.position = offset
    # Sections left out of the list are orphans, which the relationship cascade deletes.
    report.sections = kept + stale


def _referenced(session: SessionLike, sections: list[ReportSection]) -> list[ReportSection]:
    """Return those of the sections that a ticket refers to."""
    ids = [section.id for section in sections if section.id is not None]
    if not ids:
        return []
    used = set(
        session.scalars(select(Ticket.report_section_id).where(Ticket.report_section_id.in_(ids)))
    )
    return [section for section in sections if section.id in used]
