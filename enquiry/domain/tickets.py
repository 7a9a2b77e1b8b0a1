"""Domain verbs on tickets. They flush but never commit: the caller owns the transaction."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from enquiry import audit
from enquiry.audit.content import message_detail
from enquiry.domain import clock, letters, notifications, receipt, references, routing
from enquiry.domain.admin import install
from enquiry.domain.policy import Policy
from enquiry.domain.routing import RoutingDecision
from enquiry.domain.thread import add_message, attach_uploads, new_message
from enquiry.mail import outbound
from enquiry.mail.parse.quotes import fold_for_display
from enquiry.models import (
    ApplicantType,
    Channel,
    DeliveryForm,
    Kind,
    Message,
    MessageKind,
    SessionLike,
    Status,
    Ticket,
    rows,
)
from enquiry.rules import clock as clock_rules
from enquiry.rules import deadlines, follow_up, workflow
from enquiry.rules.references import generate_access_code, hash_code
from enquiry.rules.routing import Facts
from enquiry.rules.uploads import Upload
from enquiry.search import documents, tokenizer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewEnquiry:
    """What a citizen sent, already validated."""

    kind: Kind
    subject: str
    body: str
    citizen_name: str
    citizen_email: str
    channel: Channel
    locale: str
    citizen_phone: str | None = None
    citizen_address: str | None = None  # paper applications: letters go there without e-mail
    is_publication_consented: bool = False
    report_section_id: int | None = None
    applicant_type: ApplicantType | None = None
    info_description: str | None = None
    delivery_form: DeliveryForm | None = None
    attachments: Sequence[Upload] = field(default_factory=tuple)
    # Post / in person only (art. 31): the date staff signed for it or it was handed in.
    received_on: date | None = None
    # E-mail only: the message's own Message-ID and the raw message it came in.
    email_message_id: str | None = None
    inbound_email_id: int | None = None


@dataclass(frozen=True)
class Opened:
    """A new ticket and the retrieval code, which exists nowhere else in clear."""

    ticket: Ticket
    access_code: str


class TicketClosedError(Exception):
    """The ticket no longer accepts messages from the citizen."""


def open_ticket(
    session: SessionLike,
    enquiry: NewEnquiry,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    acknowledge: bool = True,
) -> Opened:
    """Create a ticket from a new enquiry: reference, code, route, deadline, audit, outbox.

    acknowledge=False queues no acknowledgement (mail that may have come from a machine).
    """
    received_on = receipt.receipt_date(enquiry.channel, enquiry.received_on, policy, now)
    days = clock_rules.answer_days(enquiry.kind, received_on, policy.deadline_days)
    due = deadlines.due_date(received_on, days, policy.calendar)
    decision = _route(session, enquiry, policy, now)
    code = generate_access_code()
    year = now.astimezone(deadlines.BEIJING).year
    ticket = Ticket(
        kind=enquiry.kind,
        status=Status.RECEIVED,
        channel=enquiry.channel,
        department_id=decision.department_id,
        subject=enquiry.subject,
        citizen_name=enquiry.citizen_name,
        citizen_email=enquiry.citizen_email,
        citizen_phone=enquiry.citizen_phone,
        citizen_address=enquiry.citizen_address,
        locale=enquiry.locale,
        is_publication_consented=enquiry.is_publication_consented,
        report_section_id=enquiry.report_section_id,
        routing_rule_id=decision.rule_id,
        applicant_type=enquiry.applicant_type,
        info_description=enquiry.info_description,
        delivery_form=enquiry.delivery_form,
        access_code_hash=hash_code(code),
        received_on=received_on,
        due_on=due.day,
        is_calendar_verified=due.is_verified,
        created_at=now,
        updated_at=now,
    )
    message = new_message(
        ticket,
        MessageKind.CITIZEN,
        enquiry.body,
        enquiry.channel,
        now,
        email_message_id=enquiry.email_message_id,
        inbound_email_id=enquiry.inbound_email_id,
    )
    # Everything above only reads. On SQLite the reference counter's write takes the database's
    # write lock until the commit, so what the writes need is prepared first: the search
    # document's tokens and who hears of the new ticket.
    tokenizer.prepare(
        enquiry.subject, enquiry.citizen_name, enquiry.info_description or "", enquiry.body
    )
    notifications.prepare_department(session, decision.department_id)
    # The acknowledgement (and an application's 登记回执, whose PDF is the worker's to render
    # and whose text is a reply in the thread) name the reference, not taken yet: composed with
    # a stand-in, named once it is taken, so that none of it runs under that write's lock.
    later = outbound.has_address(ticket)
    drafted = rendered = None
    ticket.reference = stand_in = f"[{secrets.token_hex(12)}]"
    if acknowledge and later and letters.wanted(ticket, policy):
        kind, due_on = "acknowledgement", ticket.due_on
        drafted = letters.draft(ticket, kind, policy=policy, actor=actor, now=now, due_on=due_on)
    if acknowledge:
        carried = {"letter": drafted[0]} if drafted else {}
        context = {"access_code": code, **carried}
        rendered = outbound.render_for(ticket, "acknowledgement", policy.mail, context)
    ticket.reference = references.next_reference(session, policy.reference_prefix, year)
    if drafted is not None:
        drafted = letters.numbered(drafted, stand_in, ticket.reference)
    if rendered is not None:
        rendered = rendered.naming(stand_in, ticket.reference)
    new_rows = [message, drafted[1]] if drafted else [message]
    # One INSERT each, as if flushed (models/rows.py), and the document the flush would write.
    rows.insert_now(session, ticket, *new_rows)
    documents.write_new(session.connection(), ticket, new_rows)
    attachment_sha256 = attach_uploads(session, message, enquiry.attachments, now)
    audit.record(
        session,
        action="ticket.opened",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "reference": ticket.reference,
            "kind": ticket.kind.value,
            "channel": ticket.channel.value,
            "received_on": ticket.received_on.isoformat(),
            "department": decision.department_code,
            "routing_rule": decision.rule_id,
            "due_on": ticket.due_on.isoformat() if ticket.due_on else None,
            **message_detail(session, message, attachment_sha256=attachment_sha256),
        },
    )
    if acknowledge:
        letters.queue_mail(
            session,
            ticket,
            "acknowledgement",
            policy=policy,
            actor=actor,
            now=now,
            context={"access_code": code},
            automatic=True,
            in_reply_to=None,
            letter="acknowledgement",
            # Without an e-mail address staff print the 登记回执 from the ticket page: made now.
            later=later,
            drafted=drafted,
            rendered=rendered,
            due_on=ticket.due_on,
        )
    return Opened(ticket=ticket, access_code=code)


def _route(
    session: SessionLike, enquiry: NewEnquiry, policy: Policy, now: datetime
) -> RoutingDecision:
    facts = Facts(
        kind=enquiry.kind,
        report_section_id=enquiry.report_section_id,
        text=f"{enquiry.subject}\n{enquiry.body}",
        sender_email=enquiry.citizen_email,
    )
    try:
        return routing.route(session, facts)
    except routing.NoDefaultDepartmentError:
        # A fresh install: open the routing office rather than refuse (or quarantine) enquiries.
        office = policy.routing_office
        install.ensure_routing_office(session, office, actor=audit.Actor.system(), now=now)
        return routing.route(session, facts)


def add_citizen_follow_up(
    session: SessionLike,
    ticket: Ticket,
    *,
    body: str,
    attachments: Sequence[Upload],
    actor: audit.Actor,
    now: datetime,
    channel: Channel = Channel.WEB,
    email_message_id: str | None = None,
    inbound_email_id: int | None = None,
    flag_reason: str | None = None,
    policy: Policy,
) -> Message:
    """Add the citizen's follow-up; an answered ticket is reopened, a closed one only when the
    follow-up asks something new or brings files (a "thank you" stays on the closed ticket).

    The answer to a 补正 request starts a fresh period under the office's `policy`.
    """
    try:
        new_status = workflow.next_status(ticket.status, workflow.Action.CITIZEN_FOLLOW_UP)
    except workflow.TransitionError as error:
        raise TicketClosedError(str(error)) from error
    if (
        ticket.status is Status.CLOSED
        and not attachments
        and not _asks_something_new(body, channel)
    ):
        new_status = Status.CLOSED
    message = add_message(
        session,
        ticket,
        MessageKind.CITIZEN,
        body,
        attachments,
        channel,
        now,
        email_message_id=email_message_id,
        inbound_email_id=inbound_email_id,
        flag_reason=flag_reason,
    )
    before = ticket.status
    if new_status != before:
        ticket.status = new_status
        ticket.closed_at = None
    ticket.updated_at = now
    audit.record(
        session,
        action="ticket.citizen_follow_up",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            **message_detail(session, message),
            "status": [before.value, new_status.value],
        },
    )
    if before is Status.AWAITING_CITIZEN:
        clock.restart_after_correction(session, ticket, policy=policy, actor=actor, now=now)
    return message


def _asks_something_new(body: str, channel: Channel) -> bool:
    new_text, _quoted = fold_for_display(body, is_email=channel is Channel.EMAIL)
    return follow_up.asks_something_new(new_text)
