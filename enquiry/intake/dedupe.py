"""Tell a second delivery of one message from a different message that reuses its Message-ID.

A message is a duplicate when an earlier one had the same Message-ID and the same content
(sender, date, subject, text and attachments), or, without a Message-ID, the very same bytes.
Some clients reuse Message-IDs: a different message with a known Message-ID is taken in on its
own, and staff are told of the collision. The key of every message taken in successfully is
claimed on its InboundEmail row (unique), so twins racing each other cannot both be taken in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Select,
    String,
    Table,
    bindparam,
    case,
    func,
    literal,
    null,
    select,
    union_all,
)

from enquiry.domain.thread import add_message
from enquiry.mail.parse.inbound import ParsedMail
from enquiry.models import InboundEmail, InboundOutcome, MessageKind, SessionLike, Ticket
from enquiry.models.rows import update_now

SUCCEEDED = frozenset(
    {
        InboundOutcome.CREATED,
        InboundOutcome.APPENDED,
        InboundOutcome.AUTO_REPLY,
        InboundOutcome.BOUNCE,
    }
)

TAKEN_IN = frozenset({InboundOutcome.CREATED, InboundOutcome.APPENDED})
COLLISION_NOTE = "Message-ID collision: a different message was taken in under it before, as"


@dataclass(frozen=True)
class Earlier:
    """The earlier message a duplicate repeats."""

    label: str  # "#12", the inbound e-mail
    ticket: Ticket | None


def dedupe_key(inbound: InboundEmail, mail: ParsedMail) -> str:
    """Return the key two deliveries of one message share (hex SHA-256)."""
    digest = hashlib.sha256()
    if not inbound.message_id:
        digest.update(b"raw\0" + inbound.raw_sha256.encode("ascii"))
        return digest.hexdigest()
    date = mail.date.isoformat() if mail.date else ""
    for value in (inbound.message_id, mail.from_addr or "", date, mail.subject, mail.text):
        digest.update(value.encode("utf-8", "surrogatepass") + b"\0")
    for attachment in mail.attachments:
        digest.update(hashlib.sha256(attachment.data).digest())
    return digest.hexdigest()


def earlier(session: SessionLike, inbound_id: int | None) -> Earlier:
    """Return the earlier message (by id) a duplicate repeats, with its ticket."""
    row = session.get(InboundEmail, inbound_id)
    ticket_id = row.ticket_id if row is not None else None
    ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
    return Earlier(f"#{inbound_id}", ticket)


@dataclass(frozen=True)
class Twins:
    """What the earlier messages sharing this one's Message-ID (or bytes) make of it."""

    duplicate: int | None  # the earlier message this one repeats
    collision: int | None  # an earlier, different message taken in under the same Message-ID


def _twins_query(*, by_message_id: bool) -> Select[Any]:
    """The look-up below, built once: each side of the union by its own index (an OR of the
    two would read every row)."""
    table = cast(Table, InboundEmail.__table__).c
    key, me = bindparam("key", type_=String), bindparam("me", type_=Integer)
    related = table.message_id if by_message_id else table.raw_sha256
    columns = (table.id, table.dedupe_key, table.outcome, table.from_addr, table.subject)
    rows = union_all(
        select(*columns, literal(0).label("related")).where(
            table.dedupe_key == key, table.id != me
        ),
        select(*columns, literal(1).label("related")).where(
            related == bindparam("related"), table.id != me
        ),
    ).subquery()
    succeeded = (rows.c.related == 1) & rows.c.outcome.in_(sorted(SUCCEEDED))
    legacy = succeeded & rows.c.dedupe_key.is_(None)
    if by_message_id:
        legacy &= rows.c.from_addr.is_not_distinct_from(bindparam("from_addr", type_=String))
        legacy &= rows.c.subject.is_not_distinct_from(bindparam("subject", type_=String))
    return select(
        func.min(case((rows.c.dedupe_key == key, rows.c.id))),
        func.min(case((legacy, rows.c.id))),
        func.min(case((succeeded, rows.c.id))) if by_message_id else null(),
    )


_BY_MESSAGE_ID = _twins_query(by_message_id=True)
_BY_BYTES = _twins_query(by_message_id=False)


def look_up(session: SessionLike, inbound: InboundEmail, key: str) -> Twins:
    """Find, in one query, the earlier message this one repeats (same key; or, taken in before
    keys were kept, the same Message-ID, sender and subject, or the same bytes) and an earlier,
    different one taken in under its Message-ID (on the session's connection: no flush)."""
    params = {"key": key, "me": inbound.id}
    if inbound.message_id:
        query = _BY_MESSAGE_ID
        params |= {
            "related": inbound.message_id,
            "from_addr": inbound.from_addr,
            "subject": inbound.subject,
        }
    else:
        query, params["related"] = _BY_BYTES, inbound.raw_sha256
    same_key, legacy_twin, collided = session.connection().execute(query, params).one()
    return Twins(duplicate=same_key or legacy_twin, collision=collided)


def duplicate_of(session: SessionLike, inbound: InboundEmail, key: str) -> Earlier | None:
    """Return the earlier message this one repeats, if any."""
    earlier_id = look_up(session, inbound, key).duplicate
    return earlier(session, earlier_id) if earlier_id is not None else None


def claim(session: SessionLike, inbound: InboundEmail, key: str) -> None:
    """Take the key for this message now: a twin being taken in at once fails here, early."""
    update_now(session, inbound, dedupe_key=key)


def note_collision(session: SessionLike, ticket: Ticket, earlier_id: int, now: datetime) -> None:
    """Tell staff on the ticket that the message shares its Message-ID with another."""
    text = (
        f"此邮件的 Message-ID 与先前收到的另一封邮件（#{earlier_id}）相同（Message-ID collision），"
        "内容不同，已作为单独的邮件处理。"
    )
    add_message(session, ticket, MessageKind.EVENT, text, (), None, now)
