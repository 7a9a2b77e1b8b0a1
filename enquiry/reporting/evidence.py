"""A ticket's evidence bundle for 行政复议 or 行政诉讼: one ZIP, verifiable offline.

Layout: manifest.json (SHA-256 of every other file), thread/, mail/in/*.eml (raw, as
received), mail/out/*.eml (as composed for sending) with outbound.json, attachments/, clock/,
remedies.json, README.txt, verify_bundle.py (the verifier, standard library only) and
audit/proof.json. The export itself is an audit event that signs the manifest's hash and the
list of the ticket's event hashes; the proof holds every event from the ticket's first one to
that export (the chain head): the ticket's events in full, other tickets' only as hash links.
`python -m enquiry.audit.verify_bundle bundle.zip --key-file KEY` checks it all.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import sqlalchemy as sa

from enquiry import audit
from enquiry.audit import keys as audit_keys
from enquiry.audit import verify_bundle
from enquiry.domain import evidence
from enquiry.domain.queries.remedies import remedies_of
from enquiry.models import AuditEvent, SessionLike, Ticket
from enquiry.reporting import evidence_files as ef

README = """Evidence bundle for {reference}
Exported {now} by {actor}.

Verify (Python 3.11 or later, no network, nothing else needed):

    python verify_bundle.py {filename} --key-file audit_key

or, where Enquiry is installed:

    python -m enquiry.audit.verify_bundle {filename} --key-file audit_key

The audit events are signed with the office's audit key (HMAC-SHA256), key id(s): {key_ids}.
The office gives the key to whoever must verify (the review body or the court) separately from
the bundle, in person or on paper: a file holding that key (or ENQUIRY_AUDIT_KEY set to it).
Without the key the verifier checks the files and the chain links only and exits with 2.
Compare the chain head below with the heads the office recorded (`flask audit head`, the
supervisors' daily digest): the office's own chain must contain it (`flask audit verify
--against HASH:COUNT`).

The chain head at export is the last link of audit/proof.json.
"""


@dataclass(frozen=True)
class Bundle:
    filename: str
    data: bytes


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_files(session: SessionLike, ticket: Ticket, sender: str) -> dict[str, bytes]:
    """Every file of the bundle that the manifest covers, but the README."""
    events = _ticket_events(session, ticket)
    files = ef.thread_files(ticket)
    files |= ef.attachment_files(ticket)
    files |= ef.inbound_files(session, ticket)
    files |= ef.outbound_files(session, ticket, sender)
    files |= ef.clock_files(ticket, events, remedies_of(session, ticket))
    files["verify_bundle.py"] = (
        resources.files("enquiry.audit").joinpath("verify_bundle.py").read_bytes()
    )
    return files


def _ticket_events(session: SessionLike, ticket: Ticket) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)
    return list(session.scalars(query.order_by(AuditEvent.id)))


def proof(session: SessionLike, ticket: Ticket) -> dict[str, Any]:
    """The chain from the ticket's first event to the head: its events in full, others as links."""
    own = {event.id: event for event in _ticket_events(session, ticket)}
    first = min(own)
    position = session.scalar(sa.select(sa.func.count()).where(AuditEvent.id < first)) or 0
    query = sa.select(AuditEvent.id, AuditEvent.prev_hash, AuditEvent.hash).where(
        AuditEvent.id >= first
    )
    links: list[dict[str, Any]] = []
    for offset, (event_id, prev_hash, digest) in enumerate(
        session.execute(query.order_by(AuditEvent.id))
    ):
        link: dict[str, Any] = {"position": position + 1 + offset, "id": event_id}
        link |= {"prev_hash": prev_hash, "hash": digest}
        if event_id in own:
            link["event"] = audit.hashed_fields(own[event_id])
        links.append(link)
    head, length = audit.read_head(session)
    return {
        "ticket_id": ticket.id,
        "reference": ticket.reference,
        "start": {"position": position + 1, "prev_hash": links[0]["prev_hash"]},
        "head": {"hash": head, "length": length},
        "key_ids": sorted({e.key_id for e in own.values() if e.key_id}),
        "links": links,
    }


def build_bundle(
    session: SessionLike, ticket: Ticket, *, sender: str, actor: audit.Actor, now: datetime
) -> Bundle:
    """Build the ZIP and record its export (in the caller's transaction: commit after)."""
    filename = f"evidence-{ef.safe_name(ticket.reference)}.zip"
    # Hold the chain's head first (PostgreSQL: a row lock until commit), so no event is added
    # between reading the files and events and signing them: the export stays the head.
    audit.read_head(session, lock=True)
    files = content_files(session, ticket, sender)
    before = _ticket_events(session, ticket)
    key_ids = {e.key_id for e in before if e.key_id} | {audit_keys.signing_keyring().current_id}
    files["README.txt"] = README.format(
        reference=ticket.reference, now=now.isoformat(), actor=actor.label, filename=filename,
        key_ids=", ".join(sorted(key_ids)),
    ).encode("utf-8")  # fmt: skip
    manifest = ef.as_json(
        {
            "format": verify_bundle.FORMAT,
            "reference": ticket.reference,
            "exported_at": now.isoformat(),
            "files": {name: _sha(data) for name, data in sorted(files.items())},
        }
    )
    hashes = [event.hash for event in before]
    evidence.record_export(
        session, ticket, manifest_sha256=_sha(manifest), files=len(files),
        ticket_events_sha256=verify_bundle.ticket_events_digest(hashes),
        ticket_events=len(hashes), actor=actor, now=now,
    )  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr(verify_bundle.MANIFEST_PATH, manifest)
        archive.writestr(verify_bundle.PROOF_PATH, ef.as_json(proof(session, ticket)))
    return Bundle(filename, buffer.getvalue())
