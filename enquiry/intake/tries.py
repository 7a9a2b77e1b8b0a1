"""Tries at taking a message in, and the messages whose every try stops the process.

Each try is counted, and the count committed, before it starts: by the worker
(enquiry.intake.waiting), or with the stored row by a process that takes in what it received
itself (ingest: the SMTP server, the IMAP poller). A message whose tries never finish (it
crashes the process, or exhausts its memory) would be taken up again at every pass, ahead of
everything behind it: after MAX_ATTEMPTS it is set aside, quarantined unread.

An MTA delivers such a message again when its delivery got no answer: the copy is not read in
the receiving process while an earlier copy of the same bytes is unfinished or set aside; it is
left for the worker, which sets it aside with its twin (or takes it in, once the twin was).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Integer, String, Table, bindparam, or_, select, update

from enquiry.intake.rawstore import DETAIL_MAX
from enquiry.models import InboundEmail, InboundOutcome, SessionLike

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
STOPPED_PREFIX = "stopped: "  # the detail of a message set aside
TWIN_PREFIX = "left for the worker: "  # the detail of a copy whose twin did not finish

_INBOUND = cast(Table, InboundEmail.__table__)
_C = _INBOUND.c
_STILL_PENDING = (_C.id == bindparam("inbound_id", type_=Integer)) & (
    _C.outcome == InboundOutcome.PENDING
)
_COUNT = (
    update(_INBOUND)
    .where(_STILL_PENDING)
    .values(attempts=_C.attempts + 1)
    .returning(_C.attempts, _C.detail, _C.raw_sha256)
)
_UNCOUNT = update(_INBOUND).where(_STILL_PENDING).values(attempts=_C.attempts - 1)
_UNFINISHED_TWIN = (
    select(_C.id, _C.outcome)
    .where(
        _C.raw_sha256 == bindparam("sha256", type_=String),
        _C.id < bindparam("inbound_id", type_=Integer),
        _C.attempts > 0,
        or_(
            (_C.outcome == InboundOutcome.PENDING)
            & (_C.received_at < bindparam("before", type_=_C.received_at.type)),
            (_C.outcome == InboundOutcome.QUARANTINED) & _C.detail.startswith(STOPPED_PREFIX),
        ),
    )
    .order_by(_C.id)
    .limit(1)
)
# A twin received this recently and still pending may be being taken in by another process
# right now (one message delivered by two routes at once): the dedupe key settles that race.
# A delivery that got no answer is retried by MTAs after minutes (Postfix: 5 at the least).
IN_PROGRESS_FOR = timedelta(minutes=1)


@dataclass(frozen=True)
class Counted:
    """A try counted: how many so far, this one included, and what the row said."""

    attempts: int
    detail: str | None
    raw_sha256: str


def count(session: SessionLike, inbound_id: int) -> Counted | None:
    """Count a try before it starts and commit; None if the message is no longer pending."""
    row = session.connection().execute(_COUNT, {"inbound_id": inbound_id}).first()
    session.commit()
    return Counted(row.attempts, row.detail, row.raw_sha256) if row is not None else None


def uncount(session: SessionLike, inbound_id: int) -> None:
    """A try that came back still pending, or was not made, did not stop the process."""
    try:
        session.connection().execute(_UNCOUNT, {"inbound_id": inbound_id})
        session.commit()
    except Exception:  # the database is failing already; the next pass tries again
        session.rollback()
        logger.warning("Could not uncount a try of inbound e-mail #%s", inbound_id, exc_info=True)


def unfinished_twin(
    session: SessionLike, inbound_id: int, sha256: str, *, pending_before: datetime
) -> tuple[int, InboundOutcome] | None:
    """An earlier copy of these bytes that was set aside, or tried and still pending (received
    before `pending_before`)."""
    params = {"sha256": sha256, "inbound_id": inbound_id, "before": pending_before}
    row = session.connection().execute(_UNFINISHED_TWIN, params).first()
    return (row.id, row.outcome) if row is not None else None


def leave_for_worker(session: SessionLike, inbound_id: int, twin_id: int) -> str:
    """Leave a copy unread, untried, for the worker: its twin did not finish. Return the detail."""
    detail = f"{TWIN_PREFIX}an earlier copy of these bytes (#{twin_id}) did not finish"
    session.execute(
        update(InboundEmail)
        .where(InboundEmail.id == inbound_id, InboundEmail.outcome == InboundOutcome.PENDING)
        .values(attempts=0, detail=detail)
    )
    session.commit()
    logger.warning("Inbound e-mail #%s not read here: %s", inbound_id, detail)
    return detail


def set_aside(session: SessionLike, inbound_id: int, why: str, now: datetime) -> str:
    """Quarantine, unread, a message that stops the process taking it in; return the detail."""
    detail = f"{STOPPED_PREFIX}{why} It is not parsed again until re-processed."[:DETAIL_MAX]
    session.execute(
        update(InboundEmail)
        .where(InboundEmail.id == inbound_id, InboundEmail.outcome == InboundOutcome.PENDING)
        .values(outcome=InboundOutcome.QUARANTINED, detail=detail, processed_at=now)
    )
    session.commit()
    logger.error("Quarantined inbound e-mail #%s unread: %s", inbound_id, detail)
    return detail
