"""A new ticket and its first message written with one INSERT each, then kept in the session.

A submission writes under SQLite's write lock, which it holds until the commit. The unit of
work's flush of a ticket, its message and the search document (and the listeners every flush
runs) took about three times as long as these statements alone. The objects are built as
usual; `insert` writes their columns with Core, and they join the session as persistent, as if
flushed, so what follows (the audit event, the letters, the caller) uses them as before.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached

from enquiry.models import Message, SessionLike, Ticket
from enquiry.search import documents


def insert(session: SessionLike, ticket: Ticket, message: Message) -> None:
    """Write a new (transient) ticket and its first message and search document."""
    connection = session.connection()
    ticket.id = connection.execute(_statement(Ticket), _values(ticket)).scalar_one()
    message.ticket_id = ticket.id
    message.id = connection.execute(_statement(Message), _values(message)).scalar_one()
    make_transient_to_detached(message)
    make_transient_to_detached(ticket)
    session.add(ticket)  # persistent, with its messages; nothing pending
    documents.write_new(connection, ticket, [message])


@functools.cache  # built once per model
def _statement(model: type[Any]) -> sa.Insert:
    table = sa.inspect(model).local_table
    return sa.insert(table).returning(table.c.id)


def _values(instance: Any) -> dict[str, Any]:
    """Every column's value: as set, from a many-to-one object set, else its default (set too)."""
    mapper = sa.inspect(instance).mapper
    state = instance.__dict__
    for relationship in mapper.relationships:
        related = state.get(relationship.key)
        if relationship.direction is sa.orm.MANYTOONE and related is not None:
            for local, remote in relationship.local_remote_pairs:
                setattr(
                    instance, mapper.get_property_by_column(local).key, getattr(related, remote.key)
                )
    values = {}
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        if attribute.key not in state and not column.primary_key:
            default = column.default
            value = (
                None
                if default is None
                else default.arg(None)
                if default.is_callable
                else default.arg
            )
            setattr(instance, attribute.key, value)
        if attribute.key in state:
            values[column.key] = state[attribute.key]
    return values
