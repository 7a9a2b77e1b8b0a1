"""The next ticket reference of a year, from the database's counter (formats: rules/references)."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from enquiry.models import ReferenceCounter, SessionLike
from enquiry.rules.references import format_reference


def next_reference(session: SessionLike, prefix: str, year: int) -> str:
    """Take the next number for prefix and year; safe under concurrent transactions."""
    statement = _take_number(session.get_bind().dialect.name)
    parameters = {"prefix": prefix, "year": year}
    number = session.connection().execute(statement, parameters).scalar_one()
    return format_reference(prefix, year, int(number))


@functools.cache  # built once per dialect: it is the first write of every submission
def _take_number(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, ReferenceCounter.__table__)
    return (
        insert(table)
        .values(prefix=bindparam("prefix"), year=bindparam("year"), last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.year],
            set_={"last_number": table.c.last_number + 1},
        )
        .returning(table.c.last_number)
    )
