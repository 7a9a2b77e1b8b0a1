"""公开: staff prepare a redacted public copy of an answered enquiry; a supervisor approves it.

Only tickets that are answered or closed, whose citizen consented, can be published. The citizen
may withdraw consent on the tracking page at any time: the copy goes offline at once and the
staff are told. Every step is audited; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import publication_copy as copy
from enquiry.domain.staff_mail import queue_staff_mail, staff_ticket_url, supervisors_of
from enquiry.mail.outbound import MailIdentity
from enquiry.models import (
    Adoption,
    Kind,
    Publication,
    PublicationStatus,
    Role,
    SessionLike,
    Status,
    SuggestionAdoption,
    Ticket,
    User,
)
from enquiry.models.publication import ADOPTION_REASON_MAX
from enquiry.models.tickets import SUBJECT_MAX
from enquiry.rules import deadlines

PUBLISHABLE = frozenset({Status.ANSWERED, Status.CLOSED})
APPROVERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
WITHDRAWN_TEMPLATE = "consent_withdrawn"
NOT_CONSENTED = "the citizen has not consented to publication"


class PublishingError(ValueError):
    """A publishing step that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class Choices:
    """What staff chose in the redaction editor."""

    title: str
    restored: frozenset[str] = frozenset()
    extras: Sequence[str] = ()
    attachment_ids: frozenset[int] = frozenset()
    adoption: Adoption | None = None
    adoption_reason: str = ""


def check_publishable(ticket: Ticket) -> None:
    """Raise unless the ticket may be published: answered or closed, with consent."""
    if not ticket.is_publication_consented:
        raise PublishingError(NOT_CONSENTED)
    if ticket.status not in PUBLISHABLE:
        raise PublishingError("only answered or closed enquiries can be published")


def prepare(
    session: SessionLike,
    ticket: Ticket,
    existing: Publication | None,
    *,
    calendar: deadlines.WorkCalendar,
    marker: str,
    actor: audit.Actor,
    now: datetime,
    recorded: SuggestionAdoption | None = None,
) -> Publication:
    """Start (or reopen) the public copy, every detected span hidden, the adoption as recorded."""
    check_publishable(ticket)
    if existing is not None and existing.status is not PublicationStatus.WITHDRAWN:
        return existing
    publication = existing or Publication(ticket=ticket, choices={}, created_at=now)
    publication.status = PublicationStatus.DRAFT
    publication.prepared_by = actor.user
    publication.asked_on = ticket.received_on
    answered = ticket.answered_at or ticket.closed_at or now
    publication.answered_on = answered.date()
    publication.working_days = max(
        0, deadlines.working_days_between(ticket.received_on, publication.answered_on, calendar)
    )
    choices = Choices(
        title=ticket.subject,
        adoption=recorded.adoption if recorded else None,
        adoption_reason=(recorded.reason or "") if recorded else "",
    )
    _apply(publication, choices, marker)
    session.add(publication)
    session.flush()
    audit.record(session, action="publication.prepare", actor=actor, now=now, ticket=ticket)
    return publication


def save(
    session: SessionLike,
    publication: Publication,
    choices: Choices,
    *,
    marker: str,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Store the editor's choices and rebuild the copy; a published copy goes back to draft."""
    check_publishable(publication.ticket)
    title = " ".join(choices.title.split())
    if not title or len(title) > SUBJECT_MAX:
        raise PublishingError(f"the title must have 1 to {SUBJECT_MAX} characters")
    if publication.ticket.kind is Kind.SUGGESTION and choices.adoption is None:
        raise PublishingError("choose whether the suggestion was adopted")
    if len(choices.adoption_reason) > ADOPTION_REASON_MAX:
        raise PublishingError("the reason is too long")
    if publication.status is PublicationStatus.PUBLISHED:
        publication.published_at = None
    publication.status = PublicationStatus.DRAFT
    publication.prepared_by = actor.user
    _apply(publication, choices, marker)
    session.flush()
    detail = {"restored": sorted(choices.restored), "extra": len(choices.extras)}
    audit.record(
        session,
        action="publication.edit",
        actor=actor,
        now=now,
        ticket=publication.ticket,
        detail=detail,
    )


def _apply(publication: Publication, choices: Choices, marker: str) -> None:
    ticket = publication.ticket
    texts = copy.source_texts(ticket) | {"title": " ".join(choices.title.split())}
    extras = copy.clean_extras(choices.extras)
    found = copy.detect(ticket, texts, choices.restored)
    public = copy.build(texts, found, extras, marker)
    allowed = {a.id for a in copy.answer_attachments(ticket)}
    publication.title = public["title"]
    publication.question = public["question"]
    publication.answer = public["answer"]
    publication.adoption = choices.adoption if ticket.kind is Kind.SUGGESTION else None
    publication.adoption_reason = choices.adoption_reason.strip() or None
    publication.choices = {
        "title": texts["title"],
        "restored": sorted(f.key for f in found if not f.is_hidden),
        "extra": extras,
        "attachments": sorted(choices.attachment_ids & allowed),
    }


def submit(
    session: SessionLike,
    publication: Publication,
    *,
    needs_approval: bool,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Send the draft for approval, or publish it at once when approval is waived."""
    check_publishable(publication.ticket)
    if publication.status is not PublicationStatus.DRAFT:
        raise PublishingError("only a draft can be submitted")
    if needs_approval:
        publication.status = PublicationStatus.PENDING
        audit.record(
            session, action="publication.submit", actor=actor, now=now, ticket=publication.ticket
        )
        session.flush()
        return
    _go_live(session, publication, actor=actor, now=now)


def approve(
    session: SessionLike, publication: Publication, *, actor: audit.Actor, now: datetime
) -> None:
    """A supervisor approves a submitted copy: it goes live."""
    if actor.user is None or actor.user.role not in APPROVERS:
        raise PublishingError("only a supervisor can approve a publication")
    if publication.status is not PublicationStatus.PENDING:
        raise PublishingError("only a submitted copy can be approved")
    check_publishable(publication.ticket)
    publication.approved_by = actor.user
    _go_live(session, publication, actor=actor, now=now)


def _go_live(
    session: SessionLike, publication: Publication, *, actor: audit.Actor, now: datetime
) -> None:
    publication.status = PublicationStatus.PUBLISHED
    publication.published_at = now
    publication.withdrawn_at = None
    session.flush()
    audit.record(
        session, action="publication.publish", actor=actor, now=now, ticket=publication.ticket
    )


def unpublish(
    session: SessionLike,
    publication: Publication,
    *,
    actor: audit.Actor,
    now: datetime,
    reason: str = "",
) -> None:
    """Take the copy off the public pages (or drop a draft)."""
    if publication.status is PublicationStatus.WITHDRAWN:
        return
    was = publication.status.value
    publication.status = PublicationStatus.WITHDRAWN
    publication.published_at = None
    publication.withdrawn_at = now
    session.flush()
    detail = {"was": was, "reason": reason[:200]}
    audit.record(
        session,
        action="publication.unpublish",
        actor=actor,
        now=now,
        ticket=publication.ticket,
        detail=detail,
    )


def withdraw_consent(
    session: SessionLike,
    ticket: Ticket,
    publication: Publication | None,
    *,
    identity: MailIdentity,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """The citizen withdraws consent: unpublish at once and tell the staff who handle it."""
    if not ticket.is_publication_consented:
        return
    ticket.is_publication_consented = False
    audit.record(
        session, action="publication.consent_withdrawn", actor=actor, now=now, ticket=ticket
    )
    was_public = publication is not None and publication.status is not PublicationStatus.WITHDRAWN
    if publication is not None:
        unpublish(session, publication, actor=actor, now=now, reason="consent withdrawn")
    for user in _staff_to_tell(session, ticket):
        context = {
            "ticket": ticket,
            "was_public": was_public,
            "staff_url": staff_ticket_url(identity.base_url, ticket.id),
        }
        queue_staff_mail(
            session,
            to=user,
            template=WITHDRAWN_TEMPLATE,
            identity=identity,
            now=now,
            context=context,
            is_automatic=False,
        )


def _staff_to_tell(session: SessionLike, ticket: Ticket) -> list[User]:
    people = supervisors_of(session, ticket.department_id)
    if ticket.assignee is not None and ticket.assignee.is_active:
        people = [ticket.assignee, *(u for u in people if u.id != ticket.assignee.id)]
    return people


def count_helpful(session: SessionLike, publication: Publication) -> None:
    """A reader says the answer answered their question (counted atomically, anonymously)."""
    session.execute(
        sa.update(Publication)
        .where(Publication.id == publication.id)
        .values(helpful_count=Publication.helpful_count + 1)
    )
    session.flush()
