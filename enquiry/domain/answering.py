"""Answer in one step: the implicit 签收 and 办理, the reply, and 办结 if asked — or nothing.

A reply is checked against the thread the clerk saw: if the citizen wrote or a colleague
answered since the page was drawn, nothing is sent (StaleTicketError), so a ticket never gets
two answers from two clerks who opened it at the same time.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import clock, composer, handling
from enquiry.domain.policy import Policy
from enquiry.domain.queries.composer import thread_version, ticket_version
from enquiry.domain.steps import transition
from enquiry.mail import outbound
from enquiry.models import Message, SessionLike, Status, Ticket
from enquiry.rules.workflow import Action

STALE = "the ticket has new messages since the page was opened"
STALE_ACTION = "the ticket has changed since the page was opened"


class StaleTicketError(handling.HandlingError):
    """Someone wrote on the ticket after the clerk's page was drawn; nothing was sent."""

    def __init__(self, reason: str = STALE) -> None:
        super().__init__(reason)


def check_version(session: SessionLike, ticket: Ticket, seen_version: int) -> None:
    """Lock the ticket and raise StaleTicketError when its thread moved past `seen_version`."""
    session.execute(sa.select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    if thread_version(session, ticket) > seen_version:
        raise StaleTicketError()


def check_action_version(session: SessionLike, ticket: Ticket, seen_version: str) -> None:
    """Lock the ticket and raise StaleTicketError when it changed since `seen_version`.

    For 办结, 转办 and the other actions: a message or a change of status or assignee since the
    page was drawn means the clerk decided on what they no longer see.
    """
    session.execute(sa.select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    if ticket_version(session, ticket) != seen_version:
        raise StaleTicketError(STALE_ACTION)


def take_up(session: SessionLike, ticket: Ticket, *, actor: audit.Actor, now: datetime) -> None:
    """签收 and 办理, each recorded as its own event, when the ticket has not reached them yet."""
    if ticket.status in (Status.RECEIVED, Status.ROUTED):
        handling.acknowledge(session, ticket, actor=actor, now=now)
    if ticket.status is Status.ACKNOWLEDGED:
        handling.start(session, ticket, actor=actor, now=now)


def answer(
    session: SessionLike,
    ticket: Ticket,
    body: str,
    *,
    seen_version: int,
    close: bool,
    identity: outbound.MailIdentity,
    actor: audit.Actor,
    now: datetime,
) -> Message:
    """答复 (and 办结 when `close`) against the thread version the clerk saw; drop the draft."""
    check_version(session, ticket, seen_version)
    take_up(session, ticket, actor=actor, now=now)
    message = handling.reply(session, ticket, body, identity=identity, actor=actor, now=now)
    if close:
        handling.close(session, ticket, actor=actor, now=now)
    composer.discard_draft(session, ticket, actor.user)
    return message


def reopen(
    session: SessionLike, ticket: Ticket, *, policy: Policy, actor: audit.Actor, now: datetime
) -> None:
    """重办: staff reopen a closed ticket (a follow-up needs handling after all)."""
    transition(session, ticket, Action.REOPEN, actor=actor, now=now)
    clock.restart_for_rehandling(session, ticket, policy=policy, actor=actor, now=now)
