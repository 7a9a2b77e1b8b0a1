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
from typing import Any

import sqlalchemy as sa

from enquiry import audit
from enquiry.audit import keys as audit_keys
from enquiry.models import AuditEvent, SessionLike, Ticket
from enquiry.rules.anonymisation import ANONYMISED, scrub_known

logger = logging.getLogger(__name__)

# Detail keys whose value is text a person wrote (or a mail carried): replaced outright.
FREE_TEXT_KEYS = frozenset({"note", "reason", "error", "sender", "comment", "text"})
# Reasons the application itself writes: no personal data, kept as the record of the work.
FIXED_REASONS = frozenset({"dissatisfied", "calendar override"})
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
