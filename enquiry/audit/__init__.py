"""The append-only audit trail: each event carries a keyed hash over the one before it."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from enquiry.audit import hooks
from enquiry.audit import keys as audit_keys
from enquiry.audit.actor import Actor
from enquiry.audit.content import content_mismatch, vouched_redaction
from enquiry.audit.content import redaction_digest as content_digest
from enquiry.audit.keys import KeyRing
from enquiry.models import AuditChainHead, AuditEvent, SessionLike, Ticket
from enquiry.models.rows import insert_now

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# On SQLite the first try may read a stale head outside the transaction; the second try reads
# it under the write lock, so two attempts suffice. The margin is for safety only.
HEAD_ATTEMPTS = 5
ANCHOR_RE = re.compile(r"([0-9a-fA-F]{64}):([0-9]{1,18})")
CONTENT_CHANGED = "content does not match its hash"


def canonical(fields: dict[str, Any]) -> str:
    """Return the fields as the one JSON text that is hashed."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Hash an unkeyed (legacy) event's content together with the previous event's hash."""
    return hashlib.sha256(f"{prev_hash}\n{canonical(fields)}".encode()).hexdigest()


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields of an event that its hash covers; a keyed event's also name its key."""
    fields = {
        "ticket_id": event.ticket_id,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "detail": event.detail,
        "remote_addr": event.remote_addr,
        "created_at": event.created_at.isoformat(),
    }
    if event.key_id is not None:
        fields["key_id"] = event.key_id
    return fields


def keyed_hash(keyring: KeyRing, event: AuditEvent) -> str:
    """Return the HMAC of a keyed event under the key it names (KeyError if unknown)."""
    assert event.key_id is not None
    return keyring.sign(event.key_id, f"{event.prev_hash}\n{canonical(hashed_fields(event))}")


def recomputed_hash(keyring: KeyRing, event: AuditEvent) -> str | None:
    """Return the hash an event's stored content gives, or None when its key is not at hand."""
    if event.key_id is None:
        return event_hash(event.prev_hash, hashed_fields(event))
    if event.key_id not in keyring.keys:
        return None
    return keyed_hash(keyring, event)


def redaction_digest(event: AuditEvent) -> str:
    """Return the digest of an event as anonymisation left it (see enquiry.audit.content)."""
    return content_digest(event.prev_hash, event.hash, canonical(hashed_fields(event)))


class ChainContentionError(RuntimeError):
    """The chain head kept moving; the transaction should be retried."""


# Built once (Core, on the table): they run under SQLite's write lock on every audited change.
_head = cast(Table, AuditChainHead.__table__)
_HEAD = select(_head.c.hash, _head.c.length).where(_head.c.id == 1)
_HEAD_LOCKED = _HEAD.with_for_update()
_ADVANCE = update(_head).where(_head.c.id == 1, _head.c.hash == bindparam("old_hash"))
_ADVANCE = _ADVANCE.values(hash=bindparam("new_hash"), length=_head.c.length + 1)


def _insert_head(session: SessionLike) -> None:
    """Create the head row from the events present (a database made without the migration)."""
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(AuditChainHead).values(id=1, hash=last or GENESIS_HASH, length=count)
    session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))


def read_head(session: SessionLike, *, lock: bool = False) -> tuple[str, int]:
    """Return the newest event's hash and the chain's length; lock=True locks the row."""
    query = _HEAD_LOCKED if lock else _HEAD  # PostgreSQL: a row lock until commit
    row = session.connection().execute(query).one_or_none()
    if row is None:
        _insert_head(session)
        row = session.connection().execute(query).one()
    return row.hash, row.length


def _advance_head(session: SessionLike, old: str, new: str) -> bool:
    """Compare-and-swap the head; on SQLite the write also takes the database's write lock."""
    result = session.connection().execute(_ADVANCE, {"old_hash": old, "new_hash": new})
    return bool(getattr(result, "rowcount", 0) == 1)


def record(
    session: SessionLike,
    *,
    action: str,
    actor: Actor,
    now: datetime,
    ticket: Ticket | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain (in the caller's transaction), then run the hooks.

    Appends run one at a time: the head row is locked (PostgreSQL) or swapped under SQLite's
    write lock, which this transaction then holds until it commits; a head that moved since it
    was read is read again. UNIQUE(prev_hash) refuses a fork should anything slip past. The
    caller's pending changes are flushed first; the event itself is one Core INSERT.
    """
    session.flush()  # the hooks (enquiry.audit.hooks) read what the caller changed
    keyring = audit_keys.signing_keyring()
    event = AuditEvent(
        ticket_id=ticket.id if ticket is not None else None,
        actor_id=actor.user.id if actor.user is not None else None,
        actor_label=actor.label,
        action=action,
        detail=detail or {},
        remote_addr=actor.remote_addr,
        created_at=now,
        key_id=keyring.current_id,
    )
    for _attempt in range(HEAD_ATTEMPTS):
        event.prev_hash, _length = read_head(session, lock=True)
        event.hash = keyed_hash(keyring, event)
        if _advance_head(session, event.prev_hash, event.hash):
            break
    else:
        raise ChainContentionError("the audit chain head kept moving")
    insert_now(session, event, keep=False)  # nothing reads it again through the session
    hooks.run(session, event)
    return event


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops being provable."""

    event_id: int
    reason: str


@dataclass(frozen=True)
class Anchor:
    """A head recorded elsewhere (the supervisors' digest): the count-th event had this hash."""

    hash: str
    count: int

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """Read `<hash>:<count>`; ValueError when it is not that."""
        match = ANCHOR_RE.fullmatch(text.strip())
        if match is None or int(match.group(2)) < 1:
            raise ValueError(f"not an anchor (<64 hex digits>:<count>): {text!r}")
        return cls(hash=match.group(1).lower(), count=int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.hash}:{self.count}"


@dataclass
class ChainWalk:
    """What verification has seen so far."""

    expected_prev: str = GENESIS_HASH
    position: int = 0
    last_id: int = 0
    is_keyed: bool = False
    legacy: int = 0


def _hash_problem(event: AuditEvent, walk: ChainWalk, keyring: KeyRing) -> str | None:
    if event.prev_hash != walk.expected_prev:
        return "previous hash does not match the event before"
    if event.key_id is None:
        if walk.is_keyed:
            return "an unkeyed event after the chain became keyed"
        expected = event_hash(event.prev_hash, hashed_fields(event))
    elif event.key_id not in keyring.keys:
        return f"the key {event.key_id} that signed it is not available"
    else:
        expected = keyed_hash(keyring, event)
    if not hmac.compare_digest(expected, event.hash):
        return CONTENT_CHANGED
    return None


def _relink_problem(event: AuditEvent) -> str | None:
    """An old event the upgrade re-linked must still match the hash it had before."""
    original = event.detail.get("relinked_from")
    if event.key_id is not None or not isinstance(original, dict):
        return None
    fields = hashed_fields(event)
    fields["detail"] = {k: v for k, v in event.detail.items() if k != "relinked_from"}
    if event_hash(str(original.get("prev_hash")), fields) != original.get("hash"):
        return "content does not match the hash it had before the upgrade re-linked it"
    return None


def _event_problem(
    session: SessionLike, event: AuditEvent, walk: ChainWalk, keyring: KeyRing
) -> str | None:
    problem = _hash_problem(event, walk, keyring)
    vouched = vouched_redaction(session, event.ticket_id, event.id) if problem else None
    if problem == CONTENT_CHANGED and vouched == redaction_digest(event):
        problem = None  # personal data removed under the retention policy, vouched for later
    elif problem is None and isinstance(event.detail, dict):
        problem = _relink_problem(event)
    if problem is None and isinstance(event.detail, dict):
        problem = content_mismatch(session, event.detail)
    return problem


def _tail_problem(session: SessionLike, walk: ChainWalk, anchors: Sequence[Anchor]) -> str | None:
    for anchor in anchors:
        if anchor.count > walk.position:
            return f"the anchor {anchor} is past the end: only {walk.position} events remain"
    head = session.execute(
        select(AuditChainHead.hash, AuditChainHead.length).where(AuditChainHead.id == 1)
    ).one_or_none()
    if head is not None and (head.hash, head.length) != (walk.expected_prev, walk.position):
        return f"the chain head says {head.length} events, but {walk.position} are present"
    return None


def verify_chain(
    session: SessionLike, keyring: KeyRing | None = None, anchors: Sequence[Anchor] = ()
) -> ChainBreak | None:
    """Walk the whole chain; return the first break, or None when it is intact.

    Each anchor must name an event of the chain at its position: a chain cut short, or
    rewritten, since the anchor was recorded fails.
    """
    return walk_chain(session, keyring, anchors)[0]


def walk_chain(
    session: SessionLike, keyring: KeyRing | None = None, anchors: Sequence[Anchor] = ()
) -> tuple[ChainBreak | None, ChainWalk]:
    """Verify the chain; return the first break (or None) and what was walked."""
    if keyring is None:
        keyring = audit_keys.load_keyring(current_app._get_current_object())  # type: ignore[attr-defined]
    at = {anchor.count: anchor for anchor in anchors}
    walk = ChainWalk()
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        walk.position += 1
        problem = _event_problem(session, event, walk, keyring)
        anchor = at.get(walk.position)
        if problem is None and anchor is not None and anchor.hash != event.hash:
            problem = f"the anchor {anchor} does not match: the chain was rewritten"
        if problem is not None:
            return ChainBreak(event.id, problem), walk
        walk.is_keyed = walk.is_keyed or event.key_id is not None
        walk.legacy += event.key_id is None
        walk.expected_prev, walk.last_id = event.hash, event.id
    problem = _tail_problem(session, walk, anchors)
    return (ChainBreak(walk.last_id, problem) if problem else None), walk
