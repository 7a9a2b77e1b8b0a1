"""Domain verbs staff use on a ticket: route, acknowledge, reply, transfer, return, close ...

Each verb checks the state machine, changes the ticket, writes a system event into the thread
where the citizen or colleagues need to see it, an audit event with before and after, and any
mail into the outbox — all in the caller's transaction (flush, never commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from enquiry import audit
from enquiry.audit.content import message_detail
from enquiry.domain import clock, letters, merged_answers, satisfaction
from enquiry.domain.policy import Policy
from enquiry.domain.steps import audit_detail, mail_citizen, required_text, thread_event, transition
from enquiry.domain.thread import add_message
from enquiry.mail import outbound
from enquiry.models import (
    Channel,
    Department,
    Kind,
    Message,
    MessageKind,
    Role,
    SessionLike,
    Status,
    Ticket,
    User,
)
from enquiry.models.tickets import BODY_MAX
from enquiry.rules import greeting, outcomes_2008, workflow
from enquiry.rules.uploads import Upload

REASON_MAX = 2000
Action = workflow.Action

APPLICATION_NOT_REFUSED = (
    "an application is not refused: answer it, then close it with the outcome 不予处理 or 其他处理"
)


class HandlingError(ValueError):
    """A staff action that cannot be done as asked; the message says why."""


def _require_text(text: str, what: str, limit: int = REASON_MAX) -> str:
    return required_text(text, what, limit, HandlingError)


def _active_department(department: Department | None) -> Department:
    if department is None or not department.is_active:
        raise HandlingError("the department does not exist or is inactive")
    return department


def assign(
    session: SessionLike,
    ticket: Ticket,
    assignee: User | None,
    *,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Give the ticket to a colleague of its department (or to nobody)."""
    if assignee is not None:
        if not assignee.is_active:
            raise HandlingError("the assignee's account is deactivated")
        if assignee.role is not Role.ADMIN and assignee.department_id != ticket.department_id:
            raise HandlingError("the assignee does not work in the ticket's department")
    if ticket.status in workflow.FINAL:
        raise workflow.TransitionError(Action.TRANSFER, ticket.status)
    before = ticket.assignee.email if ticket.assignee else None
    ticket.assignee = assignee
    ticket.updated_at = now
    audit.record(
        session,
        action="ticket.assign",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={"assignee": [before, assignee.email if assignee else None]},
    )


def transfer(
    session: SessionLike,
    ticket: Ticket,
    department: Department | None,
    note: str,
    *,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """转办 / 分办: send the ticket to a department, with a note for it."""
    target = _active_department(department)
    note = _require_text(note, "a transfer note")
    if target.id == ticket.department_id and ticket.status is not Status.RECEIVED:
        raise HandlingError("the ticket is already with that department")
    before = ticket.department.code
    transition(
        session,
        ticket,
        Action.TRANSFER,
        actor=actor,
        now=now,
        detail={"department": [before, target.code], "note": note},
    )
    ticket.department = target
    ticket.assignee = None
    thread_event(session, ticket, f"转办至 {target.name_zh}：{note}", actor, now)


def acknowledge(session: SessionLike, ticket: Ticket, *, actor: audit.Actor, now: datetime) -> None:
    """签收: the department accepts the ticket; the one who signs takes it if nobody has."""
    transition(session, ticket, Action.ACKNOWLEDGE, actor=actor, now=now)
    if ticket.assignee is None and actor.user is not None:
        ticket.assignee = actor.user


def start(session: SessionLike, ticket: Ticket, *, actor: audit.Actor, now: datetime) -> None:
    """办理: work on the ticket begins."""
    transition(session, ticket, Action.START, actor=actor, now=now)


def return_to_office(
    session: SessionLike,
    ticket: Ticket,
    reason: str,
    default_department: Department,
    *,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """退单: the department gives the ticket back to the routing office, saying why."""
    reason = _require_text(reason, "a reason for returning")
    before = ticket.department.code
    transition(
        session,
        ticket,
        Action.RETURN,
        actor=actor,
        now=now,
        detail={"department": [before, default_department.code], "reason": reason},
    )
    ticket.department = default_department
    ticket.assignee = None
    thread_event(session, ticket, f"退单：{reason}", actor, now)


def reply(
    session: SessionLike,
    ticket: Ticket,
    body: str,
    *,
    identity: outbound.MailIdentity,
    actor: audit.Actor,
    now: datetime,
    attachments: Sequence[Upload] = (),
) -> Message:
    """答复: answer the citizen; the answer is on the tracking page and goes by e-mail."""
    body = _require_text(body, "the reply", BODY_MAX)
    message = add_message(
        session, ticket, MessageKind.REPLY, body, attachments, Channel.WEB, now, author=actor.user
    )
    transition(
        session, ticket, Action.ANSWER, actor=actor, now=now, detail=audit_detail(session, message)
    )
    clock.stop_on_answer(ticket, now)
    context = {
        "message": message,
        "rating_links": satisfaction.rating_links(identity, message),
        "body_greets": greeting.starts_with_greeting(body),
    }
    mail_citizen(session, ticket, "reply", identity, now, context, automatic=False)
    merged_answers.forward_to_merged(
        session, ticket, message, identity=identity, actor=actor, now=now
    )
    return message


def add_note(
    session: SessionLike, ticket: Ticket, body: str, *, actor: audit.Actor, now: datetime
) -> Message:
    """An internal note: staff only, never shown to the citizen."""
    body = _require_text(body, "the note", BODY_MAX)
    message = add_message(session, ticket, MessageKind.NOTE, body, (), None, now, author=actor.user)
    audit.record(
        session,
        action="ticket.note",
        actor=actor,
        now=now,
        ticket=ticket,
        detail=audit_detail(session, message),
    )
    return message


def close(
    session: SessionLike,
    ticket: Ticket,
    *,
    actor: audit.Actor,
    now: datetime,
    outcome: str | None = None,
    policy: Policy | None = None,
) -> None:
    """办结: the answered ticket is concluded; an information application with its outcome.

    With the office's policy, the applicant gets the outcome's formal letter (告知书).
    """
    outcome = outcome or None
    valid = outcomes_2008.is_valid_for(outcome, ticket.received_on)  # 2008 list before 2019-05-15
    if ticket.kind is Kind.INFO_APPLICATION and not valid:
        raise HandlingError("choose the outcome of the application (annual-report category)")
    if ticket.kind is not Kind.INFO_APPLICATION and outcome is not None:
        raise HandlingError("only information applications have an outcome")
    detail = {"outcome": outcome} if outcome is not None else None
    transition(session, ticket, Action.CLOSE, actor=actor, now=now, detail=detail)
    ticket.outcome = outcome
    if outcome is not None and letters.wanted(ticket, policy):
        kind = letters.outcome_kind(outcome)
        letters.notify(session, ticket, kind, policy=policy, actor=actor, now=now, outcome=outcome)


def refuse(
    session: SessionLike,
    ticket: Ticket,
    reason: str,
    *,
    identity: outbound.MailIdentity,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """不予受理: the office does not accept the enquiry, and tells the citizen why.

    Not for information applications: the Regulations require an answer to every application,
    and one that is not processed is concluded with its outcome (不予处理 / 其他处理), which the
    annual table counts; a refused application would stay "carried over" for ever.
    """
    if ticket.kind is Kind.INFO_APPLICATION:
        raise HandlingError(APPLICATION_NOT_REFUSED)
    reason = _require_text(reason, "a reason for refusing")
    message = add_message(
        session, ticket, MessageKind.REPLY, reason, (), Channel.WEB, now, author=actor.user
    )
    detail = {"reason": reason, **message_detail(session, message)}
    transition(session, ticket, Action.REFUSE, actor=actor, now=now, detail=detail)
    mail_citizen(session, ticket, "refusal", identity, now, {"message": message}, automatic=False)


def mark_spam(
    session: SessionLike, ticket: Ticket, reason: str, *, actor: audit.Actor, now: datetime
) -> None:
    """Spam: closed without any mail, with the reason on record."""
    reason = _require_text(reason, "a reason")
    transition(session, ticket, Action.MARK_SPAM, actor=actor, now=now, detail={"reason": reason})
    thread_event(session, ticket, f"标记为垃圾信息：{reason}", actor, now)


def merge(
    session: SessionLike,
    ticket: Ticket,
    into: Ticket | None,
    *,
    identity: outbound.MailIdentity,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Merge a duplicate into another ticket; the citizen is told, both threads stay readable."""
    if into is None or into.id == ticket.id:
        raise HandlingError("choose another ticket to merge into")
    if into.status in workflow.FINAL:
        raise HandlingError("the ticket to merge into is already concluded")
    transition(session, ticket, Action.MERGE, actor=actor, now=now, detail={"into": into.reference})
    ticket.merged_into_id = into.id
    thread_event(session, ticket, f"已合并至 {into.reference}", actor, now)
    thread_event(session, into, f"{ticket.reference} 已合并至本件", actor, now)
    mail_citizen(session, ticket, "merged", identity, now, {"into": into}, automatic=False)
    merged_answers.forward_earlier_answer(
        session, ticket, into, identity=identity, actor=actor, now=now
    )
