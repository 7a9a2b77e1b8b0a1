"""Compose outgoing mail from a template pair into the outbox; the worker sends it later."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from enquiry.i18n import page_basics
from enquiry.mail.header_values import clean_text
from enquiry.models import (
    Message,
    MessageKind,
    OutboundEmail,
    OutboxStatus,
    SessionLike,
    Ticket,
    rows,
)

SUBJECT_MAX = 200
BODY_MARKER = "[ref:{reference}]"
# A ticket without an e-mail address (a paper application with a postal address): its mail is
# kept in the outbox, never sent; staff print its letter and post it (domain.posting).
NO_ADDRESS = "not sent: the applicant has no e-mail address; print the letter and post it"


def has_address(ticket: Ticket) -> bool:
    """True when mail to the ticket's citizen can be sent: there is an e-mail address."""
    return bool(ticket.citizen_email.strip())


@dataclass(frozen=True)
class MailIdentity:
    """Where our mail comes from and how it is signed."""

    sender: str  # e.g. xxgk@example.gov.cn
    domain: str
    secret: str
    base_url: str


def header_safe(text: str, limit: int = SUBJECT_MAX) -> str:
    """Return text fit for a header: no line breaks or control characters, trimmed."""
    return clean_text(text)[:limit].rstrip()


def _sign(secret: str, value: str, length: int) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:length]


def make_message_id(identity: MailIdentity, reference: str) -> str:
    """Return a Message-ID we can later recognise as ours: <REF.nonce.signature@domain>."""
    nonce = secrets.token_hex(6)
    signature = _sign(identity.secret, f"mid:{reference}.{nonce}", 12)
    return f"<{reference}.{nonce}.{signature}@{identity.domain}>"


def reply_address(identity: MailIdentity, reference: str) -> str:
    """Return the ticket's own signed reply address: mailbox+REF.signature@domain."""
    local = identity.sender.split("@", 1)[0]
    signature = _sign(identity.secret, f"reply:{reference}", 10)
    return f"{local}+{reference}.{signature}@{identity.domain}"


_REPLY_TAG_RE = re.compile(r"\+([A-Za-z]+-\d{4}-\d{6})\.([0-9a-fA-F]{10})@")
_MESSAGE_ID_RE = re.compile(
    r"<?([A-Za-z]+-\d{4}-\d{6})\.([0-9a-fA-F]{12})\.([0-9a-fA-F]{12})@[^<>@\s]+>?"
)


def verify_reply_address(identity: MailIdentity, address: str) -> str | None:
    """Return the reference in one of our signed reply addresses, or None if not ours or forged.

    Mail servers may lower-case the address, so the tag is read case-insensitively.
    """
    match = _REPLY_TAG_RE.search(address.strip())
    if match is None:
        return None
    reference = match.group(1).upper()
    expected = _sign(identity.secret, f"reply:{reference}", 10)
    return reference if hmac.compare_digest(expected, match.group(2).lower()) else None


def verify_message_id(identity: MailIdentity, message_id: str) -> str | None:
    """Return the reference in one of our signed Message-IDs, or None if not ours or forged."""
    match = _MESSAGE_ID_RE.fullmatch(message_id.strip())
    if match is None:
        return None
    reference, nonce = match.group(1).upper(), match.group(2).lower()
    expected = _sign(identity.secret, f"mid:{reference}.{nonce}", 12)
    return reference if hmac.compare_digest(expected, match.group(3).lower()) else None


@dataclass(frozen=True)
class Rendered:
    """A mail rendered from its template pair; the subject is its text's first line, as is."""

    subject: str
    text: str
    html: str

    def naming(self, stand_in: str, reference: str) -> Rendered:
        """The mail rendered for a ticket whose reference was `stand_in`, naming `reference`."""
        parts = (self.subject, self.text, self.html)
        return Rendered(*(part.replace(stand_in, reference) for part in parts))


def _render(template: str, locale: str, context: dict[str, Any]) -> Rendered:
    with force_locale(locale):
        values = {**page_basics(), **context}
        environment = current_app.jinja_env
        text = environment.get_template(f"mail/{template}.txt").render(values)
        html = environment.get_template(f"mail/{template}.html").render(values)
    subject, _, body = text.partition("\n")
    return Rendered(subject, body.lstrip("\n"), html)


def render_pair(template: str, locale: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render templates/mail/<template>.txt (first line: the subject) and .html.

    Not through render_template: the page's context processors (the staff bell, the language
    links) would run twice per mail for nothing; a mail reads the same from any page.
    """
    rendered = _render(template, locale, context)
    return header_safe(rendered.subject), rendered.text, rendered.html


def render_for(
    ticket: Ticket, template: str, identity: MailIdentity, context: dict[str, Any]
) -> Rendered:
    """Render a mail to the ticket's citizen (what `queue` writes to the outbox)."""
    full_context = {
        "ticket": ticket,
        "marker": BODY_MARKER.format(reference=ticket.reference),
        "base_url": identity.base_url.rstrip("/"),
        **context,
    }
    return _render(template, ticket.locale, full_context)


def queue(
    session: SessionLike,
    *,
    ticket: Ticket,
    template: str,
    identity: MailIdentity,
    now: datetime,
    context: dict[str, Any],
    is_automatic: bool,
    in_reply_to: str | None = None,
    attachment_id: int | None = None,
    rendered: Rendered | None = None,
) -> OutboundEmail:
    """Render a message for the ticket's citizen (unless `rendered` already) and write it to the
    outbox (with a file)."""
    rendered = rendered or render_for(ticket, template, identity, context)
    sendable = has_address(ticket)
    email = OutboundEmail(
        ticket_id=ticket.id,
        template=template,
        to_addr=ticket.citizen_email,
        subject=header_safe(rendered.subject),
        body_text=rendered.text,
        body_html=rendered.html,
        message_id=make_message_id(identity, ticket.reference),
        in_reply_to=in_reply_to,
        references=in_reply_to,
        reply_to=reply_address(identity, ticket.reference),
        is_automatic=is_automatic,
        attachment_id=attachment_id,
        status=OutboxStatus.PENDING if sendable else OutboxStatus.SUPPRESSED,
        last_error=None if sendable else NO_ADDRESS,
        next_attempt_at=now,
        created_at=now,
    )
    rows.insert_now(session, email, keep=False)  # one INSERT, no flush of what else is pending
    return email


def latest_message_id(session: SessionLike, ticket: Ticket) -> str | None:
    """The Message-ID a new mail on this ticket replies to: the citizen's last, else ours."""
    theirs = session.scalar(
        select(Message.email_message_id)
        .where(
            Message.ticket_id == ticket.id,
            Message.kind == MessageKind.CITIZEN,
            Message.email_message_id.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    if theirs:
        return f"<{theirs.strip('<>')}>"
    return session.scalar(
        select(OutboundEmail.message_id)
        .where(OutboundEmail.ticket_id == ticket.id)
        .order_by(OutboundEmail.id.desc())
        .limit(1)
    )
