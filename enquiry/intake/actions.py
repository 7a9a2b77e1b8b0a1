"""What intake does with a classified message: add a reply, open a ticket (bounces: .bounces).

Called by enquiry.mail.ingest inside its second transaction; everything here flushes and
never commits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from enquiry import audit
from enquiry.audit.content import message_detail
from enquiry.domain.policy import Policy
from enquiry.domain.tickets import (
    NewEnquiry,
    TicketClosedError,
    add_citizen_follow_up,
    add_message,
    open_ticket,
)
from enquiry.intake.threading import ThreadMatch
from enquiry.mail.parse.headers import address_key
from enquiry.mail.parse.inbound import ParsedMail
from enquiry.models import (
    Channel,
    InboundEmail,
    InboundOutcome,
    Kind,
    MessageKind,
    SessionLike,
    Ticket,
)
from enquiry.models.tickets import EMAIL_MAX, NAME_MAX, SUBJECT_MAX
from enquiry.rules import names
from enquiry.rules.subjects import strip_reply_prefixes
from enquiry.rules.uploads import Upload, UploadError, check_upload

logger = logging.getLogger(__name__)

NO_SUBJECT = "(无主题)"
NO_BODY = "(无正文)"
EMAIL_BODY_MAX = 100_000  # longer texts stay whole in the raw message
FLAG_MAX = 200
_ARABIC_SCRIPT_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class IntakeError(Exception):
    """A message intake cannot act on as it stands (it is quarantined for staff)."""


class NoSenderError(IntakeError):
    """A new enquiry without any address to answer."""


@dataclass(frozen=True)
class Decision:
    """What phase two did with a message."""

    outcome: InboundOutcome
    ticket: Ticket | None = None
    detail: str | None = None

    @property
    def ticket_id(self) -> int | None:
        return self.ticket.id if self.ticket is not None else None

    @property
    def reference(self) -> str | None:
        return self.ticket.reference if self.ticket is not None else None


def ticket_by_id(session: SessionLike, ticket_id: int | None) -> Ticket | None:
    """Return a ticket by id, or None."""
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


# --- the citizen's message -----------------------------------------------------------------


def uploads_from(mail: ParsedMail, *, limit: int, max_bytes: int, notes: list[str]) -> list[Upload]:
    """Return the attachments the form would accept; note the others (kept in the raw mail)."""
    kept: list[Upload] = []
    for attachment in sorted(mail.attachments, key=lambda a: a.is_inline):
        if len(kept) >= limit:
            notes.append(f"attachment not kept: {attachment.filename}: too_many")
            continue
        try:
            kept.append(check_upload(attachment.filename, attachment.data, max_bytes))
        except UploadError as error:
            notes.append(f"attachment not kept: {attachment.filename}: {error}")
    return kept


def body_of(mail: ParsedMail) -> str:
    """Return the whole text: what the sender wrote and the quoted history below it."""
    text = mail.text.strip() or mail.new_text.strip()
    if len(text) > EMAIL_BODY_MAX:
        text = text[:EMAIL_BODY_MAX] + "\n[…]"
    return text or NO_BODY


def subject_of(mail: ParsedMail) -> str:
    """Return the subject without reply prefixes, or a placeholder."""
    return strip_reply_prefixes(mail.subject)[:SUBJECT_MAX].strip() or NO_SUBJECT


def guess_locale(text: str) -> str:
    """Return "ug" for text mostly in the Uyghur (Arabic) script, else "zh_Hans"."""
    arabic = len(_ARABIC_SCRIPT_RE.findall(text))
    return "ug" if arabic and arabic > len(_HAN_RE.findall(text)) else "zh_Hans"


def citizen_address(mail: ParsedMail) -> str:
    """Return the address to answer: From, else Reply-To, else the return path."""
    for address in (mail.from_addr, mail.reply_to, mail.return_path):
        if address and len(address) <= EMAIL_MAX:
            return address
    raise NoSenderError("the message has no sender address to answer")


def citizen_name(mail: ParsedMail, address: str) -> str:
    """Return the sender's display name, or the local part of the address."""
    name = names.normalize_name(mail.from_name) or address.split("@", 1)[0]
    return name[:NAME_MAX]


def sender_flag(mail: ParsedMail, ticket: Ticket) -> str | None:
    """Say why staff should look at a reply from someone other than the ticket's citizen."""
    sender = mail.from_addr
    if sender is None:
        return "邮件没有发件人地址"
    if ticket.citizen_email and address_key(sender) == address_key(ticket.citizen_email):
        return None
    return f"发件人 {sender} 不是本件的联系邮箱"[:FLAG_MAX]


def append_reply(
    session: SessionLike,
    inbound: InboundEmail,
    mail: ParsedMail,
    match: ThreadMatch,
    uploads: list[Upload],
    policy: Policy,
    now: datetime,
) -> Decision:
    """Add the message to its ticket, reopening it as the workflow says.

    A reply from another address found only by an earlier Message-ID of the thread is added,
    flagged, without reopening the ticket; so is one to a refused or spam ticket. (Mail from
    another address that only names the reference never comes here: see mail.mentions.)
    """
    ticket, flag = match.ticket, sender_flag(mail, ticket=match.ticket)
    detail = f"via {match.via.value}"
    if flag is None or match.is_signed:
        try:
            add_citizen_follow_up(
                session,
                ticket,
                body=body_of(mail),
                attachments=uploads,
                actor=audit.Actor.citizen(),
                now=now,
                channel=Channel.EMAIL,
                flag_reason=flag,
                email_message_id=inbound.message_id,
                inbound_email_id=inbound.id,
                policy=policy,
            )
            return Decision(InboundOutcome.APPENDED, ticket, detail)
        except TicketClosedError:
            why = f"本件状态为 {ticket.status.value}，未重新打开"
    else:
        why = "仅凭编号匹配且发件人不同，未重新打开"
    reason = f"{flag}；{why}" if flag else why
    message = add_message(
        session,
        ticket,
        MessageKind.CITIZEN,
        body_of(mail),
        uploads,
        Channel.EMAIL,
        now,
        flag_reason=reason[:FLAG_MAX],
        email_message_id=inbound.message_id,
        inbound_email_id=inbound.id,
    )
    audit.record(
        session,
        action="ticket.citizen_follow_up",
        actor=audit.Actor.citizen(),
        now=now,
        ticket=ticket,
        detail={
            **message_detail(session, message),
            "status": [ticket.status.value] * 2,
            "note": why,
        },
    )
    return Decision(InboundOutcome.APPENDED, ticket, f"{detail}; not reopened")


def open_from_mail(
    session: SessionLike,
    inbound: InboundEmail,
    mail: ParsedMail,
    uploads: list[Upload],
    policy: Policy,
    now: datetime,
    *,
    acknowledge: bool,
) -> Decision:
    """Open a new ticket from a message that answers none."""
    address = citizen_address(mail)
    enquiry = NewEnquiry(
        kind=Kind.QUESTION,
        subject=subject_of(mail),
        body=body_of(mail),
        citizen_name=citizen_name(mail, address),
        citizen_email=address,
        channel=Channel.EMAIL,
        locale=guess_locale(f"{mail.subject}\n{mail.new_text or mail.text}"),
        attachments=uploads,
        email_message_id=inbound.message_id,
        inbound_email_id=inbound.id,
    )
    opened = open_ticket(
        session,
        enquiry,
        policy=policy,
        actor=audit.Actor.citizen(),
        now=now,
        acknowledge=acknowledge,
    )
    return Decision(InboundOutcome.CREATED, opened.ticket)
