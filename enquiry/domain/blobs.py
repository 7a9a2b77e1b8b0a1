"""Content-addressed file storage in the database."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from enquiry.models import Blob, SessionLike


def store_blob(session: SessionLike, data: bytes, now: datetime) -> str:
    """Store data once under its SHA-256 and return the digest; concurrent writers are safe."""
    digest = hashlib.sha256(data).hexdigest()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Blob)
        .values(sha256=digest, size=len(data), data=data, created_at=now)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return digest
