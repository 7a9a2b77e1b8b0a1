"""Remove the personal data of one ticket, or purge one stored mail; audit what was removed.

The ticket row stays with its dates, kind, department, section, outcome, status and ratings, so
figures and annual tables never change. Audit events keep their hashes; the ticket's events lose
the citizen's IP address and free text (enquiry/domain/retention/events.py). The
`ticket.anonymised` event records counts (never values) and the hashes of the content and the
events as it left them, which is what lets `flask audit verify` accept them
(enquiry/audit/content.py). Text kept for publication lives in the publication's own columns
and is not touched here; a publication that stores its redacted copy on the ticket must add
that column to KEPT_FOR_PUBLICATION.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from enquiry import audit
from enquiry.audit.content import ANONYMISED_ACTION, message_content, outbound_sha256
from enquiry.domain.blobs import store_blob
from enquiry.domain.retention.events import redact_events
from enquiry.models import (
    Attachment,
    Blob,
    Consultation,
    ImapClaim,
    InboundEmail,
    LegalHold,
    LetterJob,
    Message,
    MessageKind,
    OutboundEmail,
    PendingConfirmation,
    PersonalDataRequest,
    ReplyDraft,
    SatisfactionRating,
    SessionLike,
    SuggestionAdoption,
    SuppressedAddress,
    Ticket,
)
from enquiry.rules.anonymisation import ANONYMISED, scrub

KEPT_FOR_PUBLICATION: tuple[str, ...] = ()  # ticket columns holding published, redacted text
WRITTEN_BY_CITIZEN_OR_ABOUT_THEM = (MessageKind.CITIZEN, MessageKind.REPLY, MessageKind.NOTE)


def _known(ticket: Ticket) -> list[str | None]:
    return [ticket.citizen_name, ticket.citizen_email, ticket.citizen_phone, ticket.citizen_address]


def _scrubbed(text: str | None, known: list[str | None], removed: Counter[str]) -> str | None:
    if text is None:
        return None
    clean, count = scrub(text, known)
    removed["pieces_scrubbed"] += count
    return clean


def _ticket_fields(ticket: Ticket, known: list[str | None], removed: Counter[str]) -> None:
    removed["contact_fields"] += sum(1 for value in known if value and value != ANONYMISED)
    ticket.citizen_name, ticket.citizen_email, ticket.citizen_phone = ANONYMISED, "", None
    ticket.citizen_address = None
    if "subject" not in KEPT_FOR_PUBLICATION and ticket.subject != ANONYMISED:
        ticket.subject = ANONYMISED
        removed["texts"] += 1
    if ticket.info_description and "info_description" not in KEPT_FOR_PUBLICATION:
        ticket.info_description = ANONYMISED
        removed["texts"] += 1
    ticket.extension_reason = _scrubbed(ticket.extension_reason, known, removed)


def _messages(
    session: SessionLike, ticket: Ticket, known: list[str | None], removed: Counter[str]
) -> set[str]:
    """Replace the text of the thread, delete attachments; return the files' digests."""
    digests: set[str] = set()
    for message in ticket.messages:
        if message.kind in WRITTEN_BY_CITIZEN_OR_ABOUT_THEM:
            if message.body != ANONYMISED:
                message.body = ANONYMISED
                removed["messages"] += 1
        else:
            message.body = _scrubbed(message.body, known, removed) or ""
        message.flag_reason = _scrubbed(message.flag_reason, known, removed)
        for attachment in list(message.attachments):
            digests.add(attachment.blob_sha256)
            session.execute(  # a letter's PDF was sent with a mail: the row stays, the file goes
                sa.update(OutboundEmail)
                .where(OutboundEmail.attachment_id == attachment.id)
                .values(attachment_id=None)
            )
            message.attachments.remove(attachment)
            session.delete(attachment)
            removed["attachments"] += 1
    for rating in session.scalars(
        sa.select(SatisfactionRating).where(SatisfactionRating.ticket_id == ticket.id)
    ):
        if rating.comment:
            rating.comment = None  # the rating stays: it is a figure
            removed["rating_comments"] += 1
    return digests


def _outbound(
    session: SessionLike, ticket: Ticket, known: list[str | None], removed: Counter[str]
) -> list[OutboundEmail]:
    rows = list(
        session.scalars(sa.select(OutboundEmail).where(OutboundEmail.ticket_id == ticket.id))
    )
    for row in rows:
        if row.to_addr or row.body_text != ANONYMISED:
            removed["outgoing_mail"] += 1
        row.to_addr, row.subject, row.body_text, row.body_html = "", ANONYMISED, ANONYMISED, None
        row.last_error = _scrubbed(row.last_error, known, removed)
    return rows


def _raw_mail(
    session: SessionLike, ticket: Ticket, now: datetime, removed: Counter[str]
) -> set[str]:
    """Replace the raw mails of the ticket by the empty blob; return the old digests."""
    linked = sa.select(Message.inbound_email_id).where(
        Message.ticket_id == ticket.id, Message.inbound_email_id.is_not(None)
    )
    rows = session.scalars(
        sa.select(InboundEmail).where(
            sa.or_(InboundEmail.ticket_id == ticket.id, InboundEmail.id.in_(linked))
        )
    )
    empty = store_blob(session, b"", now)
    digests: set[str] = set()
    for row in rows:
        if row.raw_sha256 != empty:
            digests.add(row.raw_sha256)
            removed["raw_mails"] += 1
        row.raw_sha256, row.size, row.from_addr, row.subject, row.detail = (
            empty,
            0,
            None,
            None,
            None,
        )
    return digests


def drop_unused_blobs(session: SessionLike, digests: Iterable[str]) -> int:
    """Delete the blobs no attachment or stored mail refers to any more; return how many."""
    session.flush()
    unused = [
        digest
        for digest in digests
        if session.scalar(sa.select(Attachment.id).where(Attachment.blob_sha256 == digest).limit(1))
        is None
        and session.scalar(
            sa.select(InboundEmail.id).where(InboundEmail.raw_sha256 == digest).limit(1)
        )
        is None
    ]
    if unused:
        session.execute(sa.delete(Blob).where(Blob.sha256.in_(unused)))
    return len(unused)


def _side_tables(session: SessionLike, ticket: Ticket, email: str, removed: Counter[str]) -> None:
    requests = session.scalars(
        sa.select(PersonalDataRequest).where(
            sa.or_(
                PersonalDataRequest.subject_ticket_id == ticket.id,
                PersonalDataRequest.request_ticket_id == ticket.id,
            )
        )
    )
    for request in requests:
        removed["contact_fields"] += sum(
            1 for value in (request.new_name, request.new_email, request.new_phone) if value
        )
        request.new_name = request.new_email = request.new_phone = None
        if request.decision_note:
            request.decision_note = ANONYMISED
    result = session.execute(
        sa.delete(PendingConfirmation).where(PendingConfirmation.ticket_id == ticket.id)
    )
    removed["confirmations"] += int(getattr(result, "rowcount", 0) or 0)
    # A letter left unrendered (its job failed) keeps nothing personal either.
    session.execute(sa.delete(LetterJob).where(LetterJob.ticket_id == ticket.id))
    still_used = session.scalar(
        sa.select(Ticket.id)
        .where(sa.func.lower(Ticket.citizen_email) == email.lower(), Ticket.id != ticket.id)
        .limit(1)
    )
    if email and still_used is None:
        suppressed = session.get(SuppressedAddress, email.lower()) or session.get(
            SuppressedAddress, email
        )
        if suppressed is not None:
            session.delete(suppressed)
            removed["suppressed_addresses"] += 1


# Text the office wrote about the ticket elsewhere: known values and contact shapes scrubbed.
OFFICE_TEXTS: tuple[tuple[type[Any], tuple[str, ...]], ...] = (
    (Consultation, ("party", "question", "answer")),
    (SatisfactionRating, ("follow_up_by", "follow_up_result", "misrated_reason")),
    (SuggestionAdoption, ("reason",)),
    (LegalHold, ("reason",)),
)


def _office_texts(
    session: SessionLike, ticket: Ticket, known: list[str | None], removed: Counter[str]
) -> None:
    for model, columns in OFFICE_TEXTS:
        for row in session.scalars(sa.select(model).where(model.ticket_id == ticket.id)):
            for column in columns:
                text = getattr(row, column)
                length = getattr(model.__table__.c[column].type, "length", None)
                if text:
                    setattr(row, column, (_scrubbed(text, known, removed) or "")[:length])
    result = session.execute(sa.delete(ReplyDraft).where(ReplyDraft.ticket_id == ticket.id))
    removed["drafts"] += int(getattr(result, "rowcount", 0) or 0)


def anonymise_ticket(
    session: SessionLike, ticket: Ticket, *, rule: str, actor: audit.Actor, now: datetime
) -> dict[str, int]:
    """Remove the personal data of a ticket everywhere it is stored; return what was removed."""
    known = _known(ticket)
    email = ticket.citizen_email
    removed: Counter[str] = Counter()
    _ticket_fields(ticket, known, removed)
    digests = _messages(session, ticket, known, removed)
    outbound = _outbound(session, ticket, known, removed)
    digests |= _raw_mail(session, ticket, now, removed)
    _side_tables(session, ticket, email, removed)
    _office_texts(session, ticket, known, removed)
    ticket.anonymised_at = now
    removed["files_deleted"] += drop_unused_blobs(session, digests)
    session.flush()
    events = redact_events(session, ticket, known, removed)
    detail = {
        "rule": rule,
        "removed": dict(sorted(removed.items())),
        "messages": {str(m.id): message_content(session, m) for m in ticket.messages},
        "outbound": {str(row.id): outbound_sha256(row) for row in outbound},
        "events": events,
    }
    audit.record(
        session, action=ANONYMISED_ACTION, actor=actor, now=now, ticket=ticket, detail=detail
    )
    return dict(removed)


def purge_mail(session: SessionLike, rows: list[InboundEmail]) -> int:
    """Delete stored mails that never joined a ticket, and their raw bytes; return the files."""
    ids = [row.id for row in rows]
    digests = {row.raw_sha256 for row in rows}
    if not ids:
        return 0
    session.execute(
        sa.update(ImapClaim)
        .where(ImapClaim.inbound_email_id.in_(ids))
        .values(inbound_email_id=None)
        .execution_options(synchronize_session=False)
    )
    for row in rows:
        session.delete(row)
    return drop_unused_blobs(session, digests)
