"""For staff answering a ticket: similar open tickets and matching published answers."""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa

from enquiry.domain.queries import kept
from enquiry.domain.queries.access import scope_key, ticket_scope
from enquiry.domain.queries.publications import similar_published
from enquiry.models import (
    FINAL_STATUSES,
    Kind,
    MessageKind,
    SessionLike,
    Status,
    Ticket,
    User,
)
from enquiry.search import published as ranking

OPEN_SCAN_MAX = 500  # the most recent open tickets compared by text
CLUSTER_MAX = 50


# Named, not "not closed": the index on (status, created_at, id) then reads only open tickets
# (0.7 ms at 10,000 tickets), where NOT IN walked every ticket by date (5-8 ms).
STILL_OPEN = tuple(s for s in Status if s not in {*FINAL_STATUSES, Status.ANSWERED})


def _open_in_scope(user: User) -> sa.Select[Any]:
    return (
        sa.select(Ticket)
        .where(
            ticket_scope(user), Ticket.status.in_(STILL_OPEN), Ticket.kind != Kind.INFO_APPLICATION
        )
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    )


def question_text(ticket: Ticket) -> str:
    """The subject and the citizen's first message: what a similar ticket is compared on."""
    first = next((m.body for m in ticket.messages if m.kind is MessageKind.CITIZEN), "")
    return f"{ticket.subject}\n{first[:2000]}"


class SimilarTicket(NamedTuple):
    """An open ticket like the one on the page, as the panel lists it."""

    id: int
    reference: str
    subject: str


class MatchingAnswer(NamedTuple):
    """A published answer that may fit the ticket, as the panel lists it."""

    id: int
    title: str


class Related(NamedTuple):
    """What the ticket page offers beside the composer."""

    tickets: list[SimilarTicket]
    answers: list[MatchingAnswer]


def related_to(session: SessionLike, user: User, ticket: Ticket, limit: int = 5) -> Related:
    """Open tickets the user may see that resemble this one (same section first), and published
    answers that resemble it.

    Kept while nothing is audited (enquiry.domain.queries.kept; publishing, editing and
    withdrawing an answer are audited too): it compares the ticket with up to 500 open tickets,
    and every page of the ticket asks again.
    """
    key = ("related", *scope_key(user), ticket.id, ticket.subject, ticket.report_section_id, limit)
    return kept.under_head(
        session,
        key,
        lambda: Related(
            _similar_open(session, user, ticket, limit), _matching(session, ticket, limit)
        ),
    )


def _similar_open(
    session: SessionLike, user: User, ticket: Ticket, limit: int
) -> list[SimilarTicket]:
    # Plain rows of the candidates; only the few shown are read again, as plain rows too.
    candidates = (
        _open_in_scope(user)
        .with_only_columns(Ticket.id, Ticket.subject, Ticket.report_section_id)
        .limit(OPEN_SCAN_MAX)
    )
    # Through the connection: 500 plain rows, without the ORM's per-row loading machinery.
    ticket_id, section_id = ticket.id, ticket.report_section_id
    rows = [row for row in session.connection().execute(candidates) if row.id != ticket_id]
    ranked = ranking.similar(ticket.subject, ((row.id, row.subject) for row in rows), limit)
    same_section = (
        [row.id for row in rows if row.report_section_id == section_id] if section_id else []
    )
    ordered = list(dict.fromkeys([*same_section, *ranked]))[:limit]
    if not ordered:
        return []
    shown = sa.select(Ticket.id, Ticket.reference, Ticket.subject).where(Ticket.id.in_(ordered))
    by_id = {row.id: SimilarTicket(*row) for row in session.connection().execute(shown)}
    return [by_id[n] for n in ordered]


def _matching(session: SessionLike, ticket: Ticket, limit: int) -> list[MatchingAnswer]:
    found = similar_published(session, question_text(ticket), ticket.report_section_id, limit)
    return [MatchingAnswer(publication.id, publication.title) for publication in found]


def open_cluster(session: SessionLike, user: User, section_id: int | None) -> list[Ticket]:
    """Open tickets the user may see about one report section (or about none), oldest first."""
    query = _open_in_scope(user)
    if section_id is None:
        query = query.where(Ticket.report_section_id.is_(None))
    else:
        query = query.where(Ticket.report_section_id == section_id)
    return list(reversed(session.scalars(query.limit(CLUSTER_MAX)).all()))


def tickets_for_cluster(session: SessionLike, user: User, ids: list[int]) -> list[Ticket]:
    """The chosen tickets among those the user may see and that are open."""
    if not ids:
        return []
    query = _open_in_scope(user).where(Ticket.id.in_(ids[:CLUSTER_MAX]))
    return list(session.scalars(query))
