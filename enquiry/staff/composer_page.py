"""What the reply composer on the ticket page shows: canned replies filled in, the draft, the
thread version the reply is written against, and who else has the ticket open."""

from __future__ import annotations

from typing import Any

from flask_babel import format_time

from enquiry.domain.queries import composer as queries
from enquiry.extensions import db
from enquiry.models import CannedReply, Kind, Ticket, User, utcnow
from enquiry.rules.workflow import Action
from enquiry.staff import ticket_page as page

QUICK_REPLIES = 6  # shown as one-click buttons; every canned reply stays in the list


def start_from_draft(form: Any, user: User, ticket: Ticket) -> None:
    """A fresh composer starts from the user's saved draft."""
    if not form.body.data:
        form.body.data = queries.draft_body(db.session, ticket, user)


def stamp_version(form: Any, ticket: Ticket) -> None:
    """Stamp the composer with the thread version the page shows (the reply is checked by it)."""
    form.seen.data = str(queries.thread_version(db.session, ticket))


def composer_view(
    user: User, ticket: Ticket, *, kept: bool = False, canned: list[CannedReply] | None = None
) -> dict[str, Any]:
    """Ready values for templates/staff/_composer.html; `kept`: show the text sent back;
    `canned`: the canned replies offered, when the caller has them already."""
    replies = page.canned_replies(user, ticket) if canned is None else canned
    quick = [
        {"id": str(reply.id), "title": reply.title, "text": page.canned_text(reply, ticket)}
        for reply in replies[:QUICK_REPLIES]
    ]
    return {
        "kept": kept,
        "quick": quick,
        "may_close": ticket.kind is not Kind.INFO_APPLICATION
        and page.role_permits(user, ticket, Action.CLOSE),
        "may_reopen": Action.REOPEN.value in {a.value for a in page.offered_actions(user, ticket)}
        and ticket.closed_at is not None,
    }


def presence_view(user: User, ticket: Ticket) -> list[queries.Colleague]:
    """Colleagues whose heartbeat on this ticket is fresh."""
    return queries.colleagues_present(db.session, ticket, user, now=utcnow())


def saved_at() -> str:
    """The time a draft was saved, as the clerk reads it."""
    return format_time(utcnow(), "short")
