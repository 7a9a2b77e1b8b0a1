"""Record the export of a ticket's evidence bundle in the audit chain."""

from __future__ import annotations

from datetime import datetime

from enquiry import audit
from enquiry.models import AuditEvent, SessionLike, Ticket

EXPORT_ACTION = "ticket.evidence_exported"


def record_export(
    session: SessionLike,
    ticket: Ticket,
    *,
    manifest_sha256: str,
    files: int,
    ticket_events_sha256: str,
    ticket_events: int,
    actor: audit.Actor,
    now: datetime,
) -> AuditEvent:
    """Append the export event, which signs the bundle's manifest and the ticket's events."""
    return audit.record(
        session,
        action=EXPORT_ACTION,
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "manifest_sha256": manifest_sha256,
            "files": files,
            "ticket_events_sha256": ticket_events_sha256,
            "ticket_events": ticket_events,
        },
    )
