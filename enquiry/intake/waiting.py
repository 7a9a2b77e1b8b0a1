"""Messages stored but not taken in yet: what the MTA pipe leaves for `flask worker`.

The pipe (enquiry.intake.pipe) and `flask mail ingest` only store a message; the worker's
intake job takes in every pending message they stored at its next pass, and any message of
another source left pending for over STALLED_AFTER (its process died before taking it in).

Each try is counted before it starts, and a message whose tries stop the process is set aside
(enquiry.intake.tries).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from enquiry.intake import tries
from enquiry.intake.ingest import IngestResult, NotReprocessableError, reprocess
from enquiry.intake.settings import IntakeSettings
from enquiry.models import InboundEmail, InboundOutcome, InboundSource, SessionLike

STALLED_AFTER = timedelta(minutes=10)
BATCH = 50
_LATER = "later"  # a copy whose twin is taken up first


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
            counted = tries.count(session, inbound_id)
            if counted is None:
                continue  # another worker took it in meanwhile
            aside = _why_not_read(session, inbound_id, counted, clock())
            if aside == _LATER:
                tries.uncount(session, inbound_id)  # its twin is taken up first
                continue
            if aside is not None:
                detail = tries.set_aside(session, inbound_id, aside, clock())
                results.append(IngestResult(inbound_id, InboundOutcome.QUARANTINED, detail=detail))
                continue
            try:
                result = reprocess(session, inbound_id, now=clock(), settings=intake)
            except (LookupError, NotReprocessableError):
                continue  # another worker took it in meanwhile
            if result.outcome is InboundOutcome.PENDING:
                tries.uncount(session, inbound_id)  # it finished, with the database failing
            results.append(result)
    return results


def _why_not_read(
    session: SessionLike, inbound_id: int, counted: tries.Counted, now: datetime
) -> str | None:
    """Why the message is set aside unread, _LATER if its twin comes first, or None: read it."""
    if counted.attempts > tries.MAX_ATTEMPTS:
        return (
            f"{counted.attempts - 1} tries to take it in did not finish: the process stopped "
            "each time (a crash, or out of memory)."
        )
    if not (counted.detail or "").startswith(tries.TWIN_PREFIX):
        return None
    twin = tries.unfinished_twin(session, inbound_id, counted.raw_sha256, pending_before=now)
    if twin is None:
        return None  # the twin was taken in after all (re-processed by staff): so is this
    twin_id, outcome = twin
    if outcome is InboundOutcome.PENDING:
        return _LATER
    return f"the same bytes as #{twin_id}, which was set aside: taking it in stopped the process."
