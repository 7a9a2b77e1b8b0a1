"""Rows written now, each with one Core statement, and kept in the session as if flushed.

The unit of work's flush costs several times the statement it runs, and on SQLite a submission
holds the database's write lock through all of it. `insert_now` writes transient objects built
as usual: every column as set, a many-to-one object's key, and the column defaults the
constructor left out (set on the object too). The objects then join the session as persistent,
with nothing pending, so the rest of the transaction uses them as before; or, with keep=False,
stay out of it (an audit event, an outbox row: nothing reads them again in the transaction).
Flush listeners do not see them: callers write what a listener would have (the search
document, for a ticket).
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from enquiry.models.base import SessionLike


def insert_now(session: SessionLike, *instances: Any, keep: bool = True) -> None:
    """INSERT each transient object, in order (a later one may refer to an earlier one).

    keep=False: the objects stay out of the session (detached, every column as written), for
    rows nothing in the transaction reads again through it: adding an object walks its
    relationships' cascades, a tenth of a millisecond under SQLite's write lock.
    """
    connection = session.connection()
    for instance in instances:
        mapper = sa.inspect(instance).mapper
        row = connection.execute(_statement(mapper.class_), _values(instance)).one()
        for column, value in zip(mapper.primary_key, row, strict=True):
            setattr(instance, mapper.get_property_by_column(column).key, value)
    for instance in instances:
        make_transient_to_detached(instance)
    for instance in instances if keep else ():
        session.add(instance)  # persistent; a no-op for one its parent's cascade added already


def update_now(session: SessionLike, instance: Any, **values: Any) -> None:
    """UPDATE columns of a persistent object with one Core statement, and set them on the
    object as if loaded: nothing is left for a flush (columns only; onupdate is not applied)."""
    state = sa.inspect(instance)
    columns = {
        state.mapper.get_property(name).columns[0].key: value for name, value in values.items()
    }
    (key,) = state.identity
    session.connection().execute(_update_statement(state.mapper.class_), {**columns, "pk_": key})
    for name, value in values.items():
        set_committed_value(instance, name, value)


@functools.cache  # built once per model; the SET clause follows the parameters given
def _update_statement(model: type[Any]) -> sa.Update:
    mapper = sa.inspect(model)
    (primary_key,) = mapper.primary_key
    return sa.update(mapper.local_table).where(primary_key == sa.bindparam("pk_"))


@functools.cache  # built once per model
def _statement(model: type[Any]) -> sa.Insert:
    mapper = sa.inspect(model)
    return sa.insert(mapper.local_table).returning(*mapper.primary_key)


def _values(instance: Any) -> dict[str, Any]:
    """Every column's value: as set, from a many-to-one object set, else its default (set too)."""
    mapper = sa.inspect(instance).mapper
    state = instance.__dict__
    for relationship in mapper.relationships:
        related = state.get(relationship.key)
        if relationship.direction is sa.orm.MANYTOONE and related is not None:
            for local, remote in relationship.local_remote_pairs:
                key = mapper.get_property_by_column(local).key
                setattr(instance, key, getattr(related, remote.key))
    values = {}
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        if attribute.key not in state and not column.primary_key:
            # Straight into the instance's dict: the object is about to be marked as loaded,
            # so the attribute's change history that setattr would record is thrown away.
            state[attribute.key] = _default(column)
        if attribute.key in state:
            values[column.key] = state[attribute.key]
    return values


def _default(column: sa.Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
