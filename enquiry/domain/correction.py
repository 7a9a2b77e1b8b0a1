"""补正 (art. 30 of the 2019 OGI Regulations): asked once, early, with a time limit.

For an information application the office may ask the applicant once, within 7 working days of
receipt, to supply what is missing, and must give a reasonable time limit. The clock waits; the
receipt of the 补正 starts a fresh period (`clock.restart_after_correction`). When the limit
passes with nothing received, the application is concluded as 视为放弃 (table 三, 其他处理:
申请人无正当理由逾期不补正). Other kinds of enquiry keep the simple request for information.
Verbs flush, never commit.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import clock, composer, letters
from enquiry.domain.handling import HandlingError
from enquiry.domain.policy import Policy
from enquiry.domain.steps import audit_detail, mail_citizen, required_text, thread_event, transition
from enquiry.domain.thread import add_message
from enquiry.mail import outbound
from enquiry.models import (
    Channel,
    Kind,
    Message,
    MessageKind,
    PauseKind,
    SessionLike,
    Status,
    Ticket,
)
from enquiry.models.tickets import BODY_MAX
from enquiry.rules import deadlines
from enquiry.rules.clock import beijing_today
from enquiry.rules.workflow import Action

REQUEST_WITHIN_DAYS = 7  # working days after receipt
DEFAULT_LIMIT_DAYS = 15  # working days after the request, unless staff choose another date
ABANDONED = "other.no_correction"  # （六）其他处理 · 1.申请人无正当理由逾期不补正…

ALREADY_REQUESTED = "补正 has already been requested once for this application"
TOO_LATE = "补正 may only be requested within 7 working days of receipt"
LIMIT_NOT_AFTER_TODAY = "the time limit for the 补正 must be after today"


class CorrectionRefused(HandlingError):
    """The law does not allow this 补正 request now (a second one, or a late one)."""


def refusal(ticket: Ticket, calendar: deadlines.WorkCalendar, today: date) -> str | None:
    """Why a 补正 request is not allowed for this ticket today, or None when it is."""
    if ticket.kind is not Kind.INFO_APPLICATION:
        return None
    if ticket.correction_requested_on is not None:
        return ALREADY_REQUESTED
    if deadlines.working_days_between(ticket.received_on, today, calendar) > REQUEST_WITHIN_DAYS:
        return TOO_LATE
    return None


def may_request(ticket: Ticket, calendar: deadlines.WorkCalendar, today: date) -> bool:
    """True when a 补正 may be requested today (the staff page offers the button then)."""
    return refusal(ticket, calendar, today) is None


def default_limit(today: date, calendar: deadlines.WorkCalendar) -> date:
    """The time limit proposed to staff: 15 working days after today."""
    return deadlines.due_date(today, DEFAULT_LIMIT_DAYS, calendar).day


def request_info(
    session: SessionLike,
    ticket: Ticket,
    body: str,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    limit: date | None = None,
) -> Message:
    """补正: ask the citizen for what is missing, with a time limit; the clock waits."""
    today = beijing_today(now)
    reason = refusal(ticket, policy.calendar, today)
    if reason is not None:
        raise CorrectionRefused(reason)
    body = required_text(body, "the request", BODY_MAX, HandlingError)
    if ticket.kind is Kind.INFO_APPLICATION:
        limit = limit or default_limit(today, policy.calendar)
        if limit <= today:
            raise HandlingError(LIMIT_NOT_AFTER_TODAY)
    else:
        limit = None
    message = add_message(
        session, ticket, MessageKind.REPLY, body, (), Channel.WEB, now, author=actor.user
    )
    if limit is not None and letters.wanted(ticket, policy):
        issued = letters.issue(
            session,
            ticket,
            "correction",
            policy=policy,
            actor=actor,
            now=now,
            message=message,
            note=body,
            due_on=limit,
        )
    else:
        issued = None
    detail = audit_detail(session, message)
    if limit is not None:
        detail["time_limit"] = limit.isoformat()
        ticket.correction_requested_on = today
        ticket.correction_due_on = limit
    transition(session, ticket, Action.REQUEST_INFO, actor=actor, now=now, detail=detail)
    clock.pause_for_correction(ticket, now)
    context = {"message": message, "limit": limit, **(issued.mail_context() if issued else {})}
    attachment_id = issued.attachment.id if issued else None
    mail_citizen(
        session,
        ticket,
        "request_info",
        policy.mail,
        now,
        context,
        automatic=False,
        attachment_id=attachment_id,
    )
    composer.discard_draft(session, ticket, actor.user)  # sent from the composer: not a draft now
    return message


def conclude_abandoned(session: SessionLike, *, policy: Policy, now: datetime) -> int:
    """视为放弃: conclude every application whose 补正 limit has passed unanswered; count them."""
    today = beijing_today(now)
    waiting = session.scalars(
        sa.select(Ticket)
        .where(
            Ticket.kind == Kind.INFO_APPLICATION,
            Ticket.status == Status.AWAITING_CITIZEN,
            Ticket.pause_kind == PauseKind.CORRECTION,
            Ticket.correction_due_on < today,
        )
        .order_by(Ticket.id)
    ).all()
    for ticket in waiting:
        _abandon(session, ticket, policy=policy, now=now)
    return len(waiting)


def _abandon(session: SessionLike, ticket: Ticket, *, policy: Policy, now: datetime) -> None:
    actor = audit.Actor.system()
    limit = ticket.correction_due_on
    assert limit is not None  # the query says so
    transition(
        session,
        ticket,
        Action.ABANDON,
        actor=actor,
        now=now,
        detail={"outcome": ABANDONED, "time_limit": limit.isoformat()},
    )
    ticket.outcome = ABANDONED
    ticket.paused_on = None
    ticket.pause_kind = None
    ticket.updated_at = now
    text = f"补正期限（{limit.isoformat()}）届满未收到补正，视为放弃申请，办结"
    thread_event(session, ticket, text, actor, now)
    letters.queue_mail(
        session,
        ticket,
        "abandoned",
        policy=policy,
        actor=actor,
        now=now,
        context={"limit": limit},
        automatic=True,
        in_reply_to=outbound.latest_message_id(session, ticket),
        letter=letters.outcome_kind(ABANDONED),
        outcome=ABANDONED,
    )
