"""One way in for every received message: store the raw bytes first, then act on them.

Phase one stores the bytes (a content-addressed blob) and an InboundEmail row, and commits:
from then on nothing is lost, whatever follows. Phase two parses, classifies and acts in a
second transaction: a duplicate, a bounce of our own mail, automatic mail, a reply to a ticket
or a new ticket. Any error there is rolled back and the message is quarantined, with the
error, for staff to see and re-process; it is never raised to the source.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Integer, String, Table, bindparam, select, update

from enquiry.domain.blobs import store_blob
from enquiry.intake import actions, decide, dedupe, tries
from enquiry.intake.rawstore import DETAIL_MAX, REJECTED_PREFIX, StoreError
from enquiry.intake.settings import IntakeSettings
from enquiry.mail.parse.inbound import ParsedMail, parse
from enquiry.models import Blob, InboundEmail, InboundOutcome, InboundSource, SessionLike
from enquiry.models.rows import update_now

logger = logging.getLogger(__name__)

__all__ = [
    "DETAIL_MAX",
    "REJECTED_PREFIX",
    "IngestResult",
    "NotReprocessableError",
    "StoreError",
    "ingest",
    "reprocess",
    "store",
]

REPROCESSABLE = frozenset({InboundOutcome.PENDING, InboundOutcome.QUARANTINED})

# Built once: phase two runs for every message, and building a statement costs more than
# running it.
_INBOUND = cast(Table, InboundEmail.__table__)
_TAKE_WRITE_LOCK = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("inbound_id", type_=Integer))
    .values(outcome=_INBOUND.c.outcome)
)
_INBOUND_LOCKED = (
    select(InboundEmail)
    .where(InboundEmail.id == bindparam("inbound_id", type_=Integer))
    .with_for_update()
)
_BLOBS = cast(Table, Blob.__table__)
_RAW = select(_BLOBS.c.data).where(_BLOBS.c.sha256 == bindparam("sha256", type_=String))

Hook = Callable[[SessionLike], None]
StoredHook = Callable[[SessionLike, InboundEmail], None]


class NotReprocessableError(ValueError):
    """The message was already dealt with, or only a note about it was stored."""


@dataclass(frozen=True)
class IngestResult:
    """What became of one received message."""

    inbound_email_id: int
    outcome: InboundOutcome
    ticket_id: int | None = None
    reference: str | None = None
    detail: str | None = None

    def summary(self) -> str:
        """One line for logs and the command line."""
        where = f" {self.reference}" if self.reference else ""
        why = f" ({self.detail.splitlines()[0][:200]})" if self.detail else ""
        return f"#{self.inbound_email_id} {self.outcome.value}{where}{why}"


def ingest(
    session: SessionLike,
    raw: bytes,
    *,
    source: InboundSource,
    now: datetime,
    settings: IntakeSettings,
    on_stored: StoredHook | None = None,
    before_commit: Hook | None = None,
) -> IngestResult:
    """Store a received message, then act on it; raise StoreError only if storing failed."""
    # Taken in right here: this try is counted with the row (enquiry.intake.tries), so that a
    # message that stops this process has had one try when the worker finds it stalled; a copy
    # of one that did is not read here at all.
    inbound_id = store(session, raw, source=source, now=now, on_stored=on_stored, tries=1)
    digest, before = hashlib.sha256(raw).hexdigest(), now - tries.IN_PROGRESS_FOR
    twin = tries.unfinished_twin(session, inbound_id, digest, pending_before=before)
    if twin is not None:
        detail = tries.leave_for_worker(session, inbound_id, twin[0])
        return IngestResult(inbound_id, InboundOutcome.PENDING, detail=detail)
    return _process(session, inbound_id, now=now, settings=settings, before_commit=before_commit)


def store(
    session: SessionLike,
    raw: bytes,
    *,
    source: InboundSource,
    now: datetime,
    on_stored: StoredHook | None = None,
    rejection: str | None = None,
    tries: int = 0,
) -> int:
    """Phase one: keep the bytes and an InboundEmail row, and commit; return the row's id.

    With a rejection, the row is stored already quarantined: the bytes are only a note about
    a message that was not taken in (for example its headers, when it was too large).
    """
    try:
        inbound = InboundEmail(
            raw_sha256=store_blob(session, raw, now),
            size=len(raw),
            source=source,
            outcome=InboundOutcome.QUARANTINED if rejection else InboundOutcome.PENDING,
            detail=(REJECTED_PREFIX + rejection)[:DETAIL_MAX] if rejection else None,
            received_at=now,
            processed_at=now if rejection else None,
            attempts=tries,
        )
        session.add(inbound)
        session.flush()
        inbound_id = inbound.id
        if on_stored is not None:
            on_stored(session, inbound)
        session.commit()
    except Exception as error:
        _rollback(session)
        logger.error("Could not store an inbound message of %d bytes: %s", len(raw), error)
        raise StoreError(f"could not store the message: {type(error).__name__}: {error}") from error
    return inbound_id


def reprocess(
    session: SessionLike,
    inbound_email_id: int,
    *,
    now: datetime,
    settings: IntakeSettings,
    before_commit: Hook | None = None,
) -> IngestResult:
    """Run phase two again for a pending or quarantined message."""
    return _process(
        session, inbound_email_id, now=now, settings=settings, before_commit=before_commit
    )


def _lock(session: SessionLike, inbound_id: int) -> InboundEmail:
    if session.get_bind().dialect.name == "sqlite":
        # No row locks in SQLite: take the database's write lock first (a no-op update), so that
        # a second worker taking in the same message waits, then reads it as taken in.
        session.connection().execute(_TAKE_WRITE_LOCK, {"inbound_id": inbound_id})
    inbound = session.scalars(_INBOUND_LOCKED, {"inbound_id": inbound_id}).one_or_none()
    if inbound is None:
        raise LookupError(f"no inbound e-mail #{inbound_id}")
    if inbound.outcome not in REPROCESSABLE or (inbound.detail or "").startswith(REJECTED_PREFIX):
        raise NotReprocessableError(
            f"inbound e-mail #{inbound_id} is {inbound.outcome.value}; it cannot be re-processed"
        )
    return inbound


def _process(
    session: SessionLike,
    inbound_id: int,
    *,
    now: datetime,
    settings: IntakeSettings,
    before_commit: Hook | None,
) -> IngestResult:
    """Phase two: parse, classify and act in one transaction; quarantine on any error."""
    mail: ParsedMail | None = None
    try:
        inbound = _lock(session, inbound_id)
        raw = session.connection().execute(_RAW, {"sha256": inbound.raw_sha256}).scalar() or b""
        mail = parse(raw)
        # The row is written with Core UPDATEs as phase two goes: a flush costs several times as
        # much, and this runs for every message.
        update_now(session, inbound, **_description(mail))
        context = decide.Context(session, inbound, mail, raw, now, settings)
        decision = decide.decide(context)
        update_now(
            session,
            inbound,
            outcome=decision.outcome,
            ticket_id=decision.ticket_id,
            detail=_detail([decision.detail, *context.notes]),
            processed_at=now,
        )
        result = _result(inbound, decision.reference)  # read now: the commit expires the rows
        if before_commit is not None:
            before_commit(session)
        session.commit()
        return result
    except (LookupError, NotReprocessableError):
        _rollback(session)
        raise
    except Exception as error:
        _rollback(session)
        if isinstance(error, actions.IntakeError):
            logger.warning("Quarantined inbound e-mail #%s: %s", inbound_id, error)
        else:
            logger.exception("Quarantined inbound e-mail #%s", inbound_id)
        return _quarantine(session, inbound_id, mail, error, now)


def _description(mail: ParsedMail) -> dict[str, str | None]:
    """What staff search and sort by, from the parsed message, for the row."""
    return {
        "message_id": mail.message_id if mail.message_id and len(mail.message_id) <= 998 else None,
        "from_addr": mail.from_addr[:254] if mail.from_addr else None,
        "subject": mail.subject[:300] if mail.subject else None,
    }


def _detail(parts: list[str | None]) -> str | None:
    text = "\n".join(part for part in parts if part)
    return text[:DETAIL_MAX] or None


def _result(inbound: InboundEmail, reference: str | None) -> IngestResult:
    return IngestResult(
        inbound_email_id=inbound.id,
        outcome=inbound.outcome,
        ticket_id=inbound.ticket_id,
        reference=reference,
        detail=inbound.detail,
    )


def _quarantine(
    session: SessionLike,
    inbound_id: int,
    mail: ParsedMail | None,
    error: Exception,
    now: datetime,
) -> IngestResult:
    """Record the failure in a fresh transaction (a duplicate if a twin won a race)."""
    text = f"{type(error).__name__}: {error}"
    try:
        inbound = session.get(InboundEmail, inbound_id, with_for_update=True)
        if inbound is None:
            raise LookupError(f"no inbound e-mail #{inbound_id}")
        if inbound.outcome not in REPROCESSABLE:  # another process finished it meanwhile
            session.rollback()
            return _result(inbound, None)
        if mail is not None:
            update_now(session, inbound, **_description(mail))
        # A twin that succeeded meanwhile (a unique violation, a busy database) makes this a
        # duplicate, whatever the error was.
        earlier = (
            dedupe.duplicate_of(session, inbound, dedupe.dedupe_key(inbound, mail))
            if mail is not None and not mail.is_parse_failure
            else None
        )
        if earlier is not None:
            inbound.outcome = InboundOutcome.DUPLICATE
            inbound.detail = f"same as {earlier.label} (after {type(error).__name__})"
            inbound.ticket_id = earlier.ticket.id if earlier.ticket else None
        else:
            inbound.outcome, inbound.detail = InboundOutcome.QUARANTINED, text[:DETAIL_MAX]
        inbound.processed_at = now
        session.commit()
        return _result(inbound, None)
    except Exception:
        _rollback(session)
        logger.exception("Could not record the quarantine of inbound e-mail #%s", inbound_id)
        return IngestResult(inbound_id, InboundOutcome.PENDING, detail=text[:DETAIL_MAX])


def _rollback(session: SessionLike) -> None:
    try:
        session.rollback()
    except Exception:  # the connection is gone; the next use of the session reconnects
        logger.warning("Rollback failed", exc_info=True)
