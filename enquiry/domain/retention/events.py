"""Remove personal data from a ticket's audit events without breaking the chain.

Events keep their hashes and links. What anonymisation removes from them: the citizen's IP
address (`remote_addr` of events no staff member caused), the text staff or mail wrote in
free-text fields of the detail (notes, reasons, errors, senders: they may quote the citizen),
and the citizen's known name, e-mail and phone wherever else they appear. Each event is first
checked against its own hash, so tampering is never laundered; the digest of each redacted
event goes into the `ticket.anonymised` event, signed later in the chain, which is what lets
`flask audit verify` accept it (enquiry.audit.redaction_digest).
"""

from __future__ import annotations

import hmac
import logging
from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from enquiry import audit
from enquiry.audit import keys as audit_keys
from enquiry.audit.content import (
    ANONYMISED_ACTION,
    content_mismatch,
    message_content,
    outbound_sha256,
)
from enquiry.models import AuditEvent, OutboundEmail, SessionLike, Ticket
from enquiry.rules.anonymisation import ANONYMISED, scrub_known

logger = logging.getLogger(__name__)

# Detail keys whose value is text a person wrote (or a mail carried): replaced outright.
FREE_TEXT_KEYS = frozenset({"note", "reason", "error", "sender", "comment", "text"})
# Reasons the application itself writes: no personal data, kept as the record of the work.
FIXED_REASONS = frozenset({"dissatisfied", "calendar override"})
# The rule named by the event that redacts a ticket anonymised before events were redacted.
REDACTION_RULE = "audit_events"
# Digests and hashes: never scrubbed (a phone number's digits may occur inside a digest).
HASH_KEY_PARTS = ("sha256", "hash")


def _clean(value: Any, key: str, known: list[str | None], removed: Counter[str]) -> Any:
    if any(part in key for part in HASH_KEY_PARTS):
        return value
    if isinstance(value, dict):
        return {k: _clean(v, str(k), known, removed) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(item, key, known, removed) for item in value]
    if not isinstance(value, str) or not value or value == ANONYMISED:
        return value
    if key in FREE_TEXT_KEYS and value not in FIXED_REASONS:
        removed["event_texts"] += 1
        return ANONYMISED
    clean, count = scrub_known(value, known)
    removed["pieces_scrubbed"] += count
    return clean


def _intact(keyring: audit_keys.KeyRing, event: AuditEvent) -> bool:
    expected = audit.recomputed_hash(keyring, event)
    return expected is not None and hmac.compare_digest(expected, event.hash)


def redact_events(
    session: SessionLike, ticket: Ticket, known: list[str | None], removed: Counter[str]
) -> dict[str, str]:
    """Remove personal data from the ticket's events; return the redacted events' digests."""
    keyring = audit_keys.signing_keyring()
    vouched: dict[str, str] = {}
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
    )
    for event in events:
        address = event.remote_addr if event.actor_id is None else None
        detail = _clean(event.detail, "", known, removed) if event.detail else event.detail
        if address is None and detail == event.detail:
            continue
        if not _intact(keyring, event):
            # Left as it is: `flask audit verify` reports it; vouching would hide tampering.
            logger.warning("audit event %s does not match its hash: not redacted", event.id)
            removed["events_not_redacted"] += 1
            continue
        event.detail = detail
        if address is not None:
            event.remote_addr = None
            removed["ip_addresses"] += 1
        vouched[str(event.id)] = audit.redaction_digest(event)
        removed["events_redacted"] += 1
    return vouched


def _newest_anonymisation(session: SessionLike, ticket: Ticket) -> dict[str, Any] | None:
    detail = session.scalar(
        sa.select(AuditEvent.detail)
        .where(AuditEvent.ticket_id == ticket.id, AuditEvent.action == ANONYMISED_ACTION)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return detail if isinstance(detail, dict) else None


def needs_redaction(session: SessionLike, ticket: Ticket) -> bool:
    """True for an anonymised ticket whose anonymisation redacted none of its audit events."""
    detail = _newest_anonymisation(session, ticket)
    return ticket.anonymised_at is not None and detail is not None and not detail.get("events")


def redact_anonymised(
    session: SessionLike, ticket: Ticket, *, actor: audit.Actor, now: datetime
) -> dict[str, int] | None:
    """Redact the events of a ticket anonymised earlier; None when its record is not intact.

    Return what was removed ({} when nothing was left to remove).

    A new `ticket.anonymised` event vouches for them and restates the content hashes of the
    earlier one (verification reads the newest); nothing is vouched for unless every event of
    the ticket still matches its hash and the content it signed, so no tampering is hidden.
    """
    keyring = audit_keys.signing_keyring()
    for event in session.scalars(sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)):
        detail = event.detail if isinstance(event.detail, dict) else {}
        if not _intact(keyring, event) or content_mismatch(session, detail) is not None:
            logger.warning("ticket %s: audit event %s is not intact", ticket.id, event.id)
            return None
    removed: Counter[str] = Counter()
    vouched = redact_events(session, ticket, [], removed)
    if not vouched:
        return {}  # nothing personal left in its events
    outbound = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.ticket_id == ticket.id))
    detail = {
        "rule": REDACTION_RULE,
        "removed": dict(sorted(removed.items())),
        "messages": {str(m.id): message_content(session, m) for m in ticket.messages},
        "outbound": {str(row.id): outbound_sha256(row) for row in outbound},
        "events": vouched,
    }
    audit.record(
        session, action=ANONYMISED_ACTION, actor=actor, now=now, ticket=ticket, detail=detail
    )
    return dict(removed)
