"""The statutory clock of a ticket: what is left, pauses, the 补正 restart, extensions.

The due date is stored (`Ticket.due_on`) so lists can sort and filter on it; the verbs here move
it as the regulations say (2019 OGI Regulations, arts. 30-33):

- 补正 (request for correction): the clock stops when staff ask; when the citizen answers, a
  fresh full period starts from the legal date of receipt of the answer.
- Consultation of a third party or another agency (arts. 32-34, recorded by
  `enquiry.domain.consultations`): the time it takes is not counted; on resuming, the due date
  moves back by the working days the consultation lasted.
- Extension: once, by at most a configured number of working days, approved by a supervisor of
  the ticket's department or an admin, with a reason, and the citizen is told.

Verbs flush, never commit, and raise `ClockError` (nothing changed) when refused.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from enquiry import audit
from enquiry.domain import letters
from enquiry.domain.policy import Policy
from enquiry.mail import outbound
from enquiry.models import Kind, Message, MessageKind, PauseKind, SessionLike, Ticket, User
from enquiry.rules import deadlines
from enquiry.rules.clock import (
    REASON_MAX,
    ExtensionRules,
    answer_days,
    beijing_today,
    is_running,
    may_approve_extension,
)

logger = logging.getLogger(__name__)


class ClockError(ValueError):
    """A change to the clock that cannot be made as asked; the message says why."""


# --- Changing the clock ------------------------------------------------------------------------


def _event(
    session: SessionLike, ticket: Ticket, text: str, author: User | None, now: datetime
) -> None:
    """Write a system event into the thread (staff only)."""
    session.add(
        Message(ticket=ticket, kind=MessageKind.EVENT, body=text, created_at=now, author=author)
    )
    session.flush()


def _require_text(text: str | None, what: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise ClockError(f"{what} is required")
    if len(cleaned) > REASON_MAX:
        raise ClockError(f"{what} is longer than {REASON_MAX} characters")
    return cleaned


def pause_for_correction(ticket: Ticket, now: datetime) -> None:
    """补正: stop the clock until the citizen answers (called when staff request information).

    A consultation under way is moot: the answer starts a fresh period anyway.
    """
    ticket.first_response_at = ticket.first_response_at or now
    ticket.paused_on = beijing_today(now)
    ticket.pause_kind = PauseKind.CORRECTION


def stop_on_answer(ticket: Ticket, now: datetime) -> None:
    """答复: the clock stops; record the first response and the answer, end any pause."""
    ticket.first_response_at = ticket.first_response_at or now
    ticket.answered_at = now
    ticket.paused_on = None
    ticket.pause_kind = None


def restart_after_correction(
    session: SessionLike, ticket: Ticket, *, policy: Policy, actor: audit.Actor, now: datetime
) -> None:
    """The citizen answered a 补正 request: a fresh full period starts from the answer's receipt.

    The legal date of receipt follows the office hours (after closing: the next working day).
    An escalation of the old period no longer applies to the new one.
    """
    _fresh_period(session, ticket, "补正材料已收到", policy=policy, actor=actor, now=now)


def restart_for_rehandling(
    session: SessionLike, ticket: Ticket, *, policy: Policy, actor: audit.Actor, now: datetime
) -> None:
    """重办 after a 不满意 rating: the reopened ticket gets a fresh period from the rating."""
    _fresh_period(session, ticket, "回访不满意，重办", policy=policy, actor=actor, now=now)


def _fresh_period(
    session: SessionLike,
    ticket: Ticket,
    cause: str,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Start a full period of the ticket's kind from the legal receipt date of `now`."""
    received = deadlines.legal_receipt_date(now, policy.calendar, policy.office_hours)
    days = answer_days(ticket.kind, ticket.received_on, policy.deadline_days)
    due = deadlines.due_date(received, days, policy.calendar)
    before = ticket.due_on
    ticket.due_on = due.day
    ticket.is_calendar_verified = due.is_verified
    ticket.paused_on = None
    ticket.pause_kind = None
    ticket.escalated_at = None
    text = (
        f"{cause}（{received.isoformat()}），答复期限重新计算："
        f"{days} 个工作日，至 {due.day.isoformat()}"
    )
    _event(session, ticket, text, None, now)
    audit.record(
        session,
        action="ticket.clock_restarted",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "received_on": received.isoformat(),
            "due_on": [before.isoformat() if before else None, due.day.isoformat()],
            "is_calendar_verified": due.is_verified,
        },
    )


def pause_for_consultation(
    session: SessionLike,
    ticket: Ticket,
    note: str,
    *,
    actor: audit.Actor,
    now: datetime,
    policy: Policy | None = None,
) -> None:
    """Stop the clock while a third party is consulted (art. 32); the applicant is told."""
    note = _require_text(note, "a note on whom you consult")
    if ticket.kind is not Kind.INFO_APPLICATION:
        raise ClockError("only information applications pause for a consultation")
    if not is_running(ticket):
        raise ClockError("the clock of this ticket is not running")
    ticket.paused_on = beijing_today(now)
    ticket.pause_kind = PauseKind.CONSULTATION
    ticket.updated_at = now
    _event(session, ticket, f"征求第三方意见，答复期限暂停：{note}", actor.user, now)
    audit.record(
        session,
        action="ticket.consultation_paused",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={"paused_on": ticket.paused_on.isoformat(), "note": note},
    )
    letters.notify(session, ticket, "consultation", policy=policy, actor=actor, now=now)


def resume_after_consultation(
    session: SessionLike,
    ticket: Ticket,
    *,
    calendar: deadlines.WorkCalendar,
    actor: audit.Actor,
    now: datetime,
    until: date | None = None,
) -> int:
    """Restart the clock; move the due date back by the working days consulted. Return them.

    `until`: the last day not counted when it is not today (a consultation that lapsed).
    """
    if ticket.pause_kind is not PauseKind.CONSULTATION or ticket.paused_on is None:
        raise ClockError("the ticket is not paused for a consultation")
    if ticket.due_on is None:
        raise ClockError("the ticket has no due date")
    today = min(until, beijing_today(now)) if until is not None else beijing_today(now)
    excluded = max(0, deadlines.working_days_between(ticket.paused_on, today, calendar))
    before = ticket.due_on
    if excluded:
        due = deadlines.due_date(before, excluded, calendar)
        ticket.due_on = due.day
        ticket.is_calendar_verified = ticket.is_calendar_verified and due.is_verified
    paused_on = ticket.paused_on
    ticket.paused_on = None
    ticket.pause_kind = None
    ticket.updated_at = now
    text = (
        f"征求意见结束，不计算的时间：{excluded} 个工作日，答复期限至 {ticket.due_on.isoformat()}"
    )
    _event(session, ticket, text, actor.user, now)
    audit.record(
        session,
        action="ticket.consultation_resumed",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "paused_on": paused_on.isoformat(),
            "excluded_working_days": excluded,
            "due_on": [before.isoformat(), ticket.due_on.isoformat()],
        },
    )
    return excluded


def check_extension(
    ticket: Ticket, days: int, reason: str, approver: User, *, rules: ExtensionRules, today: date
) -> str:
    """Return the cleaned reason, or raise ClockError saying why the extension is refused."""
    reason = _require_text(reason, "a reason for the extension")
    if not may_approve_extension(approver, ticket):
        raise ClockError(
            "an extension needs the approval of a supervisor of the ticket's department "
            "or an administrator"
        )
    if ticket.extended_at is not None:
        raise ClockError("this ticket has already been extended once; it cannot be extended again")
    limit = rules.max_days(ticket)
    if not 1 <= days <= limit:
        raise ClockError(f"an extension is 1 to {limit} working days for this kind of enquiry")
    if not is_running(ticket):
        raise ClockError("only a ticket whose clock is running can be extended")
    assert ticket.due_on is not None  # is_running says so
    if ticket.due_on < today:
        raise ClockError("the due date has passed; an extension must be approved before it")
    return reason


def extend(
    session: SessionLike,
    ticket: Ticket,
    days: int,
    reason: str,
    approver: User,
    *,
    policy: Policy,
    rules: ExtensionRules,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """延期: push the due date back once, with approval and reason, and tell the citizen."""
    reason = check_extension(ticket, days, reason, approver, rules=rules, today=beijing_today(now))
    assert ticket.due_on is not None
    before = ticket.due_on
    due = deadlines.due_date(before, days, policy.calendar)
    ticket.due_on = due.day
    ticket.is_calendar_verified = ticket.is_calendar_verified and due.is_verified
    ticket.extension_days = days
    ticket.extension_reason = reason
    ticket.extension_approved_by_id = approver.id
    ticket.extended_at = now
    ticket.updated_at = now
    text = (
        f"延期 {days} 个工作日（{approver.display_name} 批准），"
        f"答复期限至 {due.day.isoformat()}：{reason}"
    )
    _event(session, ticket, text, actor.user, now)
    audit.record(
        session,
        action="ticket.extend",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "days": days,
            "reason": reason,
            "approved_by": approver.email,
            "due_on": [before.isoformat(), due.day.isoformat()],
        },
    )
    letters.queue_mail(
        session,
        ticket,
        "extension",
        policy=policy,
        actor=actor,
        now=now,
        context={"reason": reason, "days": days, "old_due": before, "new_due": due.day},
        automatic=False,
        in_reply_to=outbound.latest_message_id(session, ticket),
        letter="extension",
        note=reason,
        due_on=due.day,
        days=days,
    )
