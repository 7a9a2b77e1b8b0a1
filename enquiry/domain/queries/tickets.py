"""What a staff user may load: a ticket, its thread, history and attachments, search results."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from enquiry.domain.queries.access import reading_scope, ticket_scope
from enquiry.models import (
    Attachment,
    AuditEvent,
    Blob,
    Department,
    Message,
    Report,
    ReportSection,
    Role,
    RoutingRule,
    SessionLike,
    Ticket,
    User,
)
from enquiry.rules import references
from enquiry.search import index as search_index


def visible_ticket(session: SessionLike, user: User, ticket_id: int) -> Ticket | None:
    """Return the ticket if the user may see it; None for another department's, alike."""
    return session.scalar(sa.select(Ticket).where(Ticket.id == ticket_id, ticket_scope(user)))


def visible_ticket_by_reference(session: SessionLike, user: User, reference: str) -> Ticket | None:
    """Return the ticket with this reference if the user may see it; None otherwise, alike."""
    wanted = references.normalize_reference(reference)
    query = sa.select(Ticket).where(Ticket.reference == wanted, ticket_scope(user))
    return session.scalar(query)


def visible_attachment(
    session: SessionLike, user: User, attachment_id: int
) -> tuple[Attachment, bytes] | None:
    """Return an attachment and its bytes if it belongs to a ticket the user may read."""
    query = (
        sa.select(Attachment, Blob.data)
        .join(Message, Attachment.message_id == Message.id)
        .join(Ticket, Message.ticket_id == Ticket.id)
        .join(Blob, Attachment.blob_sha256 == Blob.sha256)
        .where(Attachment.id == attachment_id, reading_scope(user))  # 会商 reads files too
    )
    found = session.execute(query).first()
    return None if found is None else (found[0], found[1])


def thread(session: SessionLike, ticket: Ticket) -> list[Message]:
    """Every message of the ticket (notes too), oldest first, attachments and authors loaded."""
    query = (
        sa.select(Message)
        .where(Message.ticket_id == ticket.id)
        .options(selectinload(Message.attachments), selectinload(Message.author))
    )
    return list(session.scalars(query.order_by(Message.created_at, Message.id)))


def history(session: SessionLike, ticket: Ticket) -> list[AuditEvent]:
    """The ticket's audit events, oldest first."""
    query = sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)
    return list(session.scalars(query.order_by(AuditEvent.id)))


def routing_rule(session: SessionLike, ticket: Ticket) -> RoutingRule | None:
    """The routing rule that sent the ticket to its department, if one did."""
    return session.get(RoutingRule, ticket.routing_rule_id) if ticket.routing_rule_id else None


def merged_into(session: SessionLike, ticket: Ticket) -> Ticket | None:
    """The ticket this one was merged into, if any."""
    return session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None


def visible_departments(user: User) -> set[int] | None:
    """The departments whose tickets the user may see (None: all), as `ticket_scope` rules."""
    if user.role is Role.ADMIN:
        return None
    return {user.department_id} if user.department_id is not None else set()


def search(session: SessionLike, user: User, text: str, limit: int) -> list[search_index.SearchHit]:
    """Full-text search over the tickets the user may see, best first."""
    return search_index.search(
        session, text, visible_department_ids=visible_departments(user), limit=limit
    )


def departments(session: SessionLike) -> list[Department]:
    """Every department, by code (inactive ones too: old tickets name them)."""
    return list(session.scalars(sa.select(Department).order_by(Department.code)))


def report_sections(session: SessionLike) -> list[ReportSection]:
    """The sections of the annual reports, newest report first, in printed order."""
    query = (
        sa.select(ReportSection)
        .join(ReportSection.report)
        .options(selectinload(ReportSection.report))
        .order_by(Report.year.desc(), ReportSection.position)
    )
    return list(session.scalars(query))
