"""The confirmation page shows a new enquiry's retrieval code once, and keeps it nowhere readable.

The browser's session (a signed but readable cookie) holds only a random token. The database
holds the code encrypted with a key derived from that token (an HMAC-SHA256 key stream, used
once), so neither the cookie nor the database (or its backups) alone reveals it. Showing the
page deletes the row: a reload, the back button or a copy of the cookie shows nothing more.
Rows never shown are dropped after `SHOW_WITHIN`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from enquiry.models import Kind, PendingConfirmation, SessionLike, Ticket

SHOW_WITHIN = timedelta(hours=1)


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page shows."""

    reference: str
    code: str
    is_application: bool = False  # an application for government information, not a message


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def key_stream(token: str, length: int) -> bytes:
    """Return `length` bytes derived from the token (HMAC-SHA256 in counter mode)."""
    blocks = (
        hmac.new(token.encode(), b"confirmation:%d" % n, hashlib.sha256).digest()
        for n in range(length // 32 + 1)
    )
    return b"".join(blocks)[:length]


def xor(data: bytes, key: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, key, strict=True))


def keep(session: SessionLike, ticket: Ticket, code: str, *, now: datetime) -> str:
    """Keep a new ticket's code for one showing; return the token for the browser's session.

    The row is written with one Core INSERT, not by a flush of whatever else is pending.
    """
    token = secrets.token_urlsafe(32)
    data = code.encode()
    sealed = xor(data, key_stream(token, len(data))).hex()
    row = {
        "token_hash": token_hash(token),
        "ticket_id": ticket.id,
        "sealed_code": sealed,
        "created_at": now,
    }
    session.connection().execute(_KEEP, row)
    return token


_KEEP = sa.insert(PendingConfirmation)


def take(session: SessionLike, token: str, *, now: datetime) -> Confirmation | None:
    """Return the reference and code kept under the token, once; None when gone or too old.

    Those never shown in time are swept out here, not in `keep`: a submission holds SQLite's
    write lock while it keeps its row, and this page's transaction writes anyway.
    """
    session.execute(
        sa.delete(PendingConfirmation).where(PendingConfirmation.created_at < now - SHOW_WITHIN)
    )
    # DELETE ... RETURNING: of two requests with the same token, only one gets the row.
    taken = session.execute(
        sa.delete(PendingConfirmation)
        .where(PendingConfirmation.token_hash == token_hash(token))
        .returning(
            PendingConfirmation.ticket_id,
            PendingConfirmation.sealed_code,
            PendingConfirmation.created_at,
        )
    ).first()
    if taken is None or taken.created_at < now - SHOW_WITHIN:
        return None
    sealed = bytes.fromhex(taken.sealed_code)
    ticket = session.execute(
        sa.select(Ticket.reference, Ticket.kind).where(Ticket.id == taken.ticket_id)
    ).first()
    if ticket is None:
        return None
    code = xor(sealed, key_stream(token, len(sealed))).decode()
    return Confirmation(
        reference=ticket.reference, code=code, is_application=ticket.kind == Kind.INFO_APPLICATION
    )
