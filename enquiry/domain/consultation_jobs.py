"""The worker's consultation job: remind a consulted department before its 15 working days end,
and close every consultation whose time has passed (会商: 逾期未提出意见视为同意)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import consultation_close
from enquiry.domain.policy import Policy
from enquiry.domain.staff_mail import queue_staff_mail, staff_ticket_url, supervisors_of
from enquiry.models import Consultation, ConsultationKind, ConsultationState, SessionLike
from enquiry.rules.clock import DUE_SOON_DAYS, beijing_today, soon_limit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobResult:
    """What one pass did."""

    reminded: int
    lapsed: int

    def __str__(self) -> str:
        return f"{self.reminded} consultations reminded, {self.lapsed} lapsed"


def _open(session: SessionLike) -> sa.Select[Consultation]:
    return sa.select(Consultation).where(Consultation.state == ConsultationState.OPEN)


def run(session: SessionLike, *, policy: Policy, now: datetime) -> JobResult:
    """Lapse what is past its due date, then remind departments whose due date is near."""
    today = beijing_today(now)
    past = session.scalars(
        _open(session).where(Consultation.due_on < today).order_by(Consultation.id)
    )
    lapsed = 0
    for consultation in list(past):
        consultation_close.lapse(session, consultation, policy=policy, now=now)
        lapsed += 1
    limit = soon_limit(today, DUE_SOON_DAYS, policy.calendar)
    near = session.scalars(
        _open(session)
        .where(
            Consultation.kind == ConsultationKind.AGENCY,
            Consultation.due_on < limit,
            Consultation.reminded_at.is_(None),
        )
        .order_by(Consultation.id)
    )
    reminded = 0
    for consultation in list(near):
        _remind(session, consultation, policy=policy, now=now)
        reminded += 1
    return JobResult(reminded, lapsed)


def _remind(
    session: SessionLike, consultation: Consultation, *, policy: Policy, now: datetime
) -> None:
    assert consultation.department_id is not None  # an agency consultation
    recipients = supervisors_of(session, consultation.department_id)
    base = policy.mail.base_url.rstrip("/")
    for user in recipients:
        queue_staff_mail(
            session,
            to=user,
            template="consultation_reminder",
            identity=policy.mail,
            now=now,
            context={
                "consultation": consultation,
                "ticket": consultation.ticket,
                "url": f"{base}/staff/consultations",
                "ticket_url": staff_ticket_url(base, consultation.ticket_id),
            },
            is_automatic=True,
        )
    consultation.reminded_at = now
    audit.record(
        session,
        action="consultation.reminded",
        actor=audit.Actor.system(),
        now=now,
        ticket=consultation.ticket,
        detail={"consultation": consultation.id, "to": [user.email for user in recipients]},
    )
