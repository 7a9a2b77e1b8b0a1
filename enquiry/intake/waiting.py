"""Messages stored but not taken in yet: what the MTA pipe leaves for `flask worker`.

The pipe (enquiry.intake.pipe) and `flask mail ingest` only store a message; the worker's
intake job takes in every pending message they stored at its next pass, and any message of
another source left pending for over STALLED_AFTER (its process died before taking it in).

Each try is counted, and the count committed, before it starts. A message whose tries never
finish (it crashes the process, or exhausts its memory) would otherwise be taken up again at
every pass, ahead of everything behind it: after MAX_ATTEMPTS it is quarantined unread, for
staff to look at (the mailroom does not parse it either).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Integer, Table, bindparam, select, update

from enquiry.intake.ingest import IngestResult, NotReprocessableError, reprocess
from enquiry.intake.rawstore import DETAIL_MAX
from enquiry.intake.settings import IntakeSettings
from enquiry.models import InboundEmail, InboundOutcome, InboundSource, SessionLike

logger = logging.getLogger(__name__)

STALLED_AFTER = timedelta(minutes=10)
BATCH = 50
MAX_ATTEMPTS = 3
STOPPED_PREFIX = "stopped: "  # the detail of a message set aside after MAX_ATTEMPTS

_INBOUND = cast(Table, InboundEmail.__table__)
_STILL_PENDING = (_INBOUND.c.id == bindparam("inbound_id", type_=Integer)) & (
    _INBOUND.c.outcome == InboundOutcome.PENDING
)
_COUNT_TRY = (
    update(_INBOUND)
    .where(_STILL_PENDING)
    .values(attempts=_INBOUND.c.attempts + 1)
    .returning(_INBOUND.c.attempts)
)
_UNCOUNT_TRY = update(_INBOUND).where(_STILL_PENDING).values(attempts=_INBOUND.c.attempts - 1)


def stalled(now: datetime) -> ColumnElement[bool]:
    """Pending for over STALLED_AFTER: whoever stored it did not take it in."""
    return (InboundEmail.outcome == InboundOutcome.PENDING) & (
        InboundEmail.received_at < now - STALLED_AFTER
    )


def waiting(now: datetime) -> ColumnElement[bool]:
    """Stored by the pipe and not taken in yet, or stalled."""
    stored_by_the_pipe = (InboundEmail.outcome == InboundOutcome.PENDING) & (
        InboundEmail.source == InboundSource.PIPE
    )
    return stored_by_the_pipe | stalled(now)


def take_in_waiting(
    session: SessionLike,
    *,
    clock: Callable[[], datetime],
    settings: Callable[[], IntakeSettings],
    should_stop: Callable[[], bool],
) -> list[IngestResult]:
    """Take in the waiting messages, oldest first, until none is left or asked to stop."""
    results: list[IngestResult] = []
    tried: set[int] = set()  # one try a pass: one left pending (database down) waits for the next
    intake: IntakeSettings | None = None
    while not should_stop():
        query = select(InboundEmail.id).where(waiting(clock())).order_by(InboundEmail.id)
        ids = [i for i in session.scalars(query.limit(BATCH + len(tried))) if i not in tried]
        session.rollback()  # end the read: an idle worker holds no transaction open
        if not ids:
            return results
        intake = intake or settings()
        for inbound_id in ids[:BATCH]:
            tried.add(inbound_id)
            if should_stop():
                break
            tries = _count_try(session, inbound_id)
            if tries is None:
                continue  # another worker took it in meanwhile
            if tries > MAX_ATTEMPTS:
                results.append(_set_aside(session, inbound_id, tries - 1, clock()))
                continue
            try:
                result = reprocess(session, inbound_id, now=clock(), settings=intake)
            except (LookupError, NotReprocessableError):
                continue  # another worker took it in meanwhile
            if result.outcome is InboundOutcome.PENDING:
                _uncount_try(session, inbound_id)  # it finished, with the database failing
            results.append(result)
    return results


def _count_try(session: SessionLike, inbound_id: int) -> int | None:
    """Count a try before it starts and commit; None if the message is no longer pending."""
    tries = session.connection().execute(_COUNT_TRY, {"inbound_id": inbound_id}).scalar()
    session.commit()
    return tries


def _uncount_try(session: SessionLike, inbound_id: int) -> None:
    """A try that came back still pending did not stop the process: it does not count."""
    try:
        session.connection().execute(_UNCOUNT_TRY, {"inbound_id": inbound_id})
        session.commit()
    except Exception:  # the database is failing already; the next pass tries again
        session.rollback()
        logger.warning("Could not uncount a try of inbound e-mail #%s", inbound_id, exc_info=True)


def _set_aside(session: SessionLike, inbound_id: int, tries: int, now: datetime) -> IngestResult:
    """Quarantine, unread, a message whose every try stopped the process taking it in."""
    detail = (
        f"{STOPPED_PREFIX}{tries} tries to take it in did not finish: the process stopped "
        "each time (a crash, or out of memory). It is not parsed again until re-processed."
    )[:DETAIL_MAX]
    session.execute(
        update(InboundEmail)
        .where(InboundEmail.id == inbound_id, InboundEmail.outcome == InboundOutcome.PENDING)
        .values(outcome=InboundOutcome.QUARANTINED, detail=detail, processed_at=now)
    )
    session.commit()
    logger.error("Quarantined inbound e-mail #%s unread: %s", inbound_id, detail)
    return IngestResult(inbound_id, InboundOutcome.QUARANTINED, detail=detail)
