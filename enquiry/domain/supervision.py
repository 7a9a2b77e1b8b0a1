"""Chasing deadlines: the daily digest, escalation (督办) and reminders (催办).

The lists come from `enquiry.domain.attention`; the mail to colleagues goes through
`enquiry.domain.staff_mail` (the outbox, never a citizen's thread).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain.attention import DueRow, attention_tickets, due_row, overdue_condition
from enquiry.domain.staff_mail import queue_staff_mail, staff_ticket_url, supervisors_of
from enquiry.mail import outbound
from enquiry.models import (
    Department,
    Message,
    MessageKind,
    OutboundEmail,
    Role,
    SessionLike,
    Ticket,
    User,
)
from enquiry.rules import clock, deadlines

logger = logging.getLogger(__name__)

NOTE_MAX = 2000


class SupervisionError(ValueError):
    """A reminder that cannot be sent as asked; the message says why."""


# --- The daily digest --------------------------------------------------------------------------


@dataclass
class Digest:
    """What one colleague is told in the morning."""

    user: User
    overdue: list[DueRow] = field(default_factory=list)
    due_soon: list[DueRow] = field(default_factory=list)
    unassigned: list[DueRow] = field(default_factory=list)  # supervisors: nobody has these

    def is_empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.unassigned)


def collect_digests(
    session: SessionLike, *, today: date, calendar: deadlines.WorkCalendar, soon_days: int
) -> list[Digest]:
    """Return each active colleague's overdue and soon-due tickets.

    Unassigned ones go to the department's supervisors (else the admins): nobody else has them.
    """
    digests: dict[int, Digest] = {}
    unassigned: dict[int, list[DueRow]] = defaultdict(list)
    for ticket in attention_tickets(session, today, calendar, soon_days):
        row = due_row(ticket, today, calendar)
        user = ticket.assignee
        if user is None:
            unassigned[ticket.department_id].append(row)
        elif user.is_active:
            digest = digests.setdefault(user.id, Digest(user))
            (digest.overdue if row.is_overdue else digest.due_soon).append(row)
    for department_id, rows in unassigned.items():
        for supervisor in supervisors_of(session, department_id):
            digests.setdefault(supervisor.id, Digest(supervisor)).unassigned.extend(rows)
    return [digests[key] for key in sorted(digests)]


def _sent_today(session: SessionLike, template: str, address: str, today: date) -> bool:
    """True when a mail of this template already went to the address on this Beijing day."""
    start = datetime.combine(today, datetime.min.time(), deadlines.BEIJING)
    found = session.scalar(
        sa.select(OutboundEmail.id)
        .where(
            OutboundEmail.template == template,
            OutboundEmail.to_addr == address,
            OutboundEmail.created_at >= start,
        )
        .limit(1)
    )
    return found is not None


ANCHOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def send_digests(
    session: SessionLike,
    *,
    identity: outbound.MailIdentity,
    calendar: deadlines.WorkCalendar,
    soon_days: int,
    now: datetime,
) -> int:
    """Queue today's digest for every colleague with something due; once a day each.

    Return how many were queued (a second run the same day queues none).
    """
    today = clock.beijing_today(now)
    queued = 0
    head, length = audit.read_head(session)
    anchor = audit.Anchor(head, length) if length else None
    for digest in collect_digests(session, today=today, calendar=calendar, soon_days=soon_days):
        if digest.is_empty() or _sent_today(session, "digest", digest.user.email, today):
            continue
        queue_staff_mail(
            session,
            to=digest.user,
            template="digest",
            identity=identity,
            now=now,
            context={
                "digest": digest,
                "today": today,
                "soon_days": soon_days,
                "ticket_url": partial(staff_ticket_url, identity.base_url),
                # Mail leaves the database: supervisors keep the head to check against later.
                "audit_anchor": anchor if digest.user.role in ANCHOR_ROLES else None,
            },
            is_automatic=True,
        )
        queued += 1
    return queued


# --- Escalation (督办) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """What one run of the escalation did."""

    tickets: int
    mails: int


def escalate_overdue(
    session: SessionLike,
    *,
    identity: outbound.MailIdentity,
    calendar: deadlines.WorkCalendar,
    now: datetime,
) -> Escalation:
    """督办: mark each overdue, not yet escalated ticket and mail its department's supervisors.

    Each ticket is escalated once (per period: a 补正 restart clears the mark). Concurrent runs
    skip each other's rows on PostgreSQL; the mark is written in the same transaction.
    """
    today = clock.beijing_today(now)
    query = (
        sa.select(Ticket)
        .where(overdue_condition(today), Ticket.escalated_at.is_(None))
        .order_by(Ticket.department_id, Ticket.due_on, Ticket.id)
        .with_for_update(skip_locked=True, of=Ticket)
    )
    by_department: dict[int, list[DueRow]] = defaultdict(list)
    for ticket in session.scalars(query):
        ticket.escalated_at = now
        row = due_row(ticket, today, calendar)
        by_department[ticket.department_id].append(row)
        session.add(
            Message(
                ticket=ticket,
                kind=MessageKind.EVENT,
                body=f"督办：已超过答复期限（{row.due_on.isoformat()}），已通知主管",
                created_at=now,
            )
        )
        audit.record(
            session,
            action="ticket.escalate",
            actor=audit.Actor.system(),
            now=now,
            ticket=ticket,
            detail={"due_on": row.due_on.isoformat()},
        )
    mails = 0
    for department_id, rows in by_department.items():
        department = session.get(Department, department_id)
        for supervisor in supervisors_of(session, department_id):
            queue_staff_mail(
                session,
                to=supervisor,
                template="escalation",
                identity=identity,
                now=now,
                context={
                    "rows": rows,
                    "department": department,
                    "today": today,
                    "ticket_url": partial(staff_ticket_url, identity.base_url),
                },
                is_automatic=True,
            )
            mails += 1
    session.flush()
    return Escalation(tickets=sum(len(rows) for rows in by_department.values()), mails=mails)


# --- Reminder (催办) ---------------------------------------------------------------------------


def may_remind(user: User, ticket: Ticket) -> bool:
    """True for an active admin, or an active supervisor of the ticket's department."""
    return clock.may_approve_extension(user, ticket)


def reminder_recipients(session: SessionLike, ticket: Ticket, sender: User) -> list[User]:
    """Return whom a reminder goes to: the assignee, else the department's active staff."""
    if ticket.assignee is not None and ticket.assignee.is_active:
        return [ticket.assignee]
    query = sa.select(User).where(
        User.department_id == ticket.department_id, User.is_active.is_(True), User.id != sender.id
    )
    return list(session.scalars(query.order_by(User.id)))


def send_reminder(
    session: SessionLike,
    ticket: Ticket,
    note: str,
    *,
    sender: User,
    identity: outbound.MailIdentity,
    actor: audit.Actor,
    now: datetime,
) -> list[User]:
    """催办: a supervisor presses the handler with a note (thread event + e-mail)."""
    note = (note or "").strip()
    if not note:
        raise SupervisionError("a note for the reminder is required")
    if len(note) > NOTE_MAX:
        raise SupervisionError(f"the note is longer than {NOTE_MAX} characters")
    if not may_remind(sender, ticket):
        raise SupervisionError(
            "only a supervisor of the ticket's department or an administrator can send a reminder"
        )
    if ticket.status not in clock.OPEN:
        raise SupervisionError("the ticket is no longer being handled")
    recipients = reminder_recipients(session, ticket, sender)
    if not recipients:
        raise SupervisionError("nobody in the department can receive the reminder")
    names = "、".join(user.display_name for user in recipients)
    session.add(
        Message(
            ticket=ticket,
            kind=MessageKind.EVENT,
            body=f"催办（{sender.display_name} → {names}）：{note}",
            created_at=now,
            author=sender,
        )
    )
    for user in recipients:
        queue_staff_mail(
            session,
            to=user,
            template="reminder",
            identity=identity,
            now=now,
            context={
                "ticket": ticket,
                "note": note,
                "sender": sender,
                "url": staff_ticket_url(identity.base_url, ticket.id),
            },
            is_automatic=False,
        )
    audit.record(
        session,
        action="ticket.remind",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={"note": note, "to": [user.email for user in recipients]},
    )
    return recipients
