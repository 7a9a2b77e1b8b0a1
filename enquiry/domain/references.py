"""The next ticket reference of a year, from the database's counter (formats: rules/references)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from enquiry.models import ReferenceCounter, SessionLike
from enquiry.rules.references import format_reference


def next_reference(session: SessionLike, prefix: str, year: int) -> str:
    """Take the next number for prefix and year; safe under concurrent transactions."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ReferenceCounter.__table__.c
    statement = (
        insert(ReferenceCounter)
        .values(prefix=prefix, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.prefix, table.year],
            set_={"last_number": table.last_number + 1},
        )
        .returning(ReferenceCounter.last_number)
    )
    number = session.execute(statement).scalar_one()
    return format_reference(prefix, year, int(number))
