"""Reading published answers: for the public pages, the staff editor and the approval queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from enquiry.models import (
    Adoption,
    Attachment,
    Blob,
    Kind,
    Publication,
    PublicationStatus,
    ReportSection,
    SessionLike,
    SuggestionAdoption,
    Ticket,
)
from enquiry.search import published as published_search
from enquiry.search import published_index

PUBLISHED_SCAN_MAX = 5000  # the most copies a report page reads at once
SITEMAP_MAX = 49_000  # a sitemap file holds at most 50,000 addresses (sitemaps.org)
BATCH = 500  # copies fetched per round trip when every one is read
PAGE_SIZE = 50
SIMILAR_CANDIDATES = 200  # found by the index, then ranked in memory (enquiry.search.published)


def publication_of(session: SessionLike, ticket: Ticket) -> Publication | None:
    """The public copy of a ticket, in any state, or None."""
    return session.scalar(select(Publication).where(Publication.ticket_id == ticket.id))


def published(session: SessionLike, publication_id: int) -> Publication | None:
    """A published copy by its number, or None (drafts and withdrawn copies are not public)."""
    return session.scalar(
        select(Publication).where(
            Publication.id == publication_id,
            Publication.status == PublicationStatus.PUBLISHED,
        )
    )


def pending(session: SessionLike, department_id: int | None = None) -> list[Publication]:
    """Copies waiting for approval, oldest first; one department's when given."""
    query = select(Publication).where(Publication.status == PublicationStatus.PENDING)
    if department_id is not None:
        query = query.join(Ticket).where(Ticket.department_id == department_id)
    return list(session.scalars(query.order_by(Publication.updated_at, Publication.id)))


def count_published(session: SessionLike) -> int:
    """How many answers are on the public pages."""
    return (
        session.scalar(
            select(func.count()).where(Publication.status == PublicationStatus.PUBLISHED)
        )
        or 0
    )


@dataclass(frozen=True)
class Filters:
    """What the public list is narrowed to."""

    query: str = ""
    section_id: int | None = None
    kind: Kind | None = None
    department_id: int | None = None
    year: int | None = None


def _published_query(filters: Filters) -> Select[Any]:
    query = (
        select(Publication)
        .join(Ticket, Publication.ticket_id == Ticket.id)
        .where(Publication.status == PublicationStatus.PUBLISHED)
        .options(selectinload(Publication.ticket).selectinload(Ticket.department))
    )
    if filters.section_id is not None:
        query = query.where(Ticket.report_section_id == filters.section_id)
    if filters.kind is not None:
        query = query.where(Ticket.kind == filters.kind)
    if filters.department_id is not None:
        query = query.where(Ticket.department_id == filters.department_id)
    if filters.year is not None:
        query = query.where(
            Publication.answered_on >= date(filters.year, 1, 1),
            Publication.answered_on <= date(filters.year, 12, 31),
        )
    return query.order_by(Publication.published_at.desc(), Publication.id.desc())


def list_published(
    session: SessionLike, filters: Filters, limit: int = PAGE_SIZE, offset: int = 0
) -> list[Publication]:
    """Published answers, filtered in SQL; newest first, or best match first when searched.

    The search goes through the index of public copies (enquiry.search.published_index), which
    holds their redacted text only.
    """
    query = _published_query(filters)
    if filters.query.strip():
        dialect = session.get_bind().dialect.name
        searched = published_index.matching(query, filters.query, dialect)
        if searched is None:
            return []
        query = searched
    return list(session.scalars(query.offset(offset).limit(limit)))


def every_published(session: SessionLike) -> Iterator[Publication]:
    """Every published answer, newest first, fetched in batches (the open-data package must hold
    them all, however many there are, without loading them at once)."""
    query = _published_query(Filters()).execution_options(yield_per=BATCH)
    yield from session.scalars(query)


def similar_published(
    session: SessionLike, text: str, section_id: int | None = None, limit: int = 5
) -> list[Publication]:
    """Up to `limit` published answers like the text (a citizen typing), or the section's latest.

    The index finds the copies sharing a token with the text, best first; the best
    SIMILAR_CANDIDATES of them are ranked by the share of tokens in common.
    """
    query = _published_query(Filters(section_id=section_id))
    if not text.strip():
        return list(session.scalars(query.limit(limit))) if section_id is not None else []
    wanted = published_search.wanted_tokens(text)
    if not wanted:
        return []
    dialect = session.get_bind().dialect.name
    query = published_index.sharing(query, sorted(wanted), dialect)
    # The candidates as plain rows; only the few chosen are loaded as publications.
    columns = query.with_only_columns(Publication.id, Publication.title, Publication.question)
    rows = session.execute(columns.limit(SIMILAR_CANDIDATES)).all()
    documents = ((row.id, published_search.text_of((row.title, row.question))) for row in rows)
    chosen = published_search.similar(text, documents, limit)
    if not chosen:
        return []
    loaded = session.scalars(
        select(Publication)
        .where(Publication.id.in_(chosen))
        .options(selectinload(Publication.ticket).selectinload(Ticket.department))
    )
    by_id = {publication.id: publication for publication in loaded}
    return [by_id[n] for n in chosen]


def published_in_report(session: SessionLike, report_id: int) -> list[Publication]:
    """Published answers about the sections of one report, newest first."""
    query = (
        _published_query(Filters())
        .join(ReportSection, ReportSection.id == Ticket.report_section_id)
        .where(ReportSection.report_id == report_id)
    )
    return list(session.scalars(query.limit(PUBLISHED_SCAN_MAX)))


def attachment_data(session: SessionLike, attachment: Attachment) -> bytes:
    """The bytes of an attachment (its blob is loaded only when asked for)."""
    data = session.scalar(select(Blob.data).where(Blob.sha256 == attachment.blob_sha256))
    return data or b""


def adoption_of(session: SessionLike, ticket: Ticket) -> SuggestionAdoption | None:
    """The recorded outcome of a suggestion, or None."""
    return session.scalar(
        select(SuggestionAdoption).where(SuggestionAdoption.ticket_id == ticket.id)
    )


def adoption_counts(session: SessionLike, start: datetime, end: datetime) -> dict[Adoption, int]:
    """How many suggestions closed in [start, end) were adopted, partly adopted or not."""
    rows = session.execute(
        select(SuggestionAdoption.adoption, func.count())
        .join(Ticket, Ticket.id == SuggestionAdoption.ticket_id)
        .where(Ticket.closed_at >= start, Ticket.closed_at < end)
        .group_by(SuggestionAdoption.adoption)
    )
    found = {adoption: int(n) for adoption, n in rows}
    return {adoption: found.get(adoption, 0) for adoption in Adoption}
