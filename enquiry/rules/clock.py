"""Reading the statutory clock of a ticket: whether it runs, waits or is overdue, what is left.

Pure: no Flask, no database. The verbs that move the clock are in `enquiry.domain.clock`.
Legal dates are Beijing dates (see `enquiry.rules.deadlines`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from enquiry.models import Kind, PauseKind, Role, Status, Ticket, User
from enquiry.rules import deadlines

EXTENSION_MAX_DAYS_INFO_APPLICATION = 20  # 2019 Regulations, art. 33
# The 2008 Regulations (art. 24) apply to applications received before the 2019 text took effect:
# 15 working days, extended once by at most 15.
REGULATIONS_2019_IN_FORCE = date(2019, 5, 15)
DAYS_2008 = 15
EXTENSION_MAX_DAYS_2008 = 15
EXTENSION_MAX_DAYS_OTHER = 10
DUE_SOON_DAYS = 3
REASON_MAX = 2000

# The clock runs in these states; AWAITING_CITIZEN is the 补正 pause; the rest have stopped it.
RUNNING = frozenset({Status.RECEIVED, Status.ROUTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS})
OPEN = RUNNING | {Status.AWAITING_CITIZEN}


@dataclass(frozen=True)
class ExtensionRules:
    """How far a due date may be extended, per kind (working days, once per ticket)."""

    info_application: int = EXTENSION_MAX_DAYS_INFO_APPLICATION
    other: int = EXTENSION_MAX_DAYS_OTHER

    def max_days(self, ticket: Ticket) -> int:
        """Return the longest extension allowed for the ticket's kind and receipt date."""
        if ticket.kind is not Kind.INFO_APPLICATION:
            return self.other
        if under_2008_regulations(ticket.kind, ticket.received_on):
            return min(self.info_application, EXTENSION_MAX_DAYS_2008)
        return self.info_application


def under_2008_regulations(kind: Kind, received_on: date) -> bool:
    """True for an information application received before the 2019 Regulations took effect."""
    return kind is Kind.INFO_APPLICATION and received_on < REGULATIONS_2019_IN_FORCE


def answer_days(kind: Kind, received_on: date, configured: Mapping[Kind, int]) -> int:
    """Return the working days to answer: the configured period, or 15 under the 2008 text."""
    if under_2008_regulations(kind, received_on):
        return DAYS_2008
    return configured[kind]


def beijing_today(now: datetime) -> date:
    """Return the Beijing date of a moment: legal dates are Beijing dates."""
    return now.astimezone(deadlines.BEIJING).date()


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


def may_approve_extension(user: User, ticket: Ticket) -> bool:
    """True for an active admin, or an active supervisor of the ticket's department."""
    if not user.is_active:
        return False
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.SUPERVISOR and user.department_id == ticket.department_id
