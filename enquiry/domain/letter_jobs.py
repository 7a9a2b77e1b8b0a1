"""The worker's half of a formal letter: render the PDFs the requests left (`letter_jobs`).

A request that issues a letter with `letters.queue_mail(..., later=True)` writes the letter's
text into the thread and the mail at once and leaves a job; the mail waits in the outbox until
the job is done. Here each job's letter is composed again from the ticket and the job's facts
(the same day, so the same text), rendered, kept with the message, recorded in the audit chain
as the actor who caused it, and attached to the waiting mail; then the job goes. A letter that
cannot be rendered keeps its error on the job and its mail leaves without the PDF (the letter's
text is in the mail already): the applicant is never left without the office's answer.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import letters
from enquiry.domain.policy import Policy
from enquiry.models import LetterJob, Message, OutboundEmail, SessionLike, Ticket, User

BATCH = 20
_DATES = ("due_on",)
logger = logging.getLogger(__name__)


def pending_count(session: SessionLike) -> int:
    """How many letters wait for their PDF."""
    return (
        session.scalar(sa.select(sa.func.count(LetterJob.id)).where(LetterJob.error.is_(None))) or 0
    )


def render_pending(session: SessionLike, *, policy: Policy, now: datetime) -> int:
    """Render every waiting letter, committing after each; return how many were rendered."""
    done = 0
    while True:
        jobs = session.scalars(
            sa.select(LetterJob)
            .where(LetterJob.error.is_(None))
            .order_by(LetterJob.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if not jobs:
            return done
        for job in jobs:
            done += _render(session, job, policy=policy, now=now)
            session.commit()


def _render(session: SessionLike, job: LetterJob, *, policy: Policy, now: datetime) -> bool:
    ticket = session.get(Ticket, job.ticket_id)
    message = session.get(Message, job.message_id)
    assert ticket is not None and message is not None  # foreign keys
    user = session.get(User, job.actor_id) if job.actor_id is not None else None
    actor = audit.Actor(label=job.actor_label, user=user)
    details = _details(job.details)
    try:
        with session.begin_nested():
            letter = letters.compose_letter(ticket, job.kind, policy, job.created_at, details)
            issued = letters.attach_pdf(
                session,
                ticket,
                job.kind,
                letter,
                message,
                actor=actor,
                now=now,
                outcome=details.get("outcome"),
            )
            if job.outbound_email_id is not None:
                email = session.get(OutboundEmail, job.outbound_email_id)
                assert email is not None  # foreign key
                email.attachment_id = issued.attachment.id
            session.delete(job)
    except Exception as error:  # the mail must still go: it carries the letter's text
        logger.exception("Could not render letter job %s (%s)", job.id, ticket.reference)
        job.error = f"{type(error).__name__}: {error}"[:2000]
        job.details = {}  # nothing personal left behind on a failed job
        return False
    return True


def _details(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        key: date.fromisoformat(value) if key in _DATES and value else value
        for key, value in stored.items()
    }
