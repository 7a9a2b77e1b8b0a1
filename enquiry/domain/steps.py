"""The steps the staff verbs share: a move along the state machine with its audit event, a
system event in the thread, the audit detail naming a message, and mail to the citizen.

Each flushes (or leaves the flush to the verb) and never commits, like the verbs themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from enquiry import audit
from enquiry.audit.content import message_detail
from enquiry.domain.thread import add_message
from enquiry.mail import outbound
from enquiry.models import Message, MessageKind, SessionLike, Status, Ticket
from enquiry.rules import workflow


def transition(
    session: SessionLike,
    ticket: Ticket,
    action: workflow.Action,
    *,
    actor: audit.Actor,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move the ticket to the status the action leads to, and audit it."""
    before = ticket.status
    ticket.status = workflow.next_status(before, action)
    ticket.closed_at = now if ticket.status is Status.CLOSED else None
    ticket.updated_at = now
    audit.record(
        session,
        action=f"ticket.{action.value}",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={"status": [before.value, ticket.status.value], **(detail or {})},
    )


def thread_event(
    session: SessionLike, ticket: Ticket, text: str, actor: audit.Actor, now: datetime
) -> Message:
    """Write a system event into the thread (staff only)."""
    return add_message(session, ticket, MessageKind.EVENT, text, (), None, now, author=actor.user)


def audit_detail(session: SessionLike, message: Message) -> dict[str, Any]:
    """The audit detail naming a message: its id and the hashes of its body and files."""
    return {"message": message.id, **message_detail(session, message)}


def mail_citizen(
    session: SessionLike,
    ticket: Ticket,
    template: str,
    identity: outbound.MailIdentity,
    now: datetime,
    context: dict[str, Any],
    *,
    automatic: bool,
    attachment_id: int | None = None,
) -> None:
    """Queue mail to the citizen in the ticket's thread (it answers the latest message)."""
    outbound.queue(
        session,
        ticket=ticket,
        template=template,
        identity=identity,
        now=now,
        context=context,
        is_automatic=automatic,
        in_reply_to=outbound.latest_message_id(session, ticket),
        attachment_id=attachment_id,
    )


def required_text(text: str | None, what: str, limit: int, error: type[ValueError]) -> str:
    """Return the text stripped, or raise `error` when it is empty or longer than `limit`."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise error(f"{what} is required")
    if len(cleaned) > limit:
        raise error(f"{what} is longer than {limit} characters")
    return cleaned
