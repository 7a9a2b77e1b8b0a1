"""What happened, for audit, notifications and webhooks.

Every verb records an audit event (enquiry.audit) in its transaction. The audit actions that
are public events (enquiry.rules.webhooks.AUDIT_ACTIONS: opened, replied, transferred, closed,
rated, overdue) also become webhook deliveries: an audit hook (enquiry.audit.hooks),
registered at start-up, adds one delivery row per enabled endpoint subscribed to the event, in
the event's transaction, so a change that is rolled back leaves no delivery and a committed one
always has its deliveries.

The payload names the ticket (reference, kind, status, department) and nothing about the
citizen: no name, e-mail address, phone number or message text. A receiver that needs more asks
the API with a token of its own.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from enquiry.audit import hooks
from enquiry.domain import reference_cache
from enquiry.models import (
    AuditEvent,
    Department,
    SessionLike,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
)
from enquiry.models.rows import insert_now
from enquiry.rules.webhooks import AUDIT_ACTIONS, PING


def payload(
    event_id: str, event_type: str, occurred_at: datetime, ticket: dict[str, Any] | None
) -> str:
    """Return the JSON body sent for an event (the bytes the signature covers)."""
    body = {
        "id": event_id,
        "type": event_type,
        "occurred_at": occurred_at.isoformat(),
        "ticket": ticket,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def ticket_fields(
    session: SessionLike, ticket: Ticket, change: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What a receiver learns of a ticket: no personal data.

    `change` is the audit event's detail: a verb records the event before it moves the ticket,
    so a `[before, after]` pair there (department, status) says where the ticket is going.
    """
    department = session.get(Department, ticket.department_id)
    fields = {
        "reference": ticket.reference,
        "kind": ticket.kind.value,
        "status": ticket.status.value,
        "department": department.code if department is not None else None,
    }
    for name in ("department", "status"):
        pair = (change or {}).get(name)
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str):
            fields[name] = pair[1]
    return fields


def enabled_endpoints(session: SessionLike) -> tuple[tuple[int, frozenset[str]], ...]:
    """Return each enabled endpoint's id and events (kept per process: reference_cache)."""
    rows = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.is_enabled.is_(True)))
    return tuple((endpoint.id, frozenset(endpoint.events)) for endpoint in rows)


def queue(
    session: SessionLike,
    event_type: str,
    *,
    now: datetime,
    ticket: Ticket | None = None,
    change: dict[str, Any] | None = None,
) -> list[WebhookDelivery]:
    """Write one delivery per enabled endpoint subscribed to the event, each with one INSERT."""
    subscribed = reference_cache.cached(session, "webhook_endpoints", enabled_endpoints)
    endpoint_ids = [endpoint_id for endpoint_id, events in subscribed if event_type in events]
    if not endpoint_ids:
        return []
    fields = ticket_fields(session, ticket, change) if ticket is not None else None
    event_id = str(uuid.uuid4())
    body = payload(event_id, event_type, now, fields)
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=event_type,
            payload=body,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint_id in endpoint_ids
    ]
    insert_now(session, *deliveries)
    return deliveries


def queue_ping(
    session: SessionLike, endpoint: WebhookEndpoint, *, now: datetime
) -> WebhookDelivery:
    """Queue a test event for one endpoint, enabled or not; flush."""
    event_id = str(uuid.uuid4())
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=PING,
        payload=payload(event_id, PING, now, None),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def queue_for(session: SessionLike, audit_event: AuditEvent) -> None:
    """An audit hook: turn a public audit event into webhook deliveries, written now."""
    public = AUDIT_ACTIONS.get(audit_event.action)
    if public is None or audit_event.ticket_id is None:
        return
    with session.no_autoflush:
        ticket = session.get(Ticket, audit_event.ticket_id)
        if ticket is not None:
            when, change = audit_event.created_at, audit_event.detail
            queue(session, public, now=when, ticket=ticket, change=change)


def listen() -> None:
    """Queue webhook deliveries for every public audit event recorded (once)."""
    hooks.register(queue_for)
