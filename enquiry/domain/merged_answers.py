"""The answer to a ticket also goes to the citizens of the tickets merged into it.

A merged duplicate's citizen is told "it will be answered there": so every answer given on
the surviving ticket is copied into each merged ticket's thread (where its own tracking page
shows it) and mailed to its citizen under their own reference. The merged ticket keeps its
status: the figures count merged tickets out, so the answer counts once, on the ticket that
was answered; the copy carries no rating links, so the answer is rated once too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from enquiry import audit
from enquiry.audit.content import message_detail
from enquiry.domain.thread import add_message
from enquiry.mail import outbound
from enquiry.models import (
    Attachment,
    Channel,
    Message,
    MessageKind,
    SessionLike,
    Status,
    Ticket,
)

MAX_HOPS = 10  # merges of merges: a ticket merged into one that was merged in turn


def merged_into(session: SessionLike, ticket: Ticket) -> list[Ticket]:
    """Return the tickets merged into this one, directly or through others, oldest first."""
    found: list[Ticket] = []
    seen, frontier = {ticket.id}, [ticket.id]
    for _ in range(MAX_HOPS):
        if not frontier:
            break
        rows = session.scalars(
            select(Ticket)
            .where(Ticket.merged_into_id.in_(frontier), Ticket.status == Status.MERGED)
            .order_by(Ticket.id)
        ).all()
        fresh = [row for row in rows if row.id not in seen]
        seen.update(row.id for row in fresh)
        found.extend(fresh)
        frontier = [row.id for row in fresh]
    return found


def latest_answer(session: SessionLike, ticket: Ticket) -> Message | None:
    """The answer of an answered ticket: its newest reply (a request for information or a
    refusal would have moved it out of "answered")."""
    if ticket.status is not Status.ANSWERED:
        return None
    return session.scalar(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.kind == MessageKind.REPLY)
        .order_by(Message.id.desc())
        .limit(1)
    )


def forward_answer(
    session: SessionLike,
    merged: Ticket,
    answered: Ticket,
    answer: Message,
    *,
    identity: outbound.MailIdentity,
    actor: audit.Actor,
    now: datetime,
) -> Message:
    """Copy the answer into a merged ticket's thread and mail it to that ticket's citizen."""
    copy = add_message(
        session, merged, MessageKind.REPLY, answer.body, (), Channel.WEB, now, author=actor.user
    )
    for attachment in answer.attachments:
        copy.attachments.append(
            Attachment(
                blob_sha256=attachment.blob_sha256,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=attachment.size,
            )
        )
    session.flush()
    audit.record(
        session,
        action="ticket.answer_forwarded",
        actor=actor,
        now=now,
        ticket=merged,
        detail={"from": answered.reference, "answer": answer.id, **message_detail(session, copy)},
    )
    outbound.queue(
        session,
        ticket=merged,
        template="reply",
        identity=identity,
        now=now,
        context={"message": copy, "rating_links": [], "answered_under": answered},
        is_automatic=False,
        in_reply_to=outbound.latest_message_id(session, merged),
    )
    return copy


def forward_to_merged(
    session: SessionLike,
    answered: Ticket,
    answer: Message,
    *,
    identity: outbound.MailIdentity,
    actor: audit.Actor,
    now: datetime,
) -> int:
    """Forward an answer to every ticket merged into the answered one; return how many."""
    merged = merged_into(session, answered)
    for ticket in merged:
        forward_answer(session, ticket, answered, answer, identity=identity, actor=actor, now=now)
    return len(merged)


def forward_earlier_answer(
    session: SessionLike,
    ticket: Ticket,
    into: Ticket,
    *,
    identity: outbound.MailIdentity,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """A ticket merged into an answered one: its citizens get that answer now."""
    answer = latest_answer(session, into)
    if answer is not None:
        for merged in (ticket, *merged_into(session, ticket)):
            forward_answer(session, merged, into, answer, identity=identity, actor=actor, now=now)
