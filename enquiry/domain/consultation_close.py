"""How a consultation ends: the opinion arrives, the 15 working days lapse, or staff withdraw it.

When the last consultation that stopped the clock closes, the clock runs again
(`clock.resume_after_consultation`) and the applicant is told. Opening one is in
`enquiry.domain.consultations`, with the reading of the Regulations. Verbs flush, never commit,
and raise `ConsultationError` (nothing changed).
"""

from __future__ import annotations

from datetime import date, datetime

from enquiry import audit
from enquiry.domain import clock
from enquiry.domain.consultations import (
    ALREADY_CLOSED,
    NOT_DUE_YET,
    ConsultationError,
    checked_text,
    event_detail,
)
from enquiry.domain.policy import Policy
from enquiry.domain.queries import consultations as consultation_queries
from enquiry.domain.steps import mail_citizen, thread_event
from enquiry.models import (
    Consultation,
    ConsultationKind,
    ConsultationState,
    PauseKind,
    SessionLike,
    Ticket,
)
from enquiry.models.consultation import TEXT_MAX
from enquiry.rules.clock import beijing_today


def record_answer(
    session: SessionLike,
    consultation: Consultation,
    answer: str,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """The opinion arrived: record it; the clock runs again when nothing else is pending."""
    answer = checked_text(answer, "the opinion", TEXT_MAX)
    consultation.answer = answer
    consultation.answered_by_id = actor.user.id if actor.user is not None else None
    text = "意见已收到" if consultation.kind is ConsultationKind.THIRD_PARTY else "会商意见已提出"
    _close(session, consultation, ConsultationState.ANSWERED, text, policy, actor, now)


def lapse(
    session: SessionLike, consultation: Consultation, *, policy: Policy, now: datetime
) -> None:
    """The 15 working days passed with no opinion: third party, the office decides (art. 32);
    会商, 逾期未提出意见视为同意 (art. 34)."""
    if consultation.due_on >= beijing_today(now):
        raise ConsultationError(NOT_DUE_YET)
    if consultation.kind is ConsultationKind.AGENCY:
        state, text = ConsultationState.DEEMED_AGREED, "逾期未提出意见视为同意"
    else:
        state, text = ConsultationState.NO_ANSWER, "第三方逾期未提出意见，由本机关依法决定是否公开"
    actor = audit.Actor.system()
    _close(session, consultation, state, text, policy, actor, now, until=consultation.due_on)


def withdraw(
    session: SessionLike,
    consultation: Consultation,
    reason: str | None,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    resume: bool = True,
) -> None:
    """Staff withdraw (cancel) an open consultation; the clock runs again unless `resume` is
    False (the application itself is concluded: nothing is left to run)."""
    note = (reason or "").strip()[:TEXT_MAX]
    text = f"征求意见已撤回：{note}" if note else "征求意见已撤回"
    _close(
        session, consultation, ConsultationState.WITHDRAWN, text, policy, actor, now, resume=resume
    )


def _close(
    session: SessionLike,
    consultation: Consultation,
    state: ConsultationState,
    text: str,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    until: date | None = None,
    *,
    resume: bool = True,
) -> None:
    if consultation.state is not ConsultationState.OPEN:
        raise ConsultationError(ALREADY_CLOSED)
    ticket = consultation.ticket
    consultation.state = state
    consultation.answered_on = beijing_today(now) if state is ConsultationState.ANSWERED else None
    consultation.closed_at = now
    session.flush()
    whom = consultation.party or (
        consultation.department.name_zh if consultation.department else ""
    )
    thread_event(session, ticket, f"{whom}：{text}", actor, now)
    audit.record(
        session,
        action=f"consultation.{state.value}",
        actor=actor,
        now=now,
        ticket=ticket,
        detail=event_detail(consultation),
    )
    if not resume:
        return
    if ticket.pause_kind is PauseKind.CONSULTATION and not _still_pausing(session, ticket):
        clock.resume_after_consultation(
            session, ticket, calendar=policy.calendar, actor=actor, now=now, until=until
        )
        mail_citizen(session, ticket, "consultation_ended", policy.mail, now, {}, automatic=True)


def _still_pausing(session: SessionLike, ticket: Ticket) -> bool:
    return any(c.is_clock_paused for c in consultation_queries.open_consultations(session, ticket))
