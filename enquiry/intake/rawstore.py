"""Store one received message with the database driver alone: the MTA pipe's fast path.

The same rows as enquiry.intake.ingest.store (the raw bytes as a content-addressed blob and an
InboundEmail row, committed together), written with `sqlite3` or `psycopg` and plain SQL:
importing SQLAlchemy, the models and Flask cost the pipe about 0.6 s of CPU per message, more
than everything else it does. Taking the message in (parse, classify, act) is the worker's job
(enquiry.intake.waiting). Only the standard library is imported here; psycopg when used.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO, TextIO

logger = logging.getLogger(__name__)

EX_DATAERR = 65  # sysexits.h: the MTA bounces the message (it is too large)
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again later
MAX_INBOUND_BYTES = 25 * 1024 * 1024
DETAIL_MAX = 4000
REJECTED_PREFIX = "rejected: "  # detail of a message whose content was not taken in
# The values of InboundSource and InboundOutcome (enquiry.models.mail); a unit test ties them.
SOURCES = ("imap", "pipe", "smtp", "upload")
PENDING, QUARANTINED = "pending", "quarantined"

# Store(raw, rejection) -> the InboundEmail id; raises StoreError.
Store = Callable[[bytes, str | None], int]

_BLOB = (
    "INSERT INTO blobs (sha256, size, data, created_at) VALUES ({p}, {p}, {p}, {p})"
    " ON CONFLICT (sha256) DO NOTHING"
)
_INBOUND = (
    "INSERT INTO inbound_emails"
    " (raw_sha256, size, source, outcome, detail, received_at, processed_at)"
    " VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}) RETURNING id"
)


class StoreError(RuntimeError):
    """The raw message could not be stored; the sender should try again later."""


class UnsupportedDatabaseError(ValueError):
    """A database URI this path does not handle (the pipe then stores through the app)."""


@dataclass(frozen=True)
class Database:
    """Where to store: SQLite file or PostgreSQL, as the app's configuration names it."""

    dialect: str  # "sqlite" or "postgresql"
    target: str  # the SQLite file, or a libpq connection URI
    busy_timeout: float = 15.0
    connect_args: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Database:
        """Read SQLALCHEMY_DATABASE_URI (and its connect_args) as the app would use them."""
        uri = str(config["SQLALCHEMY_DATABASE_URI"])
        scheme, _, rest = uri.partition("://")
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        if scheme in {"sqlite", "sqlite+pysqlite"} and rest.startswith("/") and "?" not in rest:
            path = rest[1:]
            if path and path != ":memory:":
                # Flask-SQLAlchemy reads a relative path from the instance folder
                folder = str(config.get("INSTANCE_PATH") or ".")
                path = os.path.join(folder, path) if not os.path.isabs(path) else path
                timeout = float(config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 15))
                return cls("sqlite", path, timeout, connect_args)
        if scheme in {"postgresql", "postgresql+psycopg"}:
            return cls("postgresql", "postgresql://" + rest, connect_args=connect_args)
        raise UnsupportedDatabaseError(f"not a database URI the fast path knows: {scheme}://")

    def connect(self) -> Any:
        """Open a DB-API connection with the app's settings (SQLite: WAL, a busy timeout)."""
        if self.dialect == "postgresql":
            import psycopg

            return psycopg.connect(self.target, **self.connect_args)
        args = {"timeout": self.busy_timeout, **self.connect_args, "isolation_level": None}
        connection = sqlite3.connect(self.target, **args)
        for pragma in (
            f"busy_timeout={int(self.busy_timeout * 1000):d}",
            "foreign_keys=ON",
            "journal_mode=WAL",
            "synchronous=FULL",  # durable before the MTA is told so (the app runs NORMAL)
        ):
            connection.execute(f"PRAGMA {pragma}")
        return connection


def store_raw(
    database: Database,
    raw: bytes,
    *,
    source: str,
    now: datetime,
    rejection: str | None = None,
    connection: Any = None,
) -> int:
    """Keep the bytes and an InboundEmail row, committed; return the row's id.

    With a rejection the row is stored already quarantined, as ingest.store does: the bytes
    are only a note about a message that was not taken in. Without a connection (from
    database.connect()) it opens one and closes it.
    """
    try:
        own = connection is None
        connection = database.connect() if own else connection
    except Exception as error:
        raise _failed(raw, error) from error
    try:
        inbound_id = _insert(connection, database.dialect, raw, source, now, rejection)
        connection.commit()
    except Exception as error:
        _rollback(connection)
        raise _failed(raw, error) from error
    finally:
        if own:
            connection.close()
    return inbound_id


def _insert(
    connection: Any, dialect: str, raw: bytes, source: str, now: datetime, rejection: str | None
) -> int:
    placeholder = "%s" if dialect == "postgresql" else "?"
    # SQLite holds datetimes as text, written as SQLAlchemy writes them (UTC, no offset).
    stamp: Any = now.astimezone(UTC)
    if dialect == "sqlite":
        stamp = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.execute("BEGIN IMMEDIATE")  # the write lock now, waiting the busy timeout
    digest = hashlib.sha256(raw).hexdigest()
    cursor = connection.cursor()
    cursor.execute(_BLOB.format(p=placeholder), (digest, len(raw), raw, stamp))
    detail = (REJECTED_PREFIX + rejection)[:DETAIL_MAX] if rejection else None
    outcome = QUARANTINED if rejection else PENDING
    processed = stamp if rejection else None
    values = (digest, len(raw), source, outcome, detail, stamp, processed)
    cursor.execute(_INBOUND.format(p=placeholder), values)
    (inbound_id,) = cursor.fetchone()
    cursor.close()
    return int(inbound_id)


def _failed(raw: bytes, error: Exception) -> StoreError:
    logger.error("Could not store an inbound message of %d bytes: %s", len(raw), error)
    return StoreError(f"could not store the message: {type(error).__name__}: {error}")


def _rollback(connection: Any) -> None:
    try:
        connection.rollback()
    except Exception:  # the connection is gone; closing it is all that is left
        logger.warning("Rollback failed", exc_info=True)


def header_block(raw: bytes) -> bytes:
    """The message's header, kept as a note when the message itself is refused."""
    end = re.search(rb"\r?\n\r?\n", raw)
    return raw[: end.end()] if end else raw[:65536]


def receive(stdin: BinaryIO, out: TextIO, err: TextIO, *, limit: int, store: Store) -> int:
    """Read one message and store it; return the exit status for the MTA (sysexits.h)."""
    try:
        raw = stdin.read(limit + 1)
        if len(raw) > limit:
            why = f"over the limit of {limit} bytes; only the headers were kept"
            inbound_id = store(header_block(raw), why)
            print(f"#{inbound_id} rejected: message {why}", file=err)
            return EX_DATAERR
        inbound_id = store(raw, None)
    except StoreError as error:
        print(f"not stored, try again later: {error}", file=err)
        return EX_TEMPFAIL
    print(f"#{inbound_id} stored; the worker takes it in", file=out)
    return 0
