"""The statutory clock of a ticket: what is left, pauses, the 补正 restart, extensions.

The due date is stored (`Ticket.due_on`) so lists can sort and filter on it; the verbs here move
it as the regulations say (2019 OGI Regulations, arts. 30-33):

- 补正 (request for correction): the clock stops when staff ask; when the citizen answers, a
  fresh full period starts from the legal date of receipt of the answer.
- Third-party consultation: the time it takes is not counted; on resuming, the due date moves
  back by the working days the consultation lasted.
- Extension: once, by at most a configured number of working days, approved by a supervisor of
  the ticket's department or an admin, with a reason, and the citizen is told.

Verbs flush, never commit, and raise `ClockError` (nothing changed) when refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from enquiry import audit
from enquiry.mail import outbound
from enquiry.models import (
    Kind,
    Message,
    MessageKind,
    PauseKind,
    Role,
    SessionLike,
    Status,
    Ticket,
    User,
)
from enquiry.rules import deadlines

if TYPE_CHECKING:
    from enquiry.domain.tickets import Policy

logger = logging.getLogger(__name__)

EXTENSION_MAX_DAYS_INFO_APPLICATION = 20  # 2019 Regulations, art. 33
EXTENSION_MAX_DAYS_OTHER = 10
DUE_SOON_DAYS = 3
REASON_MAX = 2000

# The clock runs in these states; AWAITING_CITIZEN is the 补正 pause; the rest have stopped it.
RUNNING = frozenset({Status.RECEIVED, Status.ROUTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS})
OPEN = RUNNING | {Status.AWAITING_CITIZEN}


class ClockError(ValueError):
    """A change to the clock that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class ExtensionRules:
    """How far a due date may be extended, per kind (working days, once per ticket)."""

    info_application: int = EXTENSION_MAX_DAYS_INFO_APPLICATION
    other: int = EXTENSION_MAX_DAYS_OTHER

    def max_days(self, ticket: Ticket) -> int:
        """Return the longest extension allowed for the ticket's kind."""
        return self.info_application if ticket.kind is Kind.INFO_APPLICATION else self.other


def beijing_today(now: datetime) -> date:
    """Return the Beijing date of a moment: legal dates are Beijing dates."""
    return now.astimezone(deadlines.BEIJING).date()


# --- Reading the clock -------------------------------------------------------------------------


def is_running(ticket: Ticket) -> bool:
    """True when the clock runs: an open ticket, neither answered nor paused."""
    return ticket.status in RUNNING and ticket.paused_on is None and ticket.due_on is not None


def is_paused(ticket: Ticket) -> bool:
    """True when the clock waits: for the citizen's correction or for a consultation."""
    return ticket.status is Status.AWAITING_CITIZEN or (
        ticket.status in RUNNING and ticket.paused_on is not None
    )


def pause_state(ticket: Ticket) -> PauseKind | None:
    """Return why the clock waits, or None when it runs or has stopped."""
    if ticket.status is Status.AWAITING_CITIZEN:
        return PauseKind.CORRECTION
    if ticket.status in RUNNING and ticket.paused_on is not None:
        return ticket.pause_kind or PauseKind.CONSULTATION
    return None


def remaining_working_days(
    ticket: Ticket, today: date, calendar: deadlines.WorkCalendar
) -> int | None:
    """Return the working days left (0 on the due day, negative once past), or None.

    None when no clock applies: answered or concluded, or waiting for the citizen's correction
    (a fresh period will start). During a consultation the count stands still at its value on
    the day the consultation began.
    """
    if ticket.due_on is None or ticket.status not in OPEN:
        return None
    if ticket.status is Status.AWAITING_CITIZEN or ticket.pause_kind is PauseKind.CORRECTION:
        return None
    start = ticket.paused_on if ticket.paused_on is not None else today
    return deadlines.working_days_between(start, ticket.due_on, calendar)


def is_overdue(ticket: Ticket, today: date) -> bool:
    """True when the clock runs and the due date has passed (by date, so weekends count)."""
    return is_running(ticket) and ticket.due_on is not None and ticket.due_on < today


def due_soon(
    ticket: Ticket, today: date, calendar: deadlines.WorkCalendar, days: int = DUE_SOON_DAYS
) -> bool:
    """True when the clock runs and at most `days` working days are left (due today too)."""
    if not is_running(ticket) or ticket.due_on is None or ticket.due_on < today:
        return False
    return ticket.due_on < soon_limit(today, days, calendar)


def soon_limit(today: date, days: int, calendar: deadlines.WorkCalendar) -> date:
    """Return the first date that is no longer "due soon": due_on < limit means due soon."""
    return deadlines.add_working_days(today, days + 1, calendar)


def running_condition() -> sa.ColumnElement[bool]:
    """SQL: the tickets whose clock runs (see `is_running`)."""
    return sa.and_(
        Ticket.status.in_(RUNNING), Ticket.paused_on.is_(None), Ticket.due_on.is_not(None)
    )


def overdue_condition(today: date) -> sa.ColumnElement[bool]:
    """SQL: the tickets `is_overdue` on this day."""
    return sa.and_(running_condition(), Ticket.due_on < today)


def due_soon_condition(
    today: date, calendar: deadlines.WorkCalendar, days: int = DUE_SOON_DAYS
) -> sa.ColumnElement[bool]:
    """SQL: the tickets `due_soon` on this day."""
    limit = soon_limit(today, days, calendar)
    return sa.and_(running_condition(), Ticket.due_on >= today, Ticket.due_on < limit)


def badge(ticket: Ticket, today: date, calendar: deadlines.WorkCalendar) -> dict[str, Any]:
    """Return the arguments of the `due_badge` macro (templates/macros/clock.html)."""
    pause = pause_state(ticket)
    return {
        "due_on": ticket.due_on,
        "remaining": remaining_working_days(ticket, today, calendar),
        "is_verified": ticket.is_calendar_verified,
        "is_overdue": is_overdue(ticket, today),
        "pause": pause.value if pause is not None else None,
    }


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
    days = policy.deadline_days[ticket.kind]
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


def configured_policy(session: SessionLike) -> Policy:
    """Return the running application's policy, for callers that did not pass one."""
    from flask import current_app

    from enquiry.domain.policy import policy_from_config

    return policy_from_config(current_app.config, session=session)


def pause_for_consultation(
    session: SessionLike, ticket: Ticket, note: str, *, actor: audit.Actor, now: datetime
) -> None:
    """Stop the clock while a third party or another agency is consulted (art. 32)."""
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


def resume_after_consultation(
    session: SessionLike,
    ticket: Ticket,
    *,
    calendar: deadlines.WorkCalendar,
    actor: audit.Actor,
    now: datetime,
) -> int:
    """Restart the clock; move the due date back by the working days consulted. Return them."""
    if ticket.pause_kind is not PauseKind.CONSULTATION or ticket.paused_on is None:
        raise ClockError("the ticket is not paused for a consultation")
    if ticket.due_on is None:
        raise ClockError("the ticket has no due date")
    today = beijing_today(now)
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


def may_approve_extension(user: User, ticket: Ticket) -> bool:
    """True for an active admin, or an active supervisor of the ticket's department."""
    if not user.is_active:
        return False
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.SUPERVISOR and user.department_id == ticket.department_id


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
    outbound.queue(
        session,
        ticket=ticket,
        template="extension",
        identity=policy.mail,
        now=now,
        context={"reason": reason, "days": days, "old_due": before, "new_due": due.day},
        is_automatic=False,
        in_reply_to=outbound.latest_message_id(session, ticket),
    )
