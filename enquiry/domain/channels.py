"""Enquiries taken by other systems (the 12345 hotline, the city's portal) through the API."""

from __future__ import annotations

import logging
from datetime import datetime

from enquiry import audit
from enquiry.domain.policy import Policy
from enquiry.domain.tickets import NewEnquiry, Opened, open_ticket
from enquiry.models import SessionLike

logger = logging.getLogger(__name__)


def open_from_channel(
    session: SessionLike,
    enquiry: NewEnquiry,
    *,
    source: str,
    token_id: int,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
) -> Opened:
    """Open a ticket for a citizen on behalf of another system, and record which one."""
    opened = open_ticket(session, enquiry, policy=policy, actor=actor, now=now)
    audit.record(
        session,
        action="ticket.taken_by_api",
        actor=actor,
        now=now,
        ticket=opened.ticket,
        detail={"source": source, "api_token": token_id},
    )
    return opened
