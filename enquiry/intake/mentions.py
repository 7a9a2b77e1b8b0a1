"""Mail that names a ticket only by its reference, sent by someone who is not its citizen.

References can be read off a letter or guessed, so such mail never joins the ticket it names:
it opens a ticket of its own, and a system note on each of the two tells staff about the other
(tickets have no link of their own). Called inside intake's second transaction; flushes only.
"""

from __future__ import annotations

from datetime import datetime

from enquiry import audit
from enquiry.domain.policy import Policy
from enquiry.domain.thread import add_message
from enquiry.intake.actions import Decision, open_from_mail
from enquiry.intake.threading import ThreadMatch
from enquiry.mail.parse.headers import address_key
from enquiry.mail.parse.inbound import ParsedMail
from enquiry.models import InboundEmail, InboundOutcome, MessageKind, SessionLike, Ticket
from enquiry.rules.uploads import Upload


def is_from_citizen(mail: ParsedMail, ticket: Ticket) -> bool:
    """Say whether the sender is the ticket's citizen (case and a final dot ignored)."""
    return (
        mail.from_addr is not None
        and bool(ticket.citizen_email)
        and (address_key(mail.from_addr) == address_key(ticket.citizen_email))
    )


def open_mentioning(
    session: SessionLike,
    inbound: InboundEmail,
    mail: ParsedMail,
    match: ThreadMatch,
    uploads: list[Upload],
    policy: Policy,
    now: datetime,
    *,
    acknowledge: bool,
) -> Decision:
    """Open a new ticket for the message and note the ticket it mentions on both."""
    named = match.ticket
    opened = open_from_mail(
        session, inbound, mail, uploads, policy, now, acknowledge=acknowledge
    ).ticket
    assert opened is not None  # open_from_mail always opens one
    sender = mail.from_addr or "?"
    add_message(
        session,
        opened,
        MessageKind.EVENT,
        f"此邮件提及 {named.reference}（mentions {named.reference}），但发件人 {sender} "
        "不是该件的联系人，故另立新件，未并入该件。",
        (),
        None,
        now,
    )
    add_message(
        session,
        named,
        MessageKind.EVENT,
        f"发件人 {sender} 的邮件提及本件编号，但其不是本件的联系人，"
        f"已另立新件 {opened.reference}（mentioned by {opened.reference}），未并入本件。",
        (),
        None,
        now,
    )
    audit.record(
        session,
        action="mail.mentions_ticket",
        actor=audit.Actor.system(),
        now=now,
        ticket=opened,
        detail={"mentions": named.reference, "via": match.via.value, "sender": sender},
    )
    detail = f"mentions {named.reference} (via {match.via.value}); sender is not its citizen"
    return Decision(InboundOutcome.CREATED, opened, detail)
