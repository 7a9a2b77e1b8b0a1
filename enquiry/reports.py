"""Annual reports: split by their own numbering and store them. (Stub: being written.)"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from enquiry.models import Report


class ReportExistsError(Exception):
    """A report for that year is already stored."""


def import_report(
    session: Session,
    text: str,
    *,
    year: int,
    source_url: str | None,
    published_on: date | None,
    replace: bool = False,
) -> Report:
    """Split and store a report."""
    raise NotImplementedError
