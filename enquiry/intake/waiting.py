"""Messages stored but not taken in yet: what the MTA pipe leaves for `flask worker`.

The pipe (enquiry.intake.pipe) and `flask mail ingest` only store a message; the worker's
intake job takes in every pending message they stored at its next pass, and any message of
another source left pending for over STALLED_AFTER (its process died before taking it in).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from enquiry.intake.ingest import IngestResult, NotReprocessableError, reprocess
from enquiry.intake.settings import IntakeSettings
from enquiry.models import InboundEmail, InboundOutcome, InboundSource, SessionLike

STALLED_AFTER = timedelta(minutes=10)
BATCH = 50


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
            try:
                results.append(reprocess(session, inbound_id, now=clock(), settings=intake))
            except (LookupError, NotReprocessableError):
                continue  # another worker took it in meanwhile
    return results
