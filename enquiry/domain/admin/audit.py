"""The admins' check of the audit record: recompute the chain, and record that it was checked."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from enquiry.audit import Actor, ChainBreak, record, verify_chain
from enquiry.domain.queries.audit import event_count
from enquiry.models import SessionLike

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainCheck:
    """How many events were checked, and where the chain breaks (None: it is intact)."""

    events: int
    broken: ChainBreak | None


def check_chain(session: SessionLike, *, actor: Actor, now: datetime) -> ChainCheck:
    """Recompute the hash of every event; record the check and its result."""
    count = event_count(session)
    broken = verify_chain(session)
    detail: dict[str, Any] = {"events": count, "intact": broken is None}
    if broken is not None:
        detail |= {"broken_at": broken.event_id, "reason": broken.reason}
        logger.error("Audit chain broken at event %d: %s", broken.event_id, broken.reason)
    record(session, action="audit.verified", actor=actor, now=now, detail=detail)
    session.flush()
    return ChainCheck(count, broken)
