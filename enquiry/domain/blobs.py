"""Content-addressed file storage in the database."""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from enquiry.models import Blob, SessionLike


def store_blob(session: SessionLike, data: bytes, now: datetime) -> str:
    """Store data once under its SHA-256 and return the digest; concurrent writers are safe."""
    digest = hashlib.sha256(data).hexdigest()
    connection = session.connection()
    connection.execute(
        _insert(connection.dialect.name),
        {"sha256": digest, "size": len(data), "data": data, "created_at": now},
    )
    return digest


@functools.cache  # built once per dialect: every attachment and every received mail runs it
def _insert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, Blob.__table__)
    names = ("sha256", "size", "data", "created_at")
    values = {name: bindparam(name, type_=table.c[name].type) for name in names}
    return insert(table).values(**values).on_conflict_do_nothing(index_elements=["sha256"])
