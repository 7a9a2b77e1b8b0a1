"""申请人撤回: the applicant withdraws an application (or any open enquiry).

Staff record it (the applicant wrote, called or came in), or the citizen withdraws on the
tracking page with the ticket's code. The ticket is concluded at once: the clock stops, open
consultations are withdrawn with it, and an information application is counted in table 三
under （六）其他处理 · 3.其他, as the 2021 template counts a withdrawal. The applicant gets a
confirmation. Verbs flush, never commit, and raise `WithdrawalError` (nothing changed).
"""

from __future__ import annotations

from datetime import datetime

from enquiry import audit
from enquiry.domain import consultation_close
from enquiry.domain.policy import Policy
from enquiry.domain.queries import consultations as consultation_queries
from enquiry.domain.steps import mail_citizen, thread_event, transition
from enquiry.models import Kind, SessionLike, Ticket
from enquiry.rules import workflow
from enquiry.rules.clock import REASON_MAX

WITHDRAWN = "other.other"  # （六）其他处理 · 3.其他: the 2021 template counts 撤回 here
NOT_OPEN = "only an open enquiry can be withdrawn"
TEMPLATE = "withdrawn"


class WithdrawalError(ValueError):
    """The enquiry cannot be withdrawn; the message says why."""


def may_withdraw(ticket: Ticket) -> bool:
    """True when the ticket's state allows a withdrawal (it is open, not yet answered)."""
    return ticket.status in workflow.TRANSITIONS[workflow.Action.WITHDRAW]


def withdraw(
    session: SessionLike,
    ticket: Ticket,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
    note: str | None = None,
    by_citizen: bool = False,
) -> None:
    """Conclude the ticket as withdrawn by its applicant; stop the clock; tell the applicant."""
    if not may_withdraw(ticket):
        raise WithdrawalError(NOT_OPEN)
    note = (note or "").strip()[:REASON_MAX] or None
    outcome = WITHDRAWN if ticket.kind is Kind.INFO_APPLICATION else None
    for consultation in consultation_queries.open_consultations(session, ticket):
        consultation_close.withdraw(
            session, consultation, "申请人撤回申请", policy=policy, actor=actor, now=now,
            resume=False,
        )  # fmt: skip
    transition(
        session,
        ticket,
        workflow.Action.WITHDRAW,
        actor=actor,
        now=now,
        detail={"outcome": outcome, "by": "citizen" if by_citizen else "staff", "note": note},
    )
    if outcome is not None:
        ticket.outcome = outcome
    ticket.paused_on = None
    ticket.pause_kind = None
    who = "申请人在查询页面撤回申请" if by_citizen else "申请人撤回申请（工作人员登记）"
    thread_event(session, ticket, f"{who}，办结" + (f"：{note}" if note else ""), actor, now)
    mail_citizen(session, ticket, TEMPLATE, policy.mail, now, {}, automatic=False)
