"""Letters by post: a paper application whose applicant gave no e-mail address.

Mail to such a ticket is kept in the outbox, never sent (`outbound.NO_ADDRESS`). Staff print
each one (the formal letter's PDF, or the mail's text) and post it to the applicant's postal
address, then record the date it was posted: the record is an audit event naming the outbox
row, the letter and its SHA-256, and a system event in the thread (the ticket's history, which
the clock's record and the evidence bundle read). Verbs flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain.steps import thread_event
from enquiry.mail import outbound
from enquiry.models import Attachment, AuditEvent, OutboundEmail, OutboxStatus, SessionLike, Ticket
from enquiry.rules.clock import beijing_today

POSTED = "letter.posted"
NOT_TO_POST = "this mail is not waiting to be posted"
ALREADY_POSTED = "this mail was already recorded as posted"
IN_FUTURE = "the date posted cannot be after today"
BEFORE_WRITTEN = "the date posted cannot be before the mail was written"


class PostingError(ValueError):
    """The posting cannot be recorded as entered; the message says why."""


@dataclass(frozen=True)
class ToPost:
    """One mail of the ticket that goes by post, and the date it was posted (None: not yet)."""

    mail: OutboundEmail
    posted_on: date | None


def by_post(ticket: Ticket) -> bool:
    """True when the ticket's mail goes by post: there is no e-mail address to send it to."""
    return not outbound.has_address(ticket)


def _unsent(session: SessionLike, ticket: Ticket) -> list[OutboundEmail]:
    query = sa.select(OutboundEmail).where(
        OutboundEmail.ticket_id == ticket.id,
        OutboundEmail.status == OutboxStatus.SUPPRESSED,
        OutboundEmail.last_error == outbound.NO_ADDRESS,
    )
    return list(session.scalars(query.order_by(OutboundEmail.id)))


def _posted_dates(session: SessionLike, ticket: Ticket) -> dict[int, date]:
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket.id, AuditEvent.action == POSTED)
    )
    return {
        int(event.detail["outbound_id"]): date.fromisoformat(event.detail["posted_on"])
        for event in events
    }


def to_post(session: SessionLike, ticket: Ticket) -> list[ToPost]:
    """The ticket's mail that goes by post, oldest first, each with its date posted if any."""
    posted = _posted_dates(session, ticket)
    return [ToPost(mail, posted.get(mail.id)) for mail in _unsent(session, ticket)]


def refusal(mail: OutboundEmail, posted_on: date, today: date, already: bool) -> str | None:
    """Why this posting cannot be recorded, or None."""
    if mail.status is not OutboxStatus.SUPPRESSED or mail.last_error != outbound.NO_ADDRESS:
        return NOT_TO_POST
    if already:
        return ALREADY_POSTED
    if posted_on > today:
        return IN_FUTURE
    if posted_on < beijing_today(mail.created_at):
        return BEFORE_WRITTEN
    return None


def record_posted(
    session: SessionLike,
    ticket: Ticket,
    mail: OutboundEmail,
    posted_on: date,
    *,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Record that the mail (and its letter) was posted to the applicant on `posted_on`."""
    already = mail.id in _posted_dates(session, ticket)
    problem = refusal(mail, posted_on, beijing_today(now), already)
    if mail.ticket_id != ticket.id:
        problem = NOT_TO_POST
    if problem is not None:
        raise PostingError(problem)
    letter = session.get(Attachment, mail.attachment_id) if mail.attachment_id else None
    audit.record(
        session,
        action=POSTED,
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "outbound_id": mail.id,
            "template": mail.template,
            "attachment": mail.attachment_id,
            "pdf_sha256": letter.blob_sha256 if letter else None,
            "posted_on": posted_on.isoformat(),
            "address": ticket.citizen_address,
        },
    )
    text = f"“{mail.subject}”已打印并邮寄给申请人（邮寄日期 {posted_on.isoformat()}）"
    thread_event(session, ticket, text, actor, now)
    ticket.updated_at = now
    session.flush()
