"""Search documents kept in step with tickets: one space-joined token string per ticket.

Every flush that adds or changes a ticket's reference, subject, citizen name or description, or
adds, edits, moves or deletes a message, rewrites that ticket's document in the same
transaction (`refresh_flushed_tickets`, a session event that enquiry.search.index installs).
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction

from enquiry.models import Message, MessageKind, SearchDocument, Ticket, utcnow
from enquiry.search import tokenizer

logger = logging.getLogger(__name__)

INDEXED_KINDS = (MessageKind.CITIZEN, MessageKind.REPLY, MessageKind.NOTE)
TICKET_FIELDS = ("reference", "subject", "citizen_name", "info_description")
MESSAGE_FIELDS = ("body", "kind", "ticket_id", "ticket")


def refresh(connection: sa.Connection, ticket_ids: Collection[int]) -> int:
    """Rewrite the search documents of these tickets from the database; return how many."""
    if not ticket_ids:
        return 0
    tickets = Ticket.__table__.c
    messages = Message.__table__.c
    bodies: dict[int, list[str]] = defaultdict(list)
    for ticket_id, body in connection.execute(
        sa.select(messages.ticket_id, messages.body)
        .where(messages.ticket_id.in_(ticket_ids), messages.kind.in_(INDEXED_KINDS))
        .order_by(messages.id)
    ):
        bodies[ticket_id].append(body)
    rows = [
        _row(row, bodies[row.id])
        for row in connection.execute(
            sa.select(
                tickets.id,
                tickets.reference,
                tickets.subject,
                tickets.citizen_name,
                tickets.info_description,
            ).where(tickets.id.in_(ticket_ids))
        )
    ]
    return _write(connection, rows)


def write_new(connection: sa.Connection, ticket: Ticket, messages: list[Message]) -> None:
    """Write the document of a ticket inserted without a flush (with its messages, as objects)."""
    _write(connection, [_row(ticket, _indexed_bodies(messages))])


def _row(ticket: Any, bodies: list[str]) -> dict[str, Any]:
    """The search document row of a ticket (a row or a Ticket) with its indexed bodies."""
    return {
        "ticket_id": ticket.id,
        "document": tokenizer.document_for(
            ticket.reference,
            ticket.subject,
            ticket.citizen_name,
            [ticket.info_description or "", *bodies],
        ),
        "updated_at": utcnow(),
    }


def _write(connection: sa.Connection, rows: list[dict[str, Any]]) -> int:
    if rows:
        connection.execute(_upsert(connection.dialect.name), rows)
    logger.debug("Search documents refreshed for %d tickets", len(rows))
    return len(rows)


@functools.cache  # statements are immutable; building this one took a tenth of a refresh
def _upsert(dialect: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SearchDocument)
    return statement.on_conflict_do_update(
        index_elements=["ticket_id"],
        set_={
            "document": statement.excluded.document,
            "updated_at": statement.excluded.updated_at,
        },
        # An unchanged document is left alone: no new row version, no index churn.
        where=SearchDocument.document != statement.excluded.document,
    )


def drop_documents_of_deleted_tickets(
    session: Session, flush_context: UOWTransaction, instances: Iterable[Any] | None
) -> None:
    """Delete a deleted ticket's document first: it holds a foreign key to the ticket."""
    ticket_ids = [obj.id for obj in session.deleted if isinstance(obj, Ticket) and obj.id]
    if ticket_ids:
        session.connection().execute(
            sa.delete(SearchDocument).where(SearchDocument.ticket_id.in_(ticket_ids))
        )


def refresh_flushed_tickets(session: Session, flush_context: UOWTransaction) -> None:
    """Rewrite the documents of the tickets whose searchable text this flush changed."""
    new, deleted = session.new, session.deleted
    ticket_ids: set[int | None] = set()
    # A ticket inserted by this flush has no text in the database but what this flush wrote:
    # its document is made from the objects themselves (no re-reading), unless a message
    # was moved onto it from another ticket.
    fresh: dict[int, list[Message]] = {}
    for obj in (*new, *session.dirty, *deleted):
        if isinstance(obj, Ticket):
            if obj in new:
                fresh.setdefault(obj.id, [])
            if obj not in deleted and (obj in new or _changed(obj, TICKET_FIELDS)):
                ticket_ids.add(obj.id)
        elif isinstance(obj, Message) and (
            obj in new or obj in deleted or _changed(obj, MESSAGE_FIELDS)
        ):
            ticket_ids.update(_message_ticket_ids(obj))
    moved_onto = set()
    for obj in (*new, *session.dirty):
        if isinstance(obj, Message) and obj.ticket_id in fresh:
            if obj in new:
                fresh[obj.ticket_id].append(obj)
            else:
                moved_onto.add(obj.ticket_id)
    for ticket_id in moved_onto:
        del fresh[ticket_id]
    known = {ticket_id for ticket_id in ticket_ids if ticket_id is not None}
    if not known:
        return
    connection = session.connection()
    in_memory = [
        _row(ticket, _indexed_bodies(fresh[ticket.id]))
        for ticket in new
        if isinstance(ticket, Ticket) and ticket.id in fresh and ticket.id in known
    ]
    _write(connection, in_memory)
    refresh(connection, known - {row["ticket_id"] for row in in_memory})


def _indexed_bodies(messages: list[Message]) -> list[str]:
    """The bodies the index holds of these messages, oldest first (as `refresh` reads them)."""
    return [m.body for m in sorted(messages, key=lambda m: m.id) if m.kind in INDEXED_KINDS]


def _changed(obj: Any, fields: Iterable[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _message_ticket_ids(message: Message) -> set[int | None]:
    """The message's ticket, and the one it was moved from, if any."""
    state = sa.inspect(message)
    ids: set[int | None] = {message.ticket_id, *state.attrs.ticket_id.history.deleted}
    ids.update(ticket.id for ticket in state.attrs.ticket.history.deleted if ticket is not None)
    return ids
