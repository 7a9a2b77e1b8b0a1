"""The append-only audit trail: each event carries the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from enquiry.models import AuditEvent, SessionLike, Ticket, User

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any constant works; it serialises writers of the chain on PostgreSQL.
CHAIN_LOCK_KEY = 0x656E7175697279


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a staff user, the citizen, or the system."""

    label: str
    user: User | None = None
    remote_addr: str | None = None

    @classmethod
    def citizen(cls, remote_addr: str | None = None) -> Actor:
        return cls(label="citizen", remote_addr=remote_addr)

    @classmethod
    def system(cls) -> Actor:
        return cls(label="system")

    @classmethod
    def staff(cls, user: User, remote_addr: str | None = None) -> Actor:
        return cls(label=user.email, user=user, remote_addr=remote_addr)


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Hash an event's content together with the previous event's hash."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields of an event that its hash covers."""
    return {
        "ticket_id": event.ticket_id,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "detail": event.detail,
        "remote_addr": event.remote_addr,
        "created_at": event.created_at.isoformat(),
    }


def record(
    session: SessionLike,
    *,
    action: str,
    actor: Actor,
    now: datetime,
    ticket: Ticket | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain (in the caller's transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    previous = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        ticket_id=ticket.id if ticket is not None else None,
        actor_id=actor.user.id if actor.user is not None else None,
        actor_label=actor.label,
        action=action,
        detail=detail or {},
        remote_addr=actor.remote_addr,
        created_at=now,
        prev_hash=previous or GENESIS_HASH,
    )
    event.hash = event_hash(event.prev_hash, hashed_fields(event))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops being provable."""

    event_id: int
    reason: str


def verify_chain(session: SessionLike) -> ChainBreak | None:
    """Walk the whole chain; return the first break, or None when it is intact."""
    expected_prev = GENESIS_HASH
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        if event.prev_hash != expected_prev:
            return ChainBreak(event.id, "previous hash does not match the event before")
        if event_hash(event.prev_hash, hashed_fields(event)) != event.hash:
            return ChainBreak(event.id, "content does not match its hash")
        expected_prev = event.hash
    return None
