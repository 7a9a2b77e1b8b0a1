"""Consultations during an information application: a third party (art. 32), another agency (会商,
art. 34), each with its own 15-working-day due date.

Reading of the 2019 Regulations:

- Art. 32: a third party whose rights the disclosure may harm is asked for its opinion and has
  15 working days from receipt of the request; when it does not answer in time the office
  decides itself (state NO_ANSWER).
- Art. 34: information made by several agencies: the leading one may ask the others, who have
  15 working days; 逾期未提出意见的视为同意公开 (state DEEMED_AGREED, recorded on the ticket).
- Art. 33 ¶3: 行政机关征求第三方和其他机关意见所需时间不计算在前款规定的期限内 — the time spent
  consulting third parties AND other agencies is not counted in the 20 working days. So both kinds
  stop the applicant's clock while open. Under the 2008 text (art. 24) only the third party's time
  is excluded; a 会商 for an application received before 2019-05-15 leaves the clock running.

The clock stands still from the day the request was sent while any consultation that pauses it
is open; when the last one closes it runs again and the due date moves back by the working days
not counted (`clock.resume_after_consultation`). The applicant is told by mail that the time is
not counted. Verbs flush, never commit, and raise `ConsultationError` (nothing changed).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from enquiry import audit
from enquiry.domain import letters
from enquiry.domain.policy import Policy
from enquiry.domain.steps import thread_event
from enquiry.mail import outbound
from enquiry.models import (
    Consultation,
    ConsultationKind,
    ConsultationState,
    Department,
    Kind,
    PauseKind,
    SessionLike,
    Ticket,
)
from enquiry.models.consultation import PARTY_MAX, TEXT_MAX
from enquiry.rules import deadlines
from enquiry.rules.clock import OPEN, RUNNING, beijing_today, under_2008_regulations

logger = logging.getLogger(__name__)

DAYS = 15  # working days for the third party (art. 32) and the other agency (art. 34)

NOT_APPLICATION = "only information applications are consulted on"
NOT_OPEN = "the application is no longer open"
SAME_DEPARTMENT = "a 会商 goes to another department than the one handling the application"
INACTIVE_DEPARTMENT = "that department is not active"
SENT_IN_FUTURE = "the date sent cannot be after today"
SENT_BEFORE_RECEIPT = "the date sent cannot be before the application arrived"
ALREADY_CLOSED = "this consultation is already closed"
NOT_DUE_YET = "the third party still has time to answer"


class ConsultationError(ValueError):
    """A consultation change that cannot be made as asked; the message says why."""


def checked_text(text: str | None, what: str, limit: int) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise ConsultationError(f"{what} is required")
    if len(cleaned) > limit:
        raise ConsultationError(f"{what} is longer than {limit} characters")
    return cleaned


def _check_ticket(ticket: Ticket, sent_on: date, today: date) -> None:
    if ticket.kind is not Kind.INFO_APPLICATION:
        raise ConsultationError(NOT_APPLICATION)
    if ticket.status not in OPEN or ticket.pause_kind is PauseKind.CORRECTION:
        raise ConsultationError(NOT_OPEN)
    if sent_on > today:
        raise ConsultationError(SENT_IN_FUTURE)
    if sent_on < beijing_today(ticket.created_at):
        raise ConsultationError(SENT_BEFORE_RECEIPT)


def consult_third_party(
    session: SessionLike,
    ticket: Ticket,
    party: str,
    question: str,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    sent_on: date | None = None,
) -> Consultation:
    """征求第三方意见 (art. 32): record the request; the applicant's clock stops meanwhile."""
    party = checked_text(party, "the third party", PARTY_MAX)
    return _open(
        session,
        ticket,
        ConsultationKind.THIRD_PARTY,
        question,
        policy=policy,
        actor=actor,
        now=now,
        sent_on=sent_on,
        party=party,
    )


def consult_agency(
    session: SessionLike,
    ticket: Ticket,
    department: Department,
    question: str,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
) -> Consultation:
    """会商 (art. 34): ask another department for its opinion within 15 working days."""
    if department.id == ticket.department_id:
        raise ConsultationError(SAME_DEPARTMENT)
    if not department.is_active:
        raise ConsultationError(INACTIVE_DEPARTMENT)
    return _open(
        session,
        ticket,
        ConsultationKind.AGENCY,
        question,
        policy=policy,
        actor=actor,
        now=now,
        department=department,
    )


def _open(
    session: SessionLike,
    ticket: Ticket,
    kind: ConsultationKind,
    question: str,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    sent_on: date | None = None,
    party: str | None = None,
    department: Department | None = None,
) -> Consultation:
    today = beijing_today(now)
    sent_on = sent_on or today
    _check_ticket(ticket, sent_on, today)
    question = checked_text(question, "the question", TEXT_MAX)
    # 2008 text: only a third party's time is excluded (art. 24); 2019: both (art. 33 ¶3).
    pauses = kind is ConsultationKind.THIRD_PARTY or not under_2008_regulations(
        ticket.kind, ticket.received_on
    )
    consultation = Consultation(
        ticket=ticket,
        kind=kind,
        state=ConsultationState.OPEN,
        party=party,
        department=department,
        question=question,
        sent_on=sent_on,
        due_on=deadlines.due_date(sent_on, DAYS, policy.calendar).day,
        is_clock_paused=pauses,
        requested_by_id=actor.user.id if actor.user is not None else None,
        created_at=now,
    )
    session.add(consultation)
    session.flush()
    whom = party if department is None else department.name_zh
    label = "征求第三方意见" if kind is ConsultationKind.THIRD_PARTY else "会商"
    paused = _pause(ticket, sent_on, now) if pauses else False
    note = "，答复期限暂停计算" if paused else ""
    due = consultation.due_on.isoformat()
    text = f"{label}：{whom}（{sent_on.isoformat()} 发出，{due} 前提出意见）{note}"
    thread_event(session, ticket, text, actor, now)
    audit.record(
        session,
        action="consultation.opened",
        actor=actor,
        now=now,
        ticket=ticket,
        detail=event_detail(consultation) | {"clock_paused": paused},
    )
    if paused:  # the applicant is told; a third party's consultation with its formal letter
        letters.queue_mail(
            session,
            ticket,
            "consultation",
            policy=policy,
            actor=actor,
            now=now,
            context={"consultation": consultation, "is_third_party": party is not None},
            automatic=False,
            in_reply_to=outbound.latest_message_id(session, ticket),
            letter="consultation" if party is not None else None,
        )
    return consultation


def _pause(ticket: Ticket, sent_on: date, now: datetime) -> bool:
    """Stop the clock from the day the request was sent; False when it already stands still."""
    if ticket.status not in RUNNING or ticket.paused_on is not None or ticket.due_on is None:
        return False
    ticket.paused_on = max(sent_on, ticket.received_on)  # the period starts after receipt
    ticket.pause_kind = PauseKind.CONSULTATION
    ticket.updated_at = now
    return True


def event_detail(consultation: Consultation) -> dict[str, object]:
    return {
        "consultation": consultation.id,
        "kind": consultation.kind.value,
        "party": consultation.party,
        "department": consultation.department.code if consultation.department else None,
        "sent_on": consultation.sent_on.isoformat(),
        "due_on": consultation.due_on.isoformat(),
        "state": consultation.state.value,
    }
