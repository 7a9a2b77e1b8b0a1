"""Formal letters (告知书) on information applications: made, kept with the ticket, audited.

A letter is rendered in the applicant's language (`enquiry.mail.letters`), stored as a PDF
attachment of a citizen-visible message (so staff and the applicant with the ticket's code can
download it), and recorded in the audit chain with the PDF's SHA-256. The verb that causes
the letter then queues its usual mail with the letter as body text and the PDF attached.
Only information applications get letters, and only when the Policy configures them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from enquiry import audit
from enquiry.audit.content import message_detail
from enquiry.domain.blobs import store_blob
from enquiry.domain.policy import Policy
from enquiry.mail import outbound
from enquiry.mail.letters.compose import Letter, LetterFacts, compose, renumbered
from enquiry.mail.letters.pdf import render_pdf
from enquiry.mail.letters.settings import LetterFontError
from enquiry.models import (
    Attachment,
    Channel,
    Kind,
    LetterJob,
    Message,
    MessageKind,
    OutboundEmail,
    SessionLike,
    Ticket,
    rows,
)
from enquiry.rules import letters as letter_rules
from enquiry.rules.clock import beijing_today, under_2008_regulations

PDF = "application/pdf"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issued:
    """A letter that was made and kept: its text, the stored PDF and the message holding it."""

    letter: Letter
    attachment: Attachment
    message: Message
    sha256: str

    def mail_context(self) -> dict[str, object]:
        """What the mail templates need to carry the letter in their body."""
        return {"letter": self.letter}


def wanted(ticket: Ticket, policy: Policy | None) -> bool:
    """True when this ticket gets formal letters under this policy.

    Without the fonts a letter needs, the office's mail still goes out (without the letter)
    and the error says which package or setting is missing: never a refused application.
    """
    if policy is None or policy.letters is None or ticket.kind is not Kind.INFO_APPLICATION:
        return False
    if under_2008_regulations(ticket.kind, ticket.received_on):
        return False  # imported history: the letters cite the 2019 text, not the 2008 one
    try:
        policy.letters.fonts()
    except LetterFontError as error:
        logger.error("No formal letter for %s: %s", ticket.reference, error)
        return False
    return True


def _facts(ticket: Ticket, kind: str, now: datetime, **details: object) -> LetterFacts:
    request = (ticket.info_description or "").strip() or ticket.subject
    return LetterFacts(
        kind=kind,
        reference=ticket.reference,
        citizen_name=ticket.citizen_name,
        received_on=ticket.received_on,
        request=request,
        issued_on=beijing_today(now),
        **details,  # type: ignore[arg-type]
    )


def issue(
    session: SessionLike,
    ticket: Ticket,
    kind: str,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    message: Message | None = None,
    **details: Any,
) -> Issued:
    """Make the letter, keep its PDF with `message` (or a new reply), audit it; return it."""
    letter = compose_letter(ticket, kind, policy, now, details)
    if message is None:
        message = _letter_message(ticket, letter, actor, now)
        session.add(message)
    return attach_pdf(
        session, ticket, kind, letter, message, actor=actor, now=now, outcome=details.get("outcome")
    )


def compose_letter(
    ticket: Ticket, kind: str, policy: Policy, now: datetime, details: dict[str, Any]
) -> Letter:
    """The letter `kind` on the ticket as of `now`, in the applicant's language (no PDF yet)."""
    assert policy.letters is not None  # callers check wanted() first
    return compose(_facts(ticket, kind, now, **details), policy.letters, ticket.locale)


def _letter_message(ticket: Ticket, letter: Letter, actor: audit.Actor, now: datetime) -> Message:
    return Message(
        ticket=ticket,
        kind=MessageKind.REPLY,
        channel=Channel.WEB,
        body=letter.text,
        created_at=now,
        author=actor.user,
    )


def attach_pdf(
    session: SessionLike,
    ticket: Ticket,
    kind: str,
    letter: Letter,
    message: Message,
    *,
    actor: audit.Actor,
    now: datetime,
    outcome: str | None,
) -> Issued:
    """Render the letter as PDF, keep it with `message` and record it in the audit chain."""
    data = render_pdf(letter)
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(
        blob_sha256=store_blob(session, data, now),
        filename=f"{ticket.reference}-{kind}.pdf",
        content_type=PDF,
        size=len(data),
    )
    message.attachments.append(attachment)
    session.flush()
    audit.record(
        session,
        action="letter.issued",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "letter": kind,
            "outcome": outcome,
            "locale": ticket.locale,
            "adverse": letter.is_adverse,
            "attachment": attachment.id,
            "pdf_sha256": digest,
            **message_detail(session, message),
        },
    )
    return Issued(letter=letter, attachment=attachment, message=message, sha256=digest)


def draft(
    ticket: Ticket, kind: str, *, policy: Policy, actor: audit.Actor, now: datetime, **details: Any
) -> tuple[Letter, Message]:
    """The letter and the reply that will carry it, not yet in any session: a new ticket's
    acknowledgement is inserted with the ticket (enquiry.domain.tickets.open_ticket)."""
    letter = compose_letter(ticket, kind, policy, now, details)
    return letter, _letter_message(ticket, letter, actor, now)


def numbered(
    drafted: tuple[Letter, Message], stand_in: str, reference: str
) -> tuple[Letter, Message]:
    """A draft made before its ticket had a reference (`stand_in` in its place), now naming it."""
    letter, message = drafted
    letter = renumbered(letter, stand_in, reference)
    message.body = letter.text
    return letter, message


def leave_pdf(
    session: SessionLike,
    message: Message,
    email: OutboundEmail,
    kind: str,
    *,
    actor: audit.Actor,
    now: datetime,
    details: dict[str, Any],
) -> LetterJob:
    """The worker's job: render the letter's PDF onto its message, then let the mail go."""
    session.flush()  # the message, unless it is written already: the job holds its id
    job = LetterJob(
        ticket_id=message.ticket_id,
        message_id=message.id,
        outbound_email_id=email.id,
        kind=kind,
        details={key: _plain(value) for key, value in details.items() if value is not None},
        actor_label=actor.label,
        actor_id=actor.user.id if actor.user is not None else None,
        created_at=now,
    )
    rows.insert_now(session, job)
    return job


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def outcome_kind(outcome: str) -> str:
    """The letter kind that concludes an application with this outcome."""
    return letter_rules.outcome_letter(outcome)


def queue_mail(
    session: SessionLike,
    ticket: Ticket,
    template: str,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    context: dict[str, Any],
    automatic: bool,
    in_reply_to: str | None,
    letter: str | None,
    later: bool = False,
    drafted: tuple[Letter, Message] | None = None,
    rendered: outbound.Rendered | None = None,
    **details: Any,
) -> Issued | None:
    """Queue the mail `template`; an application's carries the letter `letter` (text and PDF).

    `later`: the PDF is the worker's to render (`letter_jobs`); the mail waits for it.
    `drafted`: that letter's text and message, written already (see `draft`); implies later;
    `rendered`: the mail, rendered already (with `drafted`'s letter in it)."""
    issued = waiting = None
    if letter is not None and wanted(ticket, policy):
        if drafted is None and later:
            drafted = draft(ticket, letter, policy=policy, actor=actor, now=now, **details)
            session.add(drafted[1])
        if drafted is not None:
            text, waiting = drafted
            context = {**context, "letter": text}
        else:
            issued = issue(session, ticket, letter, policy=policy, actor=actor, now=now, **details)
            context = {**context, **issued.mail_context()}
    email = outbound.queue(
        session,
        ticket=ticket,
        template=template,
        identity=policy.mail,
        now=now,
        context=context,
        is_automatic=automatic,
        in_reply_to=in_reply_to,
        attachment_id=issued.attachment.id if issued else None,
        rendered=rendered,
    )
    if waiting is not None and letter is not None:
        leave_pdf(session, waiting, email, letter, actor=actor, now=now, details=details)
    return issued


def notify(
    session: SessionLike,
    ticket: Ticket,
    kind: str,
    *,
    policy: Policy | None,
    actor: audit.Actor,
    now: datetime,
    **details: Any,
) -> Issued | None:
    """Send an application's letter `kind` in a mail of its own; nothing for other tickets."""
    if policy is None or not wanted(ticket, policy):
        return None
    return queue_mail(
        session,
        ticket,
        "letter",
        policy=policy,
        actor=actor,
        now=now,
        context={},
        automatic=False,
        in_reply_to=outbound.latest_message_id(session, ticket),
        letter=kind,
        **details,
    )
