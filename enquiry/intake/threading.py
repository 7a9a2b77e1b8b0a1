"""Find the ticket an inbound message answers: signed clues first, then references.

In order: our signed reply address among the recipients (To, Cc, Delivered-To, X-Original-To);
our signed Message-IDs in In-Reply-To or References; an earlier message of the thread that we
received or sent; the reference tag in the subject behind any reply prefix; the body marker;
a reference as people type it, in the subject or the body. Forged signatures are ignored.
References can be guessed: a match on one alone holds only for mail from the ticket's own
citizen (see GUESSABLE). Reading the clues is pure; only resolving them touches the database.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

from sqlalchemy import select

from enquiry.mail.outbound import MailIdentity, verify_message_id, verify_reply_address
from enquiry.mail.parse.folds import repair_header_block
from enquiry.mail.parse.headers import parse_addresses
from enquiry.mail.parse.inbound import ParsedMail
from enquiry.models import Message, OutboundEmail, SessionLike, Status, Ticket
from enquiry.rules.subjects import find_bare_reference, find_reference, find_reference_in_body

# Headers the receiving mail server adds with the address it delivered to.
ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to")
MAX_MERGE_HOPS = 10
_HEADER_END_RE = re.compile(rb"\r?\n\r?\n")


class Via(enum.StrEnum):
    """How a message was matched to its ticket."""

    REPLY_ADDRESS = "reply_address"  # our signed per-ticket address
    MESSAGE_ID = "message_id"  # our signed Message-ID in In-Reply-To/References
    EARLIER_MESSAGE = "earlier_message"  # a Message-ID we received or sent on the ticket
    SUBJECT = "subject"  # the reference tag in the subject
    BODY = "body"  # the [ref:...] marker in the text
    TYPED_REFERENCE = "typed_reference"  # "留言编号：WLMQ-2026-000010" in the subject or text


SIGNED = frozenset({Via.REPLY_ADDRESS, Via.MESSAGE_ID})
# Clues anyone can write: they place a message on a ticket only if its citizen sent it.
GUESSABLE = frozenset({Via.SUBJECT, Via.BODY, Via.TYPED_REFERENCE})


@dataclass(frozen=True)
class Clue:
    """One hint at the ticket: a reference, or the Message-ID of an earlier message."""

    via: Via
    reference: str | None = None
    message_id: str | None = None  # unbracketed, for Via.EARLIER_MESSAGE


@dataclass(frozen=True)
class ThreadMatch:
    """The ticket a message belongs to, and how we know."""

    ticket: Ticket
    via: Via

    @property
    def is_signed(self) -> bool:
        """True when the match rests on our signature, not on a guessable reference."""
        return self.via in SIGNED

    @property
    def is_guessable(self) -> bool:
        """True when the match rests only on a reference that anyone could have typed."""
        return self.via in GUESSABLE


def envelope_recipients(raw: bytes) -> tuple[str, ...]:
    """Return the addresses of the Delivered-To/X-Original-To headers of a raw message."""
    raw = repair_header_block(raw)  # a stray line break must not hide the envelope headers
    end = _HEADER_END_RE.search(raw)
    header_block = raw[: end.end()] if end else raw
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(header_block)
        items = headers.items()
    except Exception:  # a header block the standard library cannot read has no usable clue
        return ()
    found = [
        address
        for name, value in items
        if name.strip().lower() in ENVELOPE_HEADERS
        for _, address in parse_addresses(str(value))
    ]
    return tuple(dict.fromkeys(found))


def _thread_ids(mail: ParsedMail) -> tuple[str, ...]:
    """In-Reply-To first, then References from the newest to the oldest."""
    ids = [mail.in_reply_to] if mail.in_reply_to else []
    return tuple(dict.fromkeys([*ids, *reversed(mail.references)]))


def clues(
    mail: ParsedMail,
    *,
    identity: MailIdentity,
    prefix: str,
    envelope_to: tuple[str, ...] = (),
) -> Iterator[Clue]:
    """Yield the clues of a message, strongest first (pure)."""
    for address in dict.fromkeys((*mail.to_addrs, *mail.cc_addrs, *envelope_to)):
        reference = verify_reply_address(identity, address)
        if reference:
            yield Clue(Via.REPLY_ADDRESS, reference=reference)
    thread_ids = _thread_ids(mail)
    for message_id in thread_ids:
        reference = verify_message_id(identity, f"<{message_id}>")
        if reference:
            yield Clue(Via.MESSAGE_ID, reference=reference)
    for message_id in thread_ids:
        yield Clue(Via.EARLIER_MESSAGE, message_id=message_id)
    subject_reference = find_reference(mail.subject, prefix)
    if subject_reference:
        yield Clue(Via.SUBJECT, reference=subject_reference)
    marker = find_reference_in_body(mail.text, prefix)
    if marker:
        yield Clue(Via.BODY, reference=marker)
    typed = [find_bare_reference(text, prefix) for text in (mail.subject, mail.new_text, mail.text)]
    for reference in dict.fromkeys(typed):
        if reference and reference not in (subject_reference, marker):
            yield Clue(Via.TYPED_REFERENCE, reference=reference)


def _ticket_of_message_id(session: SessionLike, message_id: str) -> Ticket | None:
    """Return the ticket of an earlier message; None when a reused Message-ID makes it unclear."""
    received = session.scalars(
        select(Message.ticket_id).where(Message.email_message_id == message_id).distinct().limit(2)
    ).all()
    if len(received) > 1:
        return None
    ticket_id = (received[0] if received else None) or session.scalar(
        select(OutboundEmail.ticket_id).where(OutboundEmail.message_id == f"<{message_id}>")
    )
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


def resolve(session: SessionLike, clue: Clue) -> Ticket | None:
    """Return the ticket a clue points at, if it exists."""
    if clue.message_id is not None:
        return _ticket_of_message_id(session, clue.message_id)
    return session.scalar(select(Ticket).where(Ticket.reference == clue.reference))


def follow_merges(session: SessionLike, ticket: Ticket) -> Ticket:
    """Return the ticket a merged ticket was merged into (through a few hops)."""
    for _ in range(MAX_MERGE_HOPS):
        if ticket.status is not Status.MERGED or ticket.merged_into_id is None:
            break
        target = session.get(Ticket, ticket.merged_into_id)
        if target is None:
            break
        ticket = target
    return ticket


def find_ticket(
    session: SessionLike,
    mail: ParsedMail,
    *,
    identity: MailIdentity,
    prefix: str,
    envelope_to: tuple[str, ...] = (),
) -> ThreadMatch | None:
    """Return the existing ticket this message belongs to, or None for a new enquiry."""
    for clue in clues(mail, identity=identity, prefix=prefix, envelope_to=envelope_to):
        ticket = resolve(session, clue)
        if ticket is not None:
            return ThreadMatch(follow_merges(session, ticket), clue.via)
    return None
